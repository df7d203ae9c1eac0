"""Import and export of region boundaries (GeoJSON, WGS-84) and of the region table (Excel).

Imports are all-or-nothing: every row is parsed and checked first — codes, levels, parents,
duplicates, data scope, boundaries, overlaps between grids, grids inside their community — and if
anything is wrong :class:`~zhili.core.errors.Invalid` lists every problem, each naming its row, and
nothing is written. Otherwise the rows are written parents first (by level), in bulk, in one
transaction, with one audit event for the whole import.

Rows are upserted by code; regions missing from the file are left alone (an import never deletes).
A property the file does not give keeps its stored value; a feature without geometry keeps its
stored boundary, and the Excel table never touches boundaries.
"""

from __future__ import annotations

import io
import json
import math
from dataclasses import asdict, dataclass

import numpy as np
import shapely
from django.db import transaction
from django.utils import timezone
from shapely.geometry import shape

from . import audit, geo, selectors, validation
from .errors import Forbidden, Invalid, NotFound
from .models import LEVEL_ORDER, PREFIX_LENGTH, Region
from .policy import can
from .services import _require, centroid

#: A property the file does not give: keep the stored value (or the default for a new row).
MISSING = object()
#: Levels that may be imported without a parent: the top of the platform's tree.
ROOT_LEVELS = frozenset({"province", "city", "district"})
#: Rows per query / per bulk statement (well under SQLite's bound-parameter limit).
CHUNK = 500
#: At most this many errors are listed; a summary line counts the rest.
MAX_ERRORS = 1000
#: Biggest file the API accepts (bytes).
MAX_UPLOAD = 50 * 1024 * 1024

XLSX_MIME = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
GEOJSON_MIME = "application/geo+json"
SHEET_NAME = "行政区划"

LEVEL_ALIASES = {
    **{lv: lv for lv in LEVEL_ORDER},
    "省": "province", "省级": "province",
    "市": "city", "地级市": "city", "市级": "city",
    "区": "district", "县": "district", "区县": "district", "区/县": "district", "县级": "district",
    "街道": "street", "乡镇": "street", "乡镇/街道": "street", "街道/乡镇": "street",
    "社区": "community", "村": "community", "社区/村": "community", "社区(村)": "community", "村/社区": "community",
    "网格": "grid",
}
GRID_TYPE_ALIASES = {"basic": "basic", "基础网格": "basic", "基础": "basic",
                     "dedicated": "dedicated", "专属网格": "dedicated", "专属": "dedicated"}

#: (key, Chinese header, English header, column width) of the Excel region table.
COLUMNS = [
    ("code", "代码", "code", 18),
    ("name", "名称", "name", 30),
    ("level", "层级", "level", 12),
    ("parent_code", "上级代码", "parent_code", 18),
    ("grid_type", "网格类型", "grid_type", 12),
    ("population", "人口", "population", 12),
    ("area", "面积(km²)", "area", 13),
]
_HEADER_KEYS = {t.lower(): key for key, zh, en, _ in COLUMNS for t in (zh, en, f"{zh}/{en}", key)}
_HEADER_KEYS.update({"面积": "area", "area_km2": "area", "parent": "parent_code", "上级": "parent_code"})


@dataclass
class ImportResult:
    created: int = 0
    updated: int = 0
    unchanged: int = 0

    @property
    def total(self) -> int:
        return self.created + self.updated + self.unchanged

    def as_dict(self) -> dict:
        return {**asdict(self), "total": self.total}


@dataclass(eq=False)
class _Row:
    n: int  # feature number (1-based) or spreadsheet row number
    kind: str  # "feature" or "row": how the English messages name it
    code: str = ""
    name: str = ""
    level: str = ""
    parent_code: str = ""
    grid_type: object = MISSING  # "basic" / "dedicated" / MISSING
    population: object = MISSING  # int / None / MISSING
    geometry: dict | None = None  # None: keep the stored boundary
    geom: object = None  # the parsed shapely geometry
    ok: bool = True  # False once a parse error makes further checks pointless

    def labels(self) -> tuple[str, str]:
        zh, en = f"第{self.n}行", f"{self.kind} {self.n}"
        if self.code:
            zh, en = f"{zh}（代码 {self.code}）", f"{en} (code {self.code})"
        return zh, en


def _e(row: _Row, field: str, zh: str, en: str) -> dict:
    lzh, len_ = row.labels()
    return {"field": field, "message": f"{lzh}：{zh}", "message_en": f"{len_}: {en}", "row": row.n}


def _tag(row: _Row, errors: list[dict]) -> list[dict]:
    """Name the row in errors that the validation helpers produced without a row."""
    return [_e(row, e["field"], e["message"], e["message_en"]) for e in errors]


def _raise(errors: list[dict]) -> None:
    if len(errors) > MAX_ERRORS:
        rest = len(errors) - MAX_ERRORS
        errors = errors[:MAX_ERRORS] + [{"field": "file", "message": f"另有 {rest} 个错误未列出",
                                         "message_en": f"{rest} more errors not listed"}]
    raise Invalid.many(errors)


# --------------------------------------------------------------------------- parsing helpers


def _text(value) -> str:
    """A code or name cell/property as text: numbers (Excel likes to make codes numbers) become digits."""
    if value is None or isinstance(value, bool):
        return "" if value is None else str(value)
    if isinstance(value, int):
        return str(value)
    if isinstance(value, float):
        return str(int(value)) if value.is_integer() else str(value)
    return str(value).strip()


def _level(value) -> str:
    raw = _text(value)
    return LEVEL_ALIASES.get(raw.lower(), LEVEL_ALIASES.get(raw, raw))


def _grid_type(row: _Row, value, errors: list[dict]) -> object:
    raw = _text(value)
    if not raw:
        return MISSING
    gt = GRID_TYPE_ALIASES.get(raw.lower())
    if gt is None:
        errors.append(_e(row, "grid_type", f"网格类型“{raw}”无效，应为 basic（基础网格）或 dedicated（专属网格）",
                         f"grid_type {raw!r} must be basic or dedicated"))
        return MISSING
    return gt


def _population(row: _Row, value, errors: list[dict]) -> object:
    if value is None or (isinstance(value, str) and not value.strip()):
        return None
    try:
        if isinstance(value, bool):
            raise ValueError
        if isinstance(value, float):
            if not value.is_integer():
                raise ValueError
            value = int(value)
        n = int(str(value).strip()) if not isinstance(value, int) else value
        if n < 0:
            raise ValueError
        return n
    except (TypeError, ValueError):
        errors.append(_e(row, "population", f"人口“{value}”必须是非负整数", f"population {value!r} must be a whole number ≥ 0"))
        return MISSING


def _parse_geojson(data) -> tuple[list[_Row], list[dict]]:
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
        row = _Row(n, "feature")
        rows.append(row)
        if not isinstance(feature, dict) or feature.get("type") != "Feature":
            row.ok = False
            errors.append(_e(row, "feature", "不是 GeoJSON Feature", "not a GeoJSON Feature"))
            continue
        props = feature.get("properties")
        if not isinstance(props, dict):
            row.ok = False
            errors.append(_e(row, "properties", "缺少属性（properties）", "the feature has no properties"))
            continue
        row.code, row.name = _text(props.get("code")), _text(props.get("name"))
        row.level, row.parent_code = _level(props.get("level")), _text(props.get("parent_code"))
        missing = [k for k in ("code", "name", "level") if not getattr(row, k)]
        if missing:
            row.ok = False
            errors.append(_e(row, missing[0], f"缺少属性 {'、'.join(missing)}", f"missing properties: {', '.join(missing)}"))
            continue
        if "grid_type" in props:
            row.grid_type = _grid_type(row, props["grid_type"], errors)
        if "population" in props:
            row.population = _population(row, props["population"], errors)
        row.geometry = feature.get("geometry")
    return rows, errors


def _parse_excel(data: bytes) -> tuple[list[_Row], list[dict]]:
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
            text = _text(h).lower().replace(" ", "")
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
            if all(c is None or _text(c) == "" for c in cells):
                continue

            def cell(key, cells=cells):
                return cells[cols[key]] if key in cols else None

            row = _Row(n, "row", code=_text(cell("code")), name=_text(cell("name")),
                       level=_level(cell("level")), parent_code=_text(cell("parent_code")))
            rows.append(row)
            missing = [zh for key, zh, en, _ in COLUMNS[:3] if not getattr(row, key)]
            if missing:
                row.ok = False
                errors.append(_e(row, "row", f"缺少{'、'.join(missing)}", "missing " + ", ".join(
                    en for key, zh, en, _ in COLUMNS[:3] if not getattr(row, key))))
                continue
            if "grid_type" in cols:
                row.grid_type = _grid_type(row, cell("grid_type"), errors)
            if "population" in cols:
                row.population = _population(row, cell("population"), errors)
        if not rows:
            raise Invalid("file", "表格中没有数据行", "the table has no data rows")
        return rows, errors
    finally:
        wb.close()


# --------------------------------------------------------------------------- validation


def _fetch(codes) -> dict[str, Region]:
    codes = sorted(set(codes))
    out: dict[str, Region] = {}
    for i in range(0, len(codes), CHUNK):
        out.update({r.code: r for r in Region.objects.filter(code__in=codes[i:i + CHUNK])})
    return out


def _in_actor_scope(actor, code: str) -> bool:
    return getattr(actor, "is_superuser", False) or code.startswith(actor.scope_prefix)


def _validate(actor, rows: list[_Row], errors: list[dict]) -> tuple[dict[str, Region], dict[str, Region]]:
    """Check every row; append errors. Returns (existing rows by code, parents from the DB by code)."""
    by_code: dict[str, _Row] = {}
    for row in rows:
        if not row.code:
            continue
        first = by_code.get(row.code)
        if first is not None:
            row.ok = False
            errors.append(_e(row, "code", f"代码 {row.code} 与第{first.n}行重复", f"code {row.code} duplicates {first.kind} {first.n}"))
        else:
            by_code[row.code] = row

    existing = _fetch(by_code)
    parents_db = _fetch({r.parent_code for r in rows if r.parent_code and r.parent_code not in by_code})
    scope = "" if getattr(actor, "is_superuser", False) else actor.scope_prefix

    for row in rows:
        if not row.ok:
            continue
        if not _in_actor_scope(actor, row.code):
            errors.append(_e(row, "code", f"代码 {row.code} 不在您的数据范围（{scope}）内",
                             f"code {row.code} lies outside your data scope ({scope})"))
        if len(row.name) > 100:
            errors.append(_e(row, "name", "名称不能超过100个字符", "the name must be at most 100 characters"))
        parent_level = None
        if row.parent_code:
            in_file = by_code.get(row.parent_code)
            in_db = parents_db.get(row.parent_code) or existing.get(row.parent_code)
            if in_file is not None:
                parent_level = in_file.level
            elif in_db is not None:
                parent_level = in_db.level
            else:
                errors.append(_e(row, "parent", f"上级区划 {row.parent_code} 不存在（文件和数据库中都没有）",
                                 f"parent region {row.parent_code} exists neither in the file nor in the database"))
        code_errors = validation.check_code(row.code, row.level, row.parent_code or None, parent_level)
        if not row.parent_code and row.level in ROOT_LEVELS:
            code_errors = [e for e in code_errors if e["field"] != "parent"]  # the top of the tree
        errors.extend(_tag(row, code_errors))
        old = existing.get(row.code)
        if old is not None and row.level in PREFIX_LENGTH and old.level != row.level:
            errors.append(_e(row, "level", f"已有区划 {row.code} 的层级是{old.level}，不能改为{row.level}",
                             f"existing region {row.code} is a {old.level}; its level cannot change to {row.level}"))
        if row.geometry is not None:
            row.geom, geo_errors = validation.check_geometry(row.geometry)
            if geo_errors:
                row.ok = False
                errors.extend(_tag(row, geo_errors))
    _check_grids(rows, by_code, existing, parents_db, errors)
    return existing, parents_db


def _check_grids(rows, by_code, existing, parents_db, errors) -> None:
    """Grids must not overlap each other (in the file, or with stored grids of the same communities
    that the file does not replace) and must lie inside their community's boundary."""
    stored = {**parents_db, **existing}

    def boundary(code):  # the community boundary after the import: the file's, else the stored one
        row = by_code.get(code)
        if row is not None and row.geometry is not None:
            return row.geom if row.ok else None
        r = stored.get(code)
        return shape(r.geometry) if r is not None and r.geometry else None

    file_grids = [(r, r.geom) for r in rows if r.ok and r.level == "grid" and r.geometry is not None]
    replaced = {r.code for r in rows if r.level == "grid" and r.geometry is not None}
    # Stored grids of the communities this file touches (a grid's community, or a community whose
    # boundary the file changes), minus those whose boundary the file replaces. A grid the file
    # names without a boundary keeps its stored one, so it counts as stored: renaming a grid is
    # not blamed for an overlap that is already in the database.
    communities = {r.parent_code for r in rows if r.ok and r.level == "grid"} | {
        r.code for r in rows if r.ok and r.level == "community" and r.geometry is not None}
    community_ids = {stored[c].pk: c for c in communities if c in stored}
    db_grids = []  # (code, community code, geom)
    ids = sorted(community_ids)
    for i in range(0, len(ids), CHUNK):
        qs = (Region.objects.filter(level="grid", parent_id__in=ids[i:i + CHUNK], geometry__isnull=False)
              .values_list("code", "parent_id", "geometry"))
        db_grids += [(c, community_ids[p], shape(g)) for c, p, g in qs if c not in replaced and g]

    # overlaps: file grids first, so in each pair (i < j) i is a file grid when either is
    geoms = [g for _, g in file_grids] + [g for _, _, g in db_grids]
    nf = len(file_grids)
    for i, j in validation.overlapping_pairs(geoms):
        if i >= nf:
            continue  # two stored grids that overlap already: not this file's doing
        row = file_grids[i][0]
        if j < nf:  # both in the file: the later row is named, pointing back at the earlier one
            row, other = sorted((row, file_grids[j][0]), key=lambda r: r.n, reverse=True)
            errors.append(_e(row, "geometry", f"网格 {row.code} 与第{other.n}行的网格 {other.code} 重叠",
                             f"grid {row.code} overlaps grid {other.code} ({other.kind} {other.n})"))
        else:
            code = db_grids[j - nf][0]
            errors.append(_e(row, "geometry", f"网格 {row.code} 与已有网格 {code} 重叠",
                             f"grid {row.code} overlaps the existing grid {code}"))

    # inside the community: every grid of the file, and stored grids of communities whose boundary changes
    checks = [(row, row.code, g, row.parent_code) for row, g in file_grids]
    for code, community, g in db_grids:
        crow = by_code.get(community)
        if crow is not None and crow.geometry is not None:
            checks.append((crow, code, g, community))
    containers = {c: boundary(c) for c in {c for *_, c in checks}}
    checks = [t for t in checks if containers[t[3]] is not None]
    if not checks:
        return
    grids = np.array([t[2] for t in checks], dtype=object)
    outer = np.array([containers[t[3]] for t in checks], dtype=object)
    outside = shapely.area(shapely.difference(grids, outer))
    for k in np.flatnonzero(outside > validation.AREA_TOLERANCE):
        row, code, g, community = checks[k]
        errors.extend(_tag(row, validation.check_inside(code, g, community, containers[community])))


# --------------------------------------------------------------------------- writing


def _write(actor, rows: list[_Row], existing: dict[str, Region], parents_db: dict[str, Region]) -> ImportResult:
    now = timezone.now()
    ids = {code: r.pk for code, r in {**parents_db, **existing}.items()}
    result = ImportResult()
    for level in LEVEL_ORDER:  # parents before children
        new, changed, fields = [], [], set()
        for row in rows:
            if row.level != level:
                continue
            parent_id = ids[row.parent_code] if row.parent_code else None
            obj = existing.get(row.code)
            if obj is None:
                new.append(Region(
                    code=row.code, name=row.name, level=level, parent_id=parent_id, prefix=row.code[:PREFIX_LENGTH[level]],
                    grid_type=("basic" if row.grid_type is MISSING else row.grid_type) if level == "grid" else "",
                    geometry=row.geometry, population=None if row.population is MISSING else row.population,
                    **centroid(row.geom)))
                continue
            values = {"name": row.name}
            if row.parent_code:  # a root without parent_code keeps whatever parent it has
                values["parent_id"] = parent_id
            if level == "grid" and row.grid_type is not MISSING:
                values["grid_type"] = row.grid_type
            if row.population is not MISSING:
                values["population"] = row.population
            if row.geometry is not None:
                values.update(geometry=row.geometry, **centroid(row.geom))
            diff = {k: v for k, v in values.items() if getattr(obj, k) != v}
            if not diff:
                result.unchanged += 1
                continue
            for k, v in diff.items():
                setattr(obj, k, v)
            obj.updated_at = now  # bulk_update skips auto_now; geo's index signature watches it
            changed.append(obj)
            fields |= diff.keys()
        if new:
            Region.objects.bulk_create(new, batch_size=CHUNK)
            if any(o.pk is None for o in new):  # a backend that does not return ids from bulk inserts
                ids.update({c: r.pk for c, r in _fetch(o.code for o in new).items()})
            else:
                ids.update({o.code: o.pk for o in new})
            result.created += len(new)
        if changed:
            Region.objects.bulk_update(changed, sorted(fields | {"updated_at"}), batch_size=CHUNK)
            result.updated += len(changed)
    return result


def _import(actor, rows: list[_Row], errors: list[dict], fmt: str, source: str) -> ImportResult:
    existing, parents_db = _validate(actor, rows, errors)
    if errors:
        _raise(errors)
    result = _write(actor, rows, existing, parents_db)
    audit.record(actor, "region.import", None, object_type="core.region",
                 object_id=_common_prefix([r.code for r in rows])[:64],
                 details={"format": fmt, "source": source, "rows": len(rows), **asdict(result)})
    # bulk writes send no signals: drop the point-in-grid index now and again once committed
    geo.invalidate()
    transaction.on_commit(geo.invalidate)
    return result


def _common_prefix(codes: list[str]) -> str:
    if not codes:
        return ""
    lo, hi = min(codes), max(codes)
    n = 0
    while n < min(len(lo), len(hi)) and lo[n] == hi[n]:
        n += 1
    return lo[:n]


@transaction.atomic
def import_geojson(actor, data: dict | bytes | str, *, source: str = "") -> ImportResult:
    """Upsert regions from a GeoJSON FeatureCollection: all or nothing (see the module docstring)."""
    _require(actor, "region.manage")
    rows, errors = _parse_geojson(data)
    return _import(actor, rows, errors, "geojson", source)


@transaction.atomic
def import_excel(actor, data: bytes, *, source: str = "") -> ImportResult:
    """Upsert regions from the Excel region table (boundaries untouched): all or nothing."""
    _require(actor, "region.manage")
    rows, errors = _parse_excel(data)
    return _import(actor, rows, errors, "xlsx", source)


def import_file(actor, filename: str, data: bytes) -> ImportResult:
    """Import a .geojson/.json (boundaries) or .xlsx (region table) file, chosen by its extension."""
    _require(actor, "region.manage")
    ext = filename.rsplit(".", 1)[-1].lower() if "." in filename else ""
    if len(data) > MAX_UPLOAD:
        raise Invalid("file", f"文件太大（上限 {MAX_UPLOAD // 2**20} MB）", f"the file is too large (limit {MAX_UPLOAD // 2**20} MB)")
    if ext in ("geojson", "json"):
        return import_geojson(actor, data, source=filename)
    if ext == "xlsx":
        return import_excel(actor, data, source=filename)
    raise Invalid("file", "只接受 .geojson、.json 或 .xlsx 文件", "only .geojson, .json or .xlsx files are accepted")


# --------------------------------------------------------------------------- export


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
        levels = [_level(lv) for lv in levels]
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
        ws.append([r["code"], r["name"], r["level"], r["parent__code"] or "", r["grid_type"] or "", r["population"],
                   round(area, 4) if area is not None and math.isfinite(area) else None])
        n += 1
        for col in (1, 4):  # codes are text: 15 digits would otherwise show as 3.70705E+14
            ws.cell(row=n, column=col).number_format = "@"
        ws.cell(row=n, column=7).number_format = "0.0000"
    ws.freeze_panes = "A2"
    ws.auto_filter.ref = f"A1:{get_column_letter(len(COLUMNS))}{n}"
    buf = io.BytesIO()
    wb.save(buf)
    return buf.getvalue()
