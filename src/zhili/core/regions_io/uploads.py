"""Import of an uploaded file chosen by its extension: .geojson/.json (boundaries) or .xlsx (the
region table), within the size limit of an upload."""

from __future__ import annotations

from ..errors import Invalid
from ..services import require
from .common import ImportResult
from .excel_import import import_excel
from .geojson_import import import_geojson

#: Biggest file the API accepts (bytes).
MAX_UPLOAD = 50 * 1024 * 1024


def import_file(actor, filename: str, data: bytes) -> ImportResult:
    """Import a .geojson/.json (boundaries) or .xlsx (region table) file, chosen by its extension."""
    require(actor, "region.manage")
    ext = filename.rsplit(".", 1)[-1].lower() if "." in filename else ""
    if len(data) > MAX_UPLOAD:
        raise Invalid("file", f"文件太大（上限 {MAX_UPLOAD // 2**20} MB）", f"the file is too large (limit {MAX_UPLOAD // 2**20} MB)")
    if ext in ("geojson", "json"):
        return import_geojson(actor, data, source=filename)
    if ext == "xlsx":
        return import_excel(actor, data, source=filename)
    raise Invalid("file", "只接受 .geojson、.json 或 .xlsx 文件", "only .geojson, .json or .xlsx files are accepted")
