"""Checks on region codes and boundaries. Each returns a list of error dicts naming the row."""

from __future__ import annotations

import re

import numpy as np
import shapely
from shapely.geometry import shape
from shapely.validation import explain_validity

from .models import LEVEL_ORDER, PREFIX_LENGTH

CODE12 = re.compile(r"^\d{12}$")
CODE15 = re.compile(r"^\d{15}$")
#: Overlap of two grids smaller than this (in square degrees, ≈ 1 m²) is rounding, not overlap.
AREA_TOLERANCE = 1e-10
# Minimum longitude/latitude bounds for China (WGS-84), for sanity.
LON_RANGE, LAT_RANGE = (73.0, 136.0), (3.0, 54.0)


def err(field: str, zh: str, en: str, row: str = "") -> dict:
    if row:
        zh, en = f"{row}：{zh}", f"{row}: {en}"
    return {"field": field, "message": zh, "message_en": en}


def level_of_code(code: str) -> str | None:
    """The level a code's shape implies: trailing zero groups of a 12-digit code, or 15 digits = grid."""
    if CODE15.match(code or ""):
        return "grid"
    if not CODE12.match(code or ""):
        return None
    if code[2:] == "0" * 10:
        return "province"
    if code[4:] == "0" * 8:
        return "city"
    if code[6:] == "0" * 6:
        return "district"
    if code[9:] == "000":
        return "street"
    return "community"


def check_code(code: str, level: str, parent_code: str | None, parent_level: str | None, row: str = "") -> list[dict]:
    errors: list[dict] = []
    if level not in PREFIX_LENGTH:
        return [err("level", f"层级“{level}”无效", f"level {level!r} is not one of {', '.join(LEVEL_ORDER)}", row)]
    if level == "grid":
        if not CODE15.match(code or ""):
            return [err("code", "网格编码必须是15位数字（社区代码12位+序号3位）", "a grid code must be 15 digits (12-digit community code + 3-digit sequence)", row)]
        if code[12:] == "000":
            errors.append(err("code", "网格序号不能为000", "the grid sequence must not be 000", row))
    else:
        if not CODE12.match(code or ""):
            return [err("code", "区划代码必须是12位数字", "a division code must be 12 digits", row)]
        implied = level_of_code(code)
        if implied != level:
            errors.append(err("code", f"代码 {code} 的形式是{implied}级，与层级“{level}”不符", f"code {code} has the shape of a {implied}, not a {level}", row))
    if level in ("province",):
        return errors
    if not parent_code:
        errors.append(err("parent", "缺少上级区划", "the parent region is missing", row))
        return errors
    want_parent = LEVEL_ORDER[LEVEL_ORDER.index(level) - 1]
    if parent_level and parent_level != want_parent:
        errors.append(err("parent", f"{level}的上级必须是{want_parent}，不能是{parent_level}", f"the parent of a {level} must be a {want_parent}, not a {parent_level}", row))
    n = PREFIX_LENGTH[want_parent]
    if parent_code[:n] != code[:n]:
        errors.append(err("code", f"代码 {code} 不在上级 {parent_code} 之下（前{n}位应相同）", f"code {code} is not under its parent {parent_code} (the first {n} digits must match)", row))
    return errors


def check_geometry(geometry, row: str = "") -> tuple[object | None, list[dict]]:
    """Parse a GeoJSON Polygon/MultiPolygon; reject unclosed rings, bad coordinates, self-intersection."""
    if not isinstance(geometry, dict) or geometry.get("type") not in ("Polygon", "MultiPolygon"):
        return None, [err("geometry", "边界必须是 GeoJSON Polygon 或 MultiPolygon", "the boundary must be a GeoJSON Polygon or MultiPolygon", row)]
    coords = geometry.get("coordinates")
    polys = [coords] if geometry["type"] == "Polygon" else coords
    try:
        for poly in polys:
            for ring in poly:
                if len(ring) < 4:
                    return None, [err("geometry", "多边形的环至少需要4个点", "a polygon ring needs at least 4 positions", row)]
                if list(ring[0][:2]) != list(ring[-1][:2]):
                    return None, [err("geometry", f"多边形未闭合：首点 {ring[0][:2]} 与末点 {ring[-1][:2]} 不同", f"the polygon is not closed: first position {ring[0][:2]} differs from last {ring[-1][:2]}", row)]
                for lon, lat, *_ in ring:
                    if not (LON_RANGE[0] <= float(lon) <= LON_RANGE[1] and LAT_RANGE[0] <= float(lat) <= LAT_RANGE[1]):
                        return None, [err("geometry", f"坐标 ({lon}, {lat}) 不在中国范围内（应为 WGS-84 经度, 纬度）", f"position ({lon}, {lat}) is outside China (expected WGS-84 lon, lat)", row)]
        geom = shape(geometry)
    except (TypeError, ValueError, IndexError) as exc:
        return None, [err("geometry", f"坐标格式错误：{exc}", f"malformed coordinates: {exc}", row)]
    if not geom.is_valid:
        reason = explain_validity(geom)
        return None, [err("geometry", f"多边形无效（{reason}）", f"the polygon is invalid ({reason})", row)]
    if geom.area <= 0:
        return None, [err("geometry", "多边形面积为零", "the polygon has no area", row)]
    return geom, []


def overlapping_pairs(geoms: list) -> list[tuple[int, int]]:
    """Index pairs (i < j) of polygons that overlap by more than the tolerance (touching edges are
    fine). One STRtree query and vectorised intersections: fast for thousands of grids."""
    if len(geoms) < 2:
        return []
    arr = np.asarray(geoms, dtype=object)
    left, right = shapely.STRtree(arr).query(arr, predicate="intersects")
    keep = left < right
    left, right = left[keep], right[keep]
    if not len(left):
        return []
    area = shapely.area(shapely.intersection(arr[left], arr[right]))
    hit = area > AREA_TOLERANCE
    return sorted(zip(left[hit].tolist(), right[hit].tolist(), strict=True))


def check_overlaps(named: list[tuple[str, object]]) -> list[dict]:
    """Pairs of polygons that overlap by more than the tolerance (touching edges are fine)."""
    errors = []
    for i, j in overlapping_pairs([g for _, g in named]):
        a, b = named[i][0], named[j][0]
        errors.append(err("geometry", f"网格 {a} 与 {b} 重叠", f"grid {a} overlaps grid {b}", a))
    return errors


def check_inside(code: str, geom, container_code: str, container, row: str = "") -> list[dict]:
    if container is None:
        return []
    outside = geom.difference(container).area
    if outside > AREA_TOLERANCE:
        pct = 100 * outside / geom.area
        return [err("geometry", f"网格 {code} 有 {pct:.1f}% 超出所属社区 {container_code} 的边界", f"grid {code} lies {pct:.1f}% outside its community {container_code}", row)]
    return []


_ID_WEIGHTS = [7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2]
_ID_CHECK = "10X98765432"


def valid_id_number(value: str) -> bool:
    """GB 11643 citizen ID: 18 characters, the last a checksum (MOD 11-2)."""
    v = (value or "").strip().upper()
    if not re.fullmatch(r"\d{17}[\dX]", v):
        return False
    return _ID_CHECK[sum(int(c) * w for c, w in zip(v[:17], _ID_WEIGHTS, strict=True)) % 11] == v[17]
