"""Import of the region table from Excel (.xlsx, boundaries untouched): finding the columns by their
headers, reading the rows, then the all-or-nothing import (``upsert``)."""

from __future__ import annotations

import io

from django.db import transaction

from ..errors import Invalid
from ..services import require
from .common import COLUMNS, ImportResult, Row, as_text, grid_type, level, population, row_error
from .upsert import import_rows

_HEADER_KEYS = {t.lower(): key for key, zh, en, _ in COLUMNS for t in (zh, en, f"{zh}/{en}", key)}
_HEADER_KEYS.update({"面积": "area", "area_km2": "area", "parent": "parent_code", "上级": "parent_code"})


def _parse_excel(data: bytes) -> tuple[list[Row], list[dict]]:
    import openpyxl

    try:
        wb = openpyxl.load_workbook(io.BytesIO(bytes(data)), read_only=True, data_only=True)
    except Exception:  # BadZipFile, InvalidFileException, KeyError for a zip that is not a workbook…
        raise Invalid("file", "不是有效的 Excel（.xlsx）文件", "not a valid Excel (.xlsx) file") from None
    try:
        ws = wb.worksheets[0]
        values = ws.iter_rows(values_only=True)
        header = next(values, None) or ()
        cols: dict[str, int] = {}
        for i, h in enumerate(header):
            text = as_text(h).lower().replace(" ", "")
            key = _HEADER_KEYS.get(text) or next((_HEADER_KEYS[p] for p in text.split("/") if p in _HEADER_KEYS), None)
            if key and key not in cols:
                cols[key] = i
        missing = [zh for key, zh, en, _ in COLUMNS[:4] if key not in cols]
        if missing:
            wanted = "、".join(f"{zh}/{en}" for _, zh, en, _ in COLUMNS[:4])
            raise Invalid("file", f"第1行表头缺少列：{'、'.join(missing)}（需要 {wanted}）",
                          f"row 1: the header lacks columns {', '.join(en for key, zh, en, _ in COLUMNS[:4] if key not in cols)}")
        rows, errors = [], []
        for n, cells in enumerate(values, 2):
            cells = list(cells) + [None] * (len(header) - len(cells))
            if all(c is None or as_text(c) == "" for c in cells):
                continue

            def cell(key, cells=cells):
                return cells[cols[key]] if key in cols else None

            row = Row(n, "row", code=as_text(cell("code")), name=as_text(cell("name")),
                      level=level(cell("level")), parent_code=as_text(cell("parent_code")))
            rows.append(row)
            missing = [zh for key, zh, en, _ in COLUMNS[:3] if not getattr(row, key)]
            if missing:
                row.ok = False
                errors.append(row_error(row, "row", f"缺少{'、'.join(missing)}", "missing " + ", ".join(
                    en for key, zh, en, _ in COLUMNS[:3] if not getattr(row, key))))
                continue
            if "grid_type" in cols:
                row.grid_type = grid_type(row, cell("grid_type"), errors)
            if "population" in cols:
                row.population = population(row, cell("population"), errors)
        if not rows:
            raise Invalid("file", "表格中没有数据行", "the table has no data rows")
        return rows, errors
    finally:
        wb.close()


@transaction.atomic
def import_excel(actor, data: bytes, *, source: str = "") -> ImportResult:
    """Upsert regions from the Excel region table (boundaries untouched): all or nothing."""
    require(actor, "region.manage")
    rows, errors = _parse_excel(data)
    return import_rows(actor, rows, errors, "xlsx", source)
