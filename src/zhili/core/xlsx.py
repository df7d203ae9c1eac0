"""A streaming .xlsx writer for long tables: one sheet, a styled header row (bold, shaded, frozen),
column widths, and rows of text, numbers and dates — written straight into the zip as SpreadsheetML.

Why not openpyxl's write-only mode: it builds a cell object and lxml elements for every value, about
20 µs a cell on the benchmark machine, so 100,000 rows of 18 columns took over a minute there
(bench/exports.py); this writer formats each row as one string, several times faster. openpyxl,
Excel and WPS open the files; openpyxl remains the writer of the small workbooks (one chart's table).

Text is always written as an inline string (``t="inlineStr"``): never a formula, whatever it starts
with. Characters XML cannot hold (control characters but tab, LF, CR) are dropped. Dates and
datetimes (naive, as given) are Excel serial numbers shown as ``yyyy-mm-dd`` / ``yyyy-mm-dd hh:mm``.

    with SheetWriter(out, "案件清单", header=[…], widths=[…]) as sheet:
        for row in rows:
            sheet.append(row)
"""

from __future__ import annotations

import datetime as dt
import re
import zipfile
from xml.sax.saxutils import escape

from openpyxl.utils import get_column_letter

MAIN = "http://schemas.openxmlformats.org/spreadsheetml/2006/main"
RELS = "http://schemas.openxmlformats.org/officeDocument/2006/relationships"
PKG_RELS = "http://schemas.openxmlformats.org/package/2006/relationships"
_BAD_XML = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff]")
_NEEDS_ESCAPE = re.compile("[&<>\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff]")
_EPOCH = dt.datetime(1899, 12, 30)
_EPOCH_DATE = _EPOCH.date()
#: cell styles (cellXfs) of styles.xml: 0 plain, 1 header, 2 datetime, 3 date
HEADER, DATETIME, DATE = 1, 2, 3

CONTENT_TYPES = (
    '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
    '<Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">'
    '<Default Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships+xml"/>'
    '<Default Extension="xml" ContentType="application/xml"/>'
    '<Override PartName="/xl/workbook.xml" '
    'ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml"/>'
    '<Override PartName="/xl/worksheets/sheet1.xml" '
    'ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.worksheet+xml"/>'
    '<Override PartName="/xl/styles.xml" '
    'ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.styles+xml"/>'
    "</Types>"
)
ROOT_RELS = (
    f'<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n<Relationships xmlns="{PKG_RELS}">'
    f'<Relationship Id="rId1" Type="{RELS}/officeDocument" Target="xl/workbook.xml"/></Relationships>'
)
WORKBOOK_RELS = (
    f'<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n<Relationships xmlns="{PKG_RELS}">'
    f'<Relationship Id="rId1" Type="{RELS}/worksheet" Target="worksheets/sheet1.xml"/>'
    f'<Relationship Id="rId2" Type="{RELS}/styles" Target="styles.xml"/></Relationships>'
)
STYLES = (
    f'<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n<styleSheet xmlns="{MAIN}">'
    '<numFmts count="2"><numFmt numFmtId="164" formatCode="yyyy-mm-dd hh:mm"/>'
    '<numFmt numFmtId="165" formatCode="yyyy-mm-dd"/></numFmts>'
    '<fonts count="2"><font><sz val="11"/><name val="Calibri"/></font>'
    '<font><b/><sz val="11"/><name val="Calibri"/></font></fonts>'
    '<fills count="3"><fill><patternFill patternType="none"/></fill><fill><patternFill patternType="gray125"/></fill>'
    '<fill><patternFill patternType="solid"><fgColor rgb="FFEBF2FD"/><bgColor indexed="64"/></patternFill></fill></fills>'
    '<borders count="1"><border><left/><right/><top/><bottom/><diagonal/></border></borders>'
    '<cellStyleXfs count="1"><xf numFmtId="0" fontId="0" fillId="0" borderId="0"/></cellStyleXfs>'
    '<cellXfs count="4"><xf numFmtId="0" fontId="0" fillId="0" borderId="0" xfId="0"/>'
    '<xf numFmtId="0" fontId="1" fillId="2" borderId="0" xfId="0" applyFont="1" applyFill="1" applyAlignment="1">'
    '<alignment vertical="center"/></xf>'
    '<xf numFmtId="164" fontId="0" fillId="0" borderId="0" xfId="0" applyNumberFormat="1"/>'
    '<xf numFmtId="165" fontId="0" fillId="0" borderId="0" xfId="0" applyNumberFormat="1"/></cellXfs>'
    '<cellStyles count="1"><cellStyle name="Normal" xfId="0" builtinId="0"/></cellStyles>'
    "</styleSheet>"
)


def text(value: str) -> str:
    """``value`` as XML character data (escaped; characters XML cannot hold dropped)."""
    if _NEEDS_ESCAPE.search(value):
        return escape(_BAD_XML.sub("", value))
    return value


def sheet_title(title: str) -> str:
    return re.sub(r"[\[\]:*?/\\]", "-", title)[:31] or "Sheet1"


class SheetWriter:
    """One sheet streamed into an .xlsx at ``out`` (a path or a binary file)."""

    def __init__(self, out, title: str, header: list[str], widths: list[float] | None = None, *,
                 flush_every: int = 1000, compresslevel: int = 1):
        self.zip = zipfile.ZipFile(out, "w", compression=zipfile.ZIP_DEFLATED, compresslevel=compresslevel)
        self.title = sheet_title(title)
        self.ncols = len(header)
        self.letters = [get_column_letter(i) for i in range(1, max(self.ncols, 1) + 1)]
        self.flush_every = flush_every
        self.rows = 0
        self.buf: list[str] = []
        self.stream = self.zip.open("xl/worksheets/sheet1.xml", "w", force_zip64=True)
        cols = "".join(f'<col min="{i}" max="{i}" width="{w}" customWidth="1"/>'
                       for i, w in enumerate(widths or [], 1))
        self.stream.write((
            f'<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n<worksheet xmlns="{MAIN}" xmlns:r="{RELS}">'
            '<sheetViews><sheetView workbookViewId="0"><pane ySplit="1" topLeftCell="A2" activePane="bottomLeft" '
            'state="frozen"/><selection pane="bottomLeft" activeCell="A2" sqref="A2"/></sheetView></sheetViews>'
            '<sheetFormatPr defaultRowHeight="15"/>' + (f"<cols>{cols}</cols>" if cols else "") + "<sheetData>"
        ).encode())
        self.append(header, style=HEADER)

    def append(self, values, style: int = 0) -> None:
        """One row: str as text, int/float as numbers, date/datetime as dates, None or "" as empty."""
        self.rows += 1
        r = self.rows
        letters = self.letters
        s = f' s="{style}"' if style else ""
        out = [f'<row r="{r}">']
        for i, v in enumerate(values):
            if v is None or v == "":
                continue
            ref = f"{letters[i]}{r}"
            if isinstance(v, str):
                out.append(f'<c r="{ref}"{s} t="inlineStr"><is><t xml:space="preserve">{text(v)}</t></is></c>')
            elif isinstance(v, bool):
                out.append(f'<c r="{ref}"{s} t="b"><v>{int(v)}</v></c>')
            elif isinstance(v, int | float):
                out.append(f'<c r="{ref}"{s}><v>{v!r}</v></c>')
            elif isinstance(v, dt.datetime):
                serial = (v.replace(tzinfo=None) - _EPOCH).total_seconds() / 86400
                out.append(f'<c r="{ref}" s="{DATETIME}"><v>{serial!r}</v></c>')
            elif isinstance(v, dt.date):
                out.append(f'<c r="{ref}" s="{DATE}"><v>{(v - _EPOCH_DATE).days}</v></c>')
            else:
                out.append(f'<c r="{ref}"{s} t="inlineStr"><is><t xml:space="preserve">{text(str(v))}</t></is></c>')
        out.append("</row>")
        self.buf.append("".join(out))
        if len(self.buf) >= self.flush_every:
            self.flush()

    def flush(self) -> None:
        if self.buf:
            self.stream.write("".join(self.buf).encode())
            self.buf = []

    def close(self) -> None:
        self.flush()
        self.stream.write(b'</sheetData><pageMargins left="0.75" right="0.75" top="1" bottom="1" header="0.5" '
                          b'footer="0.5"/></worksheet>')
        self.stream.close()
        self.zip.writestr("[Content_Types].xml", CONTENT_TYPES)
        self.zip.writestr("_rels/.rels", ROOT_RELS)
        self.zip.writestr("xl/_rels/workbook.xml.rels", WORKBOOK_RELS)
        self.zip.writestr("xl/styles.xml", STYLES)
        self.zip.writestr("xl/workbook.xml", (
            f'<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n<workbook xmlns="{MAIN}" xmlns:r="{RELS}">'
            f'<sheets><sheet name="{escape(self.title, {chr(34): "&quot;"})}" sheetId="1" r:id="rId1"/></sheets>'
            '</workbook>'))
        self.zip.close()

    def __enter__(self) -> SheetWriter:
        return self

    def __exit__(self, *exc) -> None:
        self.close()
