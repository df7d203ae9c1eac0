"""Import of region boundaries from a GeoJSON FeatureCollection (WGS-84): reading the features into
rows, then the all-or-nothing import (``upsert``)."""

from __future__ import annotations

import json

from django.db import transaction

from ..errors import Invalid
from ..services import require
from .common import ImportResult, Row, as_text, grid_type, level, population, row_error
from .upsert import import_rows


def _parse_geojson(data) -> tuple[list[Row], list[dict]]:
    if isinstance(data, bytes | bytearray | memoryview):
        try:
            data = bytes(data).decode("utf-8-sig")
        except UnicodeDecodeError:
            raise Invalid("file", "文件不是 UTF-8 编码的 GeoJSON", "the file is not UTF-8 encoded GeoJSON") from None
    if isinstance(data, str):
        try:
            data = json.loads(data)
        except json.JSONDecodeError as exc:
            raise Invalid("file", f"JSON 格式错误（第{exc.lineno}行第{exc.colno}列：{exc.msg}）",
                          f"malformed JSON (line {exc.lineno}, column {exc.colno}: {exc.msg})") from None
    if not isinstance(data, dict) or data.get("type") != "FeatureCollection" or not isinstance(data.get("features"), list):
        raise Invalid("file", "文件必须是 GeoJSON FeatureCollection（含 features 数组）",
                      "the file must be a GeoJSON FeatureCollection with a features array")
    crs = json.dumps(data.get("crs") or "")
    if crs != '""' and not any(s in crs for s in ("CRS84", "4326")):
        raise Invalid("file", f"坐标系必须是 WGS-84（EPSG:4326），文件声明的是 {crs}",
                      f"the coordinate system must be WGS-84 (EPSG:4326); the file declares {crs}")
    if not data["features"]:
        raise Invalid("file", "文件中没有要素", "the file has no features")
    rows, errors = [], []
    for n, feature in enumerate(data["features"], 1):
        row = Row(n, "feature")
        rows.append(row)
        if not isinstance(feature, dict) or feature.get("type") != "Feature":
            row.ok = False
            errors.append(row_error(row, "feature", "不是 GeoJSON Feature", "not a GeoJSON Feature"))
            continue
        props = feature.get("properties")
        if not isinstance(props, dict):
            row.ok = False
            errors.append(row_error(row, "properties", "缺少属性（properties）", "the feature has no properties"))
            continue
        row.code, row.name = as_text(props.get("code")), as_text(props.get("name"))
        row.level, row.parent_code = level(props.get("level")), as_text(props.get("parent_code"))
        missing = [k for k in ("code", "name", "level") if not getattr(row, k)]
        if missing:
            row.ok = False
            errors.append(row_error(row, missing[0], f"缺少属性 {'、'.join(missing)}", f"missing properties: {', '.join(missing)}"))
            continue
        if "grid_type" in props:
            row.grid_type = grid_type(row, props["grid_type"], errors)
        if "population" in props:
            row.population = population(row, props["population"], errors)
        row.geometry = feature.get("geometry")
    return rows, errors


@transaction.atomic
def import_geojson(actor, data: dict | bytes | str, *, source: str = "") -> ImportResult:
    """Upsert regions from a GeoJSON FeatureCollection: all or nothing (see the module docstring)."""
    require(actor, "region.manage")
    rows, errors = _parse_geojson(data)
    return import_rows(actor, rows, errors, "geojson", source)
