"""The all-or-nothing import of parsed rows: every row checked (codes, levels, parents, duplicates,
data scope, boundaries, overlaps between grids, grids inside their community) and every problem
listed; else the rows written parents first, in bulk, in one transaction, with one audit event."""

from __future__ import annotations

from dataclasses import asdict

import numpy as np
import shapely
from django.db import transaction
from django.utils import timezone
from shapely.geometry import shape

from .. import audit, geo, validation
from ..errors import Invalid
from ..models import LEVEL_ORDER, PREFIX_LENGTH, Region
from ..services import centroid
from .common import CHUNK, MISSING, ImportResult, Row, row_error

#: Levels that may be imported without a parent: the top of the platform's tree.
ROOT_LEVELS = frozenset({"province", "city", "district"})
#: At most this many errors are listed; a summary line counts the rest.
MAX_ERRORS = 1000


def _tag(row: Row, errors: list[dict]) -> list[dict]:
    """Name the row in errors that the validation helpers produced without a row."""
    return [row_error(row, e["field"], e["message"], e["message_en"]) for e in errors]


def _raise(errors: list[dict]) -> None:
    if len(errors) > MAX_ERRORS:
        rest = len(errors) - MAX_ERRORS
        errors = errors[:MAX_ERRORS] + [{"field": "file", "message": f"另有 {rest} 个错误未列出",
                                         "message_en": f"{rest} more errors not listed"}]
    raise Invalid.many(errors)


def _fetch(codes) -> dict[str, Region]:
    codes = sorted(set(codes))
    out: dict[str, Region] = {}
    for i in range(0, len(codes), CHUNK):
        out.update({r.code: r for r in Region.objects.filter(code__in=codes[i:i + CHUNK])})
    return out


def _in_actor_scope(actor, code: str) -> bool:
    return getattr(actor, "is_superuser", False) or code.startswith(actor.scope_prefix)


def _validate(actor, rows: list[Row], errors: list[dict]) -> tuple[dict[str, Region], dict[str, Region]]:
    """Check every row; append errors. Returns (existing rows by code, parents from the DB by code)."""
    by_code: dict[str, Row] = {}
    for row in rows:
        if not row.code:
            continue
        first = by_code.get(row.code)
        if first is not None:
            row.ok = False
            errors.append(row_error(row, "code", f"代码 {row.code} 与第{first.n}行重复", f"code {row.code} duplicates {first.kind} {first.n}"))
        else:
            by_code[row.code] = row

    existing = _fetch(by_code)
    parents_db = _fetch({r.parent_code for r in rows if r.parent_code and r.parent_code not in by_code})
    scope = "" if getattr(actor, "is_superuser", False) else actor.scope_prefix

    for row in rows:
        if not row.ok:
            continue
        if not _in_actor_scope(actor, row.code):
            errors.append(row_error(row, "code", f"代码 {row.code} 不在您的数据范围（{scope}）内",
                                    f"code {row.code} lies outside your data scope ({scope})"))
        if len(row.name) > 100:
            errors.append(row_error(row, "name", "名称不能超过100个字符", "the name must be at most 100 characters"))
        parent_level = None
        if row.parent_code:
            in_file = by_code.get(row.parent_code)
            in_db = parents_db.get(row.parent_code) or existing.get(row.parent_code)
            if in_file is not None:
                parent_level = in_file.level
            elif in_db is not None:
                parent_level = in_db.level
            else:
                errors.append(row_error(row, "parent", f"上级区划 {row.parent_code} 不存在（文件和数据库中都没有）",
                                        f"parent region {row.parent_code} exists neither in the file nor in the database"))
        code_errors = validation.check_code(row.code, row.level, row.parent_code or None, parent_level)
        if not row.parent_code and row.level in ROOT_LEVELS:
            code_errors = [e for e in code_errors if e["field"] != "parent"]  # the top of the tree
        errors.extend(_tag(row, code_errors))
        old = existing.get(row.code)
        if old is not None and row.level in PREFIX_LENGTH and old.level != row.level:
            errors.append(row_error(row, "level", f"已有区划 {row.code} 的层级是{old.level}，不能改为{row.level}",
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
            errors.append(row_error(row, "geometry", f"网格 {row.code} 与第{other.n}行的网格 {other.code} 重叠",
                                    f"grid {row.code} overlaps grid {other.code} ({other.kind} {other.n})"))
        else:
            code = db_grids[j - nf][0]
            errors.append(row_error(row, "geometry", f"网格 {row.code} 与已有网格 {code} 重叠",
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


def _write(actor, rows: list[Row], existing: dict[str, Region], parents_db: dict[str, Region]) -> ImportResult:
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


def import_rows(actor, rows: list[Row], errors: list[dict], fmt: str, source: str) -> ImportResult:
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
