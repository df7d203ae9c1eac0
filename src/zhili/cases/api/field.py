"""A grid worker's report from the phone (网格员上报): ``POST /api/v1/cases/field-reports`` and the
worker's latest reports ``GET /api/v1/cases/field-reports``. The phone app at ``/m/`` is a client of
these; it queues reports offline and sends each with its own ``client_id`` (exactly once)."""

from __future__ import annotations

import datetime as dt

from ninja import Field, File, Form, Schema, Status
from ninja.files import UploadedFile

from zhili.core.inputs import Text
from zhili.core.schemas import ErrorsOut

from .. import services
from ..services.field_reports import MAX_AFTER, MAX_PHOTOS, my_reports
from .routers import router
from .schemas import ERRORS, CaseTypeCode


class FieldReportOut(Schema):
    client_id: str = Field(..., description="the id the phone gave the report")
    number: str = Field(..., examples=["KW2026-000123"])
    state: str = Field(..., description="registered, or callback when settled on the spot", examples=["registered"])
    settled: bool = Field(..., description="settled on the spot (就地化解)")
    outside_grid: bool = Field(..., description="the position lay outside the worker's grid (he confirmed it)")


class MyReportOut(Schema):
    number: str
    title: str
    state: str
    category: str = Field(..., alias="category.label")
    created_at: dt.datetime
    resolved_in_grid: bool


_DOC = f"""网格员上报: a matter seen in the grid, as multipart/form-data with its photos. It becomes a case
of channel `grid` in state `registered` (the service hall accepts and dispatches it), or with
`settle=true` it is settled on the spot (就地化解: state `callback`, counted as settled in the grid) and
needs `result` and at least one photo after (`after_photos`).

**Exactly once:** `client_id` is the id the phone gave the report when it was queued (a UUID). Sending
the same `client_id` again writes nothing and answers `200` with the first answer (the same case
number); a new report answers `201`. Everything is checked before anything is written: a refused
report leaves no case, photo or id behind.

**Position:** `lon`/`lat` (WGS-84) are required; a point outside the worker's grid is refused (400,
field `position`) unless `outside_ok=true` (the worker confirmed it) — the case stays in his grid
and the timeline keeps where he stood.

**Photos:** 1–{MAX_PHOTOS} JPG or PNG (`photos`), at most 10 MB each (the app compresses them on the
phone); after settling 1–{MAX_AFTER} (`after_photos`). A refused photo names its field (`photos.0`).
Roles: grid worker, grid leader."""


class FieldReportIn(Schema):
    client_id: Text(36, multiline=False) = Field(..., description="the phone's id for this report (UUID)")
    category: Text(40, multiline=False) = Field(..., description="code of the case_category code table")
    description: Text(5000) = Field(..., description="what the worker saw")
    lon: float | None = Field(None, ge=-180, le=180, description="WGS-84 longitude")
    lat: float | None = Field(None, ge=-90, le=90, description="WGS-84 latitude")
    case_type: CaseTypeCode = "hazard"
    title: Text(120, multiline=False) = ""
    address: Text(200, multiline=False) = ""
    accuracy: float | None = Field(None, ge=0, le=100_000, description="the position's accuracy in metres")
    outside_ok: bool = Field(False, description="the worker confirmed a position outside his grid")
    party_name: Text(60, multiline=False) = Field("", description="the resident concerned, if any")
    party_phone: Text(20, multiline=False) = ""
    settle: bool = Field(False, description="settled on the spot (就地化解)")
    result: Text(2000) = Field("", description="what was done, when settled on the spot")


_PHOTOS = File(None, description="photos of the matter (JPG/PNG)")
_AFTER = File(None, description="photos after settling it")


@router.post("/field-reports", response={201: FieldReportOut, 200: FieldReportOut, 409: ErrorsOut, **ERRORS},
             summary="Report a matter from the grid (网格员上报)", description=_DOC, operation_id="cases_field_report",
             tags=["grid reports"])
def field_report(request, payload: Form[FieldReportIn], photos: list[UploadedFile] = _PHOTOS,
                 after_photos: list[UploadedFile] = _AFTER):
    answer, created = services.file_report(request.auth, **payload.model_dump(), photos=photos or [],
                                           after_photos=after_photos or [])
    return Status(201 if created else 200, answer)


@router.get("/field-reports", response={200: list[MyReportOut], **ERRORS}, summary="My latest reports from the grid",
            operation_id="cases_my_field_reports", tags=["grid reports"])
def my_field_reports(request):
    return list(my_reports(request.auth))
