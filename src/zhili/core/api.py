"""Core endpoints: who am I, regions, point-in-grid, organisations, code tables, working days, tokens."""

from __future__ import annotations

import datetime as dt
import json

from django.http import HttpResponse
from django.utils import timezone
from ninja import Field, File, Path, Query, Router, Schema, Status, UploadedFile

from . import calendar, geo, regions_io, selectors, tokens
from .errors import Invalid, NotFound
from .inputs import MAX_ID, SafeDateTime, Text
from .policy import ROLES, permissions_of
from .schemas import ERRORS

router = Router(tags=["core"])

#: query and path texts: a region code (15), a level or an organisation type, a code-table name or code
Code = Text(15, multiline=False)
Word = Text(40, multiline=False)


class MeOut(Schema):
    username: str
    display_name: str
    role: str
    role_label: str
    scope_code: str
    scope_name: str
    organisation: str | None
    permissions: list[str]


@router.get("/me", response=MeOut, summary="The signed-in account, its role and data scope")
def me(request):
    u = request.auth
    return {
        "username": u.username, "display_name": u.display_name or u.username, "role": u.role,
        "role_label": str(ROLES[u.role].label) if u.role in ROLES else u.role,
        "scope_code": u.region.code, "scope_name": u.region.name,
        "organisation": u.organisation.name if u.organisation else None, "permissions": permissions_of(u.role),
    }


class RegionOut(Schema):
    code: str = Field(..., examples=["370705001002003"])
    name: str = Field(..., examples=["东关街道第2社区第3网格"])
    level: str = Field(..., examples=["grid"])
    parent_code: str | None = Field(None, alias="parent.code")
    grid_type: str = ""
    centroid_lon: float | None = None
    centroid_lat: float | None = None
    area_km2: float | None = None


class RegionDetail(RegionOut):
    geometry: dict | None = None
    children: int


class Page(Schema):
    items: list[RegionOut]
    next_cursor: str | None = Field(None, description="pass as ?after= to get the next page")


@router.get("/regions", response=Page, summary="Regions of your data scope (keyset pages by code)")
def list_regions(request, level: Word | None = None, parent: Code | None = None, after: Code = "", limit: int = Query(100, ge=1, le=1000)):
    qs = selectors.regions(request.auth, level=level, parent=parent).select_related("parent")
    if after:
        qs = qs.filter(code__gt=after)
    items = list(qs[: limit + 1])
    more = len(items) > limit
    items = items[:limit]
    return {"items": items, "next_cursor": items[-1].code if more else None}


# --- Import and export of regions. Registered before GET /regions/{code}: Django resolves URL
# patterns in order, so "/regions/export.geojson" or "/regions/import" placed after it would be
# taken for a region code (and the POST answered with 405).

_REGION_PROPS = {"code": {"type": "string"}, "name": {"type": "string"}, "level": {"type": "string"},
                 "parent_code": {"type": ["string", "null"]}, "grid_type": {"type": "string"},
                 "population": {"type": ["integer", "null"]}, "area_km2": {"type": ["number", "null"]}}
_FEATURE_COLLECTION = {
    "type": "object", "required": ["type", "features"],
    "properties": {
        "type": {"type": "string", "enum": ["FeatureCollection"]},
        "features": {"type": "array", "items": {
            "type": "object", "required": ["type", "geometry", "properties"],
            "properties": {"type": {"type": "string", "enum": ["Feature"]}, "id": {"type": "string"},
                           "geometry": {"type": ["object", "null"], "description": "GeoJSON Polygon / MultiPolygon, WGS-84"},
                           "properties": {"type": "object", "properties": _REGION_PROPS}}}},
    },
}


_LEVELS = Query(None, description="only these levels (repeat: ?level=community&level=grid)")
_UPLOAD = File(..., description=".geojson / .json (boundaries) or .xlsx (region table), at most 50 MB")


def _download(content: bytes, content_type: str, filename: str) -> HttpResponse:
    resp = HttpResponse(content, content_type=content_type)
    resp["Content-Disposition"] = f'attachment; filename="{filename}"'
    return resp


@router.get("/regions/export.geojson", summary="Boundaries of your data scope as GeoJSON (WGS-84)",
            openapi_extra={"responses": {200: {"description": "GeoJSON FeatureCollection",
                                               "content": {regions_io.GEOJSON_MIME: {"schema": _FEATURE_COLLECTION}}}}})
def export_regions_geojson(request, root: Code | None = None, level: list[Word] | None = _LEVELS):
    data = regions_io.export_geojson(request.auth, root_code=root, levels=level)
    body = json.dumps(data, ensure_ascii=False, separators=(",", ":")).encode()
    return _download(body, regions_io.GEOJSON_MIME, f"regions-{root or request.auth.scope_prefix}.geojson")


@router.get("/regions/export.xlsx", summary="The region table of your data scope as Excel",
            openapi_extra={"responses": {200: {"description": "Excel workbook (.xlsx)",
                                               "content": {regions_io.XLSX_MIME: {"schema": {"type": "string", "format": "binary"}}}}}})
def export_regions_xlsx(request, root: Code | None = None):
    data = regions_io.export_excel(request.auth, root_code=root)
    return _download(data, regions_io.XLSX_MIME, f"regions-{root or request.auth.scope_prefix}.xlsx")


class ImportOut(Schema):
    created: int
    updated: int
    unchanged: int
    total: int


@router.post("/regions/import", response=ImportOut,
             summary="Import regions from .geojson/.json (boundaries) or .xlsx (region table); all or nothing")
def import_regions(request, file: UploadedFile = _UPLOAD):
    if file.size and file.size > regions_io.MAX_UPLOAD:
        raise Invalid("file", "文件太大（上限 50 MB）", "the file is too large (limit 50 MB)")
    return regions_io.import_file(request.auth, file.name or "", file.read()).as_dict()


@router.get("/regions/{code}", response=RegionDetail, summary="One region with its boundary")
def get_region(request, code: Code):
    r = selectors.region(request.auth, code)
    return {**RegionOut.from_orm(r).dict(), "geometry": r.geometry, "children": r.children.count()}


class LocateOut(Schema):
    lon: float
    lat: float
    grid: RegionOut | None


@router.get("/locate", response=LocateOut, summary="The grid that covers a WGS-84 point")
def locate(request, lon: float = Query(..., ge=-180, le=180), lat: float = Query(..., ge=-90, le=90)):
    code = geo.locate_grid(lon, lat)
    grid = None
    if code:
        try:
            grid = selectors.region(request.auth, code)
        except NotFound:
            grid = None  # outside the actor's scope: do not reveal it
    return {"lon": lon, "lat": lat, "grid": grid}


class OrgOut(Schema):
    id: int
    code: str
    name: str
    name_en: str
    org_type: str
    region_code: str
    stationed: bool
    parent_id: int | None = None


@router.get("/organisations", response=list[OrgOut], summary="Organisations of your data scope")
def list_orgs(request, org_type: Word | None = None):
    return list(selectors.organisations(request.auth, org_type=org_type)[:2000])


@router.get("/organisations/{org_id}", response=OrgOut)
def get_org(request, org_id: int = Path(..., ge=1, le=MAX_ID)):
    return selectors.organisation(request.auth, org_id)


class CodeOut(Schema):
    code: str
    label: str
    label_en: str
    parent: str | None = Field(None, alias="parent.code")
    source: str


@router.get("/codes/{table}", response=list[CodeOut], summary="A code table (字典), e.g. dispute_category")
def list_codes(request, table: Word, parent: Word | None = None):
    return list(selectors.codes(table, parent=parent).select_related("parent"))


class DeadlineOut(Schema):
    start: dt.datetime
    working_days: int
    deadline: dt.datetime


@router.get("/calendar/deadline", response=DeadlineOut, summary="Add working days (holidays and make-up days counted)")
def deadline(request, working_days: int = Query(..., ge=0, le=3650), start: SafeDateTime | None = None):
    start = start or timezone.now()
    if timezone.is_naive(start):
        raise Invalid("start", "时间需要带时区，例如 2026-10-01T09:00:00+08:00", "start needs a time zone, e.g. 2026-10-01T09:00:00+08:00")
    return {"start": start, "working_days": working_days, "deadline": calendar.add_working_days(start, working_days)}


class TokenIn(Schema):
    name: Text(60, 1, multiline=False) = Field(..., examples=["热线对接"])
    days: int = Field(tokens.DEFAULT_DAYS, ge=1, le=tokens.MAX_DAYS, description=f"lifetime in days, 1–{tokens.MAX_DAYS}")


class TokenRow(Schema):
    id: int
    name: str
    prefix: str = Field(..., description="the token's first characters after zk_, to recognise it")
    created_at: dt.datetime
    last_used_at: dt.datetime | None
    expires_at: dt.datetime | None
    revoked_at: dt.datetime | None
    state: str = Field(..., description="active, expired or revoked")


class TokenOut(TokenRow):
    token: str = Field(..., description="shown once; store it safely")


def _token_row(tok) -> dict:
    return {"id": tok.pk, "name": tok.name, "prefix": tok.prefix, "created_at": tok.created_at,
            "last_used_at": tok.last_used_at, "expires_at": tok.expires_at, "revoked_at": tok.revoked_at,
            "state": tokens.state(tok)}


@router.post("/tokens", response={201: TokenOut, **ERRORS}, summary="Create a personal API token",
             description=f"Lives {tokens.DEFAULT_DAYS} days unless `days` says otherwise (at most {tokens.MAX_DAYS}). "
                         "Refused to a request authenticated by a token, to an account that must change its password, "
                         "and to the roles that require two-step verification.")
def create_token(request, payload: TokenIn):
    tok, raw = tokens.issue(request.auth, name=payload.name, days=payload.days)
    return Status(201, {**_token_row(tok), "token": raw})


@router.get("/tokens", response={200: list[TokenRow], **ERRORS}, summary="My API tokens (never their secret)")
def list_tokens(request):
    return [_token_row(t) for t in tokens.of(request.auth)[:200]]


@router.delete("/tokens/{token_id}", response={204: None, **ERRORS}, summary="Revoke one of my API tokens")
def revoke_token(request, token_id: int = Path(..., ge=1, le=MAX_ID)):
    tokens.revoke(request.auth, token_id)
    return Status(204, None)
