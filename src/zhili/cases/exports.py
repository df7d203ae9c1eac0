"""The case list's Excel export (导出 Excel): the writer, and the background job for long exports.

The writer streams the actor's cases (their scope, under the search page's filters) with
``values_list`` into :class:`zhili.core.xlsx.SheetWriter` (text is always written as text: a
resident's ``=HYPERLINK(…)`` never becomes a formula), reporters' names and phones masked,
confidential reporters withheld from roles that may not see them.

An export of more than ``IMMEDIATE_MAX_ROWS`` rows runs as a job (django-tasks, run by ``zhili worker``):
:func:`start` records a :class:`CaseExport` owned by the actor and queues :func:`run`, which writes the
file into ``ZHILI_HOME/exports`` reporting its progress every ``PROGRESS_EVERY`` rows. Only the owner
reads the job and downloads the file (anyone else: 404); the file is deleted ``KEEP`` after it is
written (:func:`expire`, a sweep).
"""

from __future__ import annotations

import datetime as dt
import logging
import uuid
from pathlib import Path
from types import SimpleNamespace

from django.conf import settings
from django.http import QueryDict
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from zhili.core import audit, crypto
from zhili.core.calendar import SHANGHAI
from zhili.core.errors import NotFound
from zhili.core.models import Resident
from zhili.core.xlsx import SheetWriter

from . import deadlines, forms
from .models import CaseExport, CaseType, Channel, Satisfaction, Tier, Urgency
from .views.case_search import filtered_for
from .views.common import EXPORT_MAX_ROWS, category_labels, region_names, sees_full_phone, street_code
from .workflow import CLOCK_STATES, STATES

log = logging.getLogger("zhili.cases.exports")

#: at most this many rows are written while the page waits; more run as a job
IMMEDIATE_MAX_ROWS = 2_000
#: the job writes its progress every so many rows
PROGRESS_EVERY = 5_000
#: rows read at a time (and reporters looked up at a time)
CHUNK = 2_000
#: how long a written file is kept for its owner
KEEP = dt.timedelta(hours=24)
CONTENT_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"

COLUMNS = (
    gettext_lazy("Case number"),
    gettext_lazy("Title"),
    gettext_lazy("Category"),
    gettext_lazy("State"),
    gettext_lazy("Channel"),
    gettext_lazy("Type"),
    gettext_lazy("Tier"),
    gettext_lazy("Urgency"),
    gettext_lazy("Reporter"),
    gettext_lazy("Reporter's phone"),
    gettext_lazy("Street"),
    gettext_lazy("Grid"),
    gettext_lazy("Lead unit"),
    gettext_lazy("Registered at"),
    gettext_lazy("Handle by"),
    gettext_lazy("Time left"),
    gettext_lazy("Closed at"),
    gettext_lazy("Satisfaction"),
)
WIDTHS = (16, 36, 18, 12, 12, 10, 8, 8, 10, 14, 14, 16, 20, 18, 18, 16, 18, 10)
FIELDS = (
    "number", "title", "category_path", "state", "channel", "case_type", "tier", "urgency",
    "reporter_id", "confidential", "region_code", "grid__name",
    "lead_unit__name", "created_at", "due_at", "sign_due_at", "suspended_at", "closed_at", "satisfaction",
)


def ordered(qs):
    """The rows of an export: newest first, as the search page, at most EXPORT_MAX_ROWS."""
    return qs.order_by("-created_at", "-id")[:EXPORT_MAX_ROWS]


def _naive_local(t):
    return t.astimezone(SHANGHAI).replace(tzinfo=None) if t is not None else None


def write_xlsx(user, qs, out, *, progress=None, every: int = PROGRESS_EVERY) -> int:
    """Write ``qs`` (already scoped and filtered) as the case list's workbook into ``out`` (a path or a
    binary file); ``progress(rows)`` every ``every`` rows. Returns the number of rows."""
    sheet = SheetWriter(out, _("Case list"), [str(c) for c in COLUMNS], WIDTHS)
    labels = category_labels()
    path_labels: dict[str, str] = {}
    streets: dict[str, str] = {}
    now = timezone.now()
    states = {k: str(v) for k, v in STATES.items()}
    channel = {k: str(v) for k, v in Channel.choices}
    case_type = {k: str(v) for k, v in CaseType.choices}
    tier = {k: str(v) for k, v in Tier.choices}
    urgency = {k: str(v) for k, v in Urgency.choices}
    satisfaction = {k: str(v) for k, v in Satisfaction.choices}
    confidential_label = _("(confidential)")
    full = sees_full_phone(user)
    mask_name, mask_phone, local = crypto.mask_name, crypto.mask_phone, _naive_local
    append = sheet.append
    reporters: dict[int, tuple[str, str]] = {}  # masked once per resident, not once per case
    rows = 0
    batch: list[tuple] = []

    def emit(batch) -> None:
        nonlocal rows
        missing = {r[8] for r in batch if r[8] and r[8] not in reporters}
        if missing:
            for pk, name, phone in Resident.objects.filter(pk__in=missing).values_list("pk", "name", "phone"):
                reporters[pk] = (mask_name(name), mask_phone(phone or ""))
        for (number, title, cpath, state, chan, ctype, ctier, urg, reporter_id, confidential, region_code, grid,
             lead_unit, created_at, due_at, sign_due_at, suspended_at, closed_at, sat) in batch:
            if not reporter_id:
                who = phone = ""
            elif confidential and not full:
                who, phone = confidential_label, ""
            else:
                who, phone = reporters.get(reporter_id, ("", ""))
            scode = street_code(region_code)
            if scode not in streets:
                streets.update(region_names([scode]))
                streets.setdefault(scode, "")
            if cpath not in path_labels:
                path_labels[cpath] = forms.category_path_label(cpath, labels)
            left = ""
            if state in CLOCK_STATES or state == "suspended":
                left = deadlines.humanise(deadlines.time_left(SimpleNamespace(
                    state=state, due_at=due_at, sign_due_at=sign_due_at, suspended_at=suspended_at), now))[0]
            append((
                number, title, path_labels[cpath], states.get(state, state), channel.get(chan, chan),
                case_type.get(ctype, ctype), tier.get(ctier, ctier), urgency.get(urg, urg), who, phone,
                streets[scode], grid or "", lead_unit or "", local(created_at), local(due_at), left,
                local(closed_at), satisfaction.get(sat, "") if sat else "",
            ))  # text is written as text: never a formula (core.xlsx)
            rows += 1
            if progress is not None and rows % every == 0:
                progress(rows)

    for row in ordered(qs).values_list(*FIELDS).iterator(chunk_size=CHUNK):
        batch.append(row)
        if len(batch) >= CHUNK:
            emit(batch)
            batch = []
    if batch:
        emit(batch)
    sheet.close()
    return rows


def filters_details(f, params) -> dict:
    return {**f.as_details(), **({"bucket": params["bucket"]} if params.get("bucket") else {})}


def is_small(qs) -> bool:
    """At most IMMEDIATE_MAX_ROWS rows: counted with a LIMIT, so a big table is never counted."""
    return qs[: IMMEDIATE_MAX_ROWS + 1].count() <= IMMEDIATE_MAX_ROWS


# ---------------------------------------------------------------- the job


def export_dir() -> Path:
    """ZHILI_HOME/exports: outside MEDIA_ROOT, so a file is reached only through the owner's download."""
    return Path(getattr(settings, "ZHILI_EXPORT_DIR", "") or Path(settings.HOME) / "exports")


def start(user, query: str) -> CaseExport:
    """Record the actor's export of the case list under ``query`` (the search page's query string) and
    queue it for ``zhili worker``."""
    from .tasks import export_cases

    job = CaseExport.objects.create(owner=user, query=query)
    export_cases.enqueue(job.pk)
    job.refresh_from_db()
    return job


def report_progress(pk: int, rows: int) -> None:
    CaseExport.objects.filter(pk=pk).update(rows_written=rows)


def run(pk: int, *, every: int = PROGRESS_EVERY) -> int:
    """The job: write the owner's cases (their scope now, the stored filters) into the exports directory."""
    job = CaseExport.objects.select_related("owner").filter(pk=pk, state=CaseExport.QUEUED).first()
    if job is None:  # already run (a retried task) or expired
        return 0
    user = job.owner
    params = QueryDict(job.query)
    qs, f = filtered_for(user, params)
    total = min(qs.count(), EXPORT_MAX_ROWS)
    CaseExport.objects.filter(pk=pk).update(state=CaseExport.RUNNING, total=total)
    directory = export_dir()
    directory.mkdir(parents=True, exist_ok=True)
    name = f"{uuid.uuid4().hex}.xlsx"
    try:
        rows = write_xlsx(user, qs, directory / name, progress=lambda n: report_progress(pk, n), every=every)
    except Exception as exc:  # the owner sees the failure on the page; the log has the traceback
        log.exception("case export %s failed", pk)
        (directory / name).unlink(missing_ok=True)
        failed = timezone.now()
        CaseExport.objects.filter(pk=pk).update(state=CaseExport.FAILED, error=str(exc)[:300],
                                                finished_at=failed, expires_at=failed + KEEP)
        return 0
    done = timezone.now()
    CaseExport.objects.filter(pk=pk).update(state=CaseExport.DONE, rows_written=rows, total=rows, file_name=name,
                                            finished_at=done, expires_at=done + KEEP)
    audit.record(user, "case.export", job, details={"filters": filters_details(f, params), "rows": rows,
                                                    "job": str(job.key)})
    return rows


def owned(user, key) -> CaseExport:
    """The actor's own export; anyone else's, or a key that does not exist, is NotFound (404)."""
    try:
        return CaseExport.objects.get(key=key, owner=user)
    except (CaseExport.DoesNotExist, ValueError, TypeError) as exc:
        raise NotFound("export") from exc


def file_of(job: CaseExport, now: dt.datetime | None = None) -> Path:
    """The written file of a ready, unexpired export; NotFound otherwise."""
    now = now or timezone.now()
    if job.state != CaseExport.DONE or not job.file_name or (job.expires_at and job.expires_at <= now):
        raise NotFound("export")
    path = export_dir() / job.file_name
    if not path.exists():
        raise NotFound("export")
    return path


def expire(now: dt.datetime | None = None) -> int:
    """Delete the files of exports past their expiry (and of failed ones); idempotent. Returns how many."""
    now = now or timezone.now()
    n = 0
    for job in CaseExport.objects.filter(expires_at__lte=now).exclude(state=CaseExport.EXPIRED):
        if job.file_name:
            (export_dir() / job.file_name).unlink(missing_ok=True)
        CaseExport.objects.filter(pk=job.pk).update(state=CaseExport.EXPIRED, file_name="")
        n += 1
    return n
