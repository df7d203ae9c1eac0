"""Export of the regions in the actor's data scope: boundaries as a GeoJSON FeatureCollection
(WGS-84) and the region table as Excel (.xlsx)."""

from __future__ import annotations

import io
import math

from .. import selectors
from ..errors import Forbidden, Invalid, NotFound
from ..models import LEVEL_ORDER, Region
from ..policy import can
from ..spreadsheets import safe_row
from .common import COLUMNS, level

XLSX_MIME = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
GEOJSON_MIME = "application/geo+json"
SHEET_NAME = "行政区划"


def _scoped(actor, root_code: str | None, levels: list[str] | None):
    """Regions of the actor's data scope under root_code. Administrators (region.manage) and
    business roles (region.view) may export; both see only their own scope."""
    if actor is None or not getattr(actor, "is_authenticated", False):
        raise Forbidden()
    if getattr(actor, "is_superuser", False) or can(actor, "region.manage"):
        qs = selectors.in_scope(Region.objects.all(), actor, "code")
    else:
        qs = selectors.regions(actor)  # raises Forbidden without region.view
    if root_code:
        root = qs.filter(code=root_code).first()
        if root is None:
            raise NotFound("region")
        qs = qs.filter(code__startswith=root.prefix)
    if levels:
        levels = [level(lv) for lv in levels]
        bad = [lv for lv in levels if lv not in LEVEL_ORDER]
        if bad:
            raise Invalid("level", f"层级“{bad[0]}”无效", f"level {bad[0]!r} is not one of {', '.join(LEVEL_ORDER)}")
        qs = qs.filter(level__in=levels)
    return qs.order_by("code")


def export_geojson(actor, root_code: str | None = None, levels: list[str] | None = None) -> dict:
    """A GeoJSON FeatureCollection (WGS-84) of the regions in the actor's scope under root_code."""
    rows = _scoped(actor, root_code, levels).values(
        "code", "name", "level", "parent__code", "grid_type", "population", "area_km2", "geometry")
    return {
        "type": "FeatureCollection",
        "features": [
            {"type": "Feature", "id": r["code"], "geometry": r["geometry"],
             "properties": {"code": r["code"], "name": r["name"], "level": r["level"], "parent_code": r["parent__code"],
                            "grid_type": r["grid_type"], "population": r["population"],
                            "area_km2": round(r["area_km2"], 6) if r["area_km2"] is not None else None}}
            for r in rows.iterator(chunk_size=2000)
        ],
    }


def export_excel(actor, root_code: str | None = None) -> bytes:
    """The region table as .xlsx: 代码, 名称, 层级, 上级代码, 网格类型, 人口, 面积(km²)."""
    from openpyxl import Workbook
    from openpyxl.styles import Alignment, Font, PatternFill
    from openpyxl.utils import get_column_letter

    rows = _scoped(actor, root_code, None).values(
        "code", "name", "level", "parent__code", "grid_type", "population", "area_km2")
    wb = Workbook()
    ws = wb.active
    ws.title = SHEET_NAME
    ws.append([f"{zh}/{en}" for _, zh, en, _ in COLUMNS])
    bold, fill = Font(bold=True), PatternFill("solid", fgColor="DDEBF7")
    for i, (_, _, _, width) in enumerate(COLUMNS, 1):
        c = ws.cell(row=1, column=i)
        c.font, c.fill, c.alignment = bold, fill, Alignment(horizontal="center")
        ws.column_dimensions[get_column_letter(i)].width = width
    n = 1
    for r in rows.iterator(chunk_size=2000):
        area = r["area_km2"]
        ws.append(safe_row([r["code"], r["name"], r["level"], r["parent__code"] or "", r["grid_type"] or "",
                            r["population"], round(area, 4) if area is not None and math.isfinite(area) else None], ws))
        n += 1
        for col in (1, 4):  # codes are text: 15 digits would otherwise show as 3.70705E+14
            ws.cell(row=n, column=col).number_format = "@"
        ws.cell(row=n, column=7).number_format = "0.0000"
    ws.freeze_panes = "A2"
    ws.auto_filter.ref = f"A1:{get_column_letter(len(COLUMNS))}{n}"
    buf = io.BytesIO()
    wb.save(buf)
    return buf.getvalue()
