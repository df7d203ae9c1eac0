"""Cells safe to open: the one guard against formula injection (CSV/公式注入) in every export.

A resident's text that starts with ``=`` (``=HYPERLINK("http://…","点击")``), ``+``, ``-``, ``@``, a tab
or a carriage return would become a live formula in the staff member's spreadsheet program. Every
xlsx or csv export passes each value through :func:`safe_cell` before writing it:

- numbers, dates, ``None`` and ordinary text are returned unchanged (numbers stay numbers);
- such text, for an openpyxl worksheet (``sheet=ws``, write-only or not), becomes a cell of that sheet
  holding the text unchanged with its data type forced to string: Excel and WPS show it as text,
  never evaluate it;
- such text, without a sheet (csv and other plain-text formats), is prefixed with ``'``, which
  spreadsheet programs read as "this is text" (OWASP's advice).

    ws.append([safe_cell(v, ws) for v in row])        # xlsx
    writer.writerow([safe_cell(v) for v in row])       # csv
"""

from __future__ import annotations

#: what a spreadsheet program may read as the start of a formula
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def is_risky(value) -> bool:
    return isinstance(value, str) and value.startswith(FORMULA_STARTS)


def safe_cell(value, sheet=None):
    """``value`` made safe to write into a spreadsheet cell (see the module's docstring)."""
    if not isinstance(value, str) or not value.startswith(FORMULA_STARTS):
        return value
    if sheet is None:
        return "'" + value
    from openpyxl.cell import WriteOnlyCell  # a plain cell of the sheet: append() places it

    cell = WriteOnlyCell(sheet, value=value)
    cell.data_type = "s"  # text, whatever it starts with
    return cell


def safe_row(values, sheet=None) -> list:
    """Every value of a row through :func:`safe_cell`."""
    return [safe_cell(v, sheet) for v in values]
