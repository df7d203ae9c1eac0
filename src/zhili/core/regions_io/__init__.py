"""Import and export of region boundaries (GeoJSON, WGS-84) and of the region table (Excel).

Imports are all-or-nothing: every row is parsed and checked first — codes, levels, parents,
duplicates, data scope, boundaries, overlaps between grids, grids inside their community — and if
anything is wrong :class:`~zhili.core.errors.Invalid` lists every problem, each naming its row, and
nothing is written. Otherwise the rows are written parents first (by level), in bulk, in one
transaction, with one audit event for the whole import.

Rows are upserted by code; regions missing from the file are left alone (an import never deletes).
A property the file does not give keeps its stored value; a feature without geometry keeps its
stored boundary, and the Excel table never touches boundaries.

By job: ``common`` (the row, its messages, reading cells and properties, the result),
``upsert`` (checking and writing the rows), ``geojson_import``, ``excel_import``, ``uploads`` (a
file chosen by its extension) and ``export``. The names below are the ones the API, the
management commands and the tests use.
"""

from .excel_import import import_excel
from .export import GEOJSON_MIME, XLSX_MIME, export_excel, export_geojson
from .geojson_import import import_geojson
from .uploads import MAX_UPLOAD, import_file
from .upsert import MAX_ERRORS

__all__ = [
    "GEOJSON_MIME",
    "MAX_ERRORS",
    "MAX_UPLOAD",
    "XLSX_MIME",
    "export_excel",
    "export_geojson",
    "import_excel",
    "import_file",
    "import_geojson",
]
