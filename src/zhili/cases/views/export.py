"""The Excel export (导出 Excel) of the filtered case list: phones masked, formulas kept as text,
at most ``EXPORT_MAX_ROWS`` rows, audited. Up to ``exports.IMMEDIATE_MAX_ROWS`` rows come back at once;
more run as a job (``zhili worker``) whose page shows its progress and, when ready, the download —
for the one who asked only (anyone else: 404), until the file expires."""

from __future__ import annotations

import io

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import FileResponse, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.http import require_GET

from zhili.core import audit
from zhili.core.calendar import SHANGHAI
from zhili.core.http import domain_errors

from .. import exports
from .case_search import filtered
from .common import EXPORT_MAX_ROWS, require_case_role


def _file_name(at) -> str:
    return f"cases-{at.astimezone(SHANGHAI):%Y%m%d-%H%M}.xlsx"


@login_required
@domain_errors
@require_GET
def export_xlsx(request):
    """导出 Excel of the filtered list (at most EXPORT_MAX_ROWS rows): small ones at once, others as a job."""
    user = request.user
    require_case_role(user)
    qs, f = filtered(request)
    if f.errors:
        messages.error(request, "；".join(str(e["message"]) for e in f.errors))
        return redirect(reverse("cases:search") + "?" + request.GET.urlencode())
    if not exports.is_small(qs):
        job = exports.start(user, request.GET.urlencode())
        return redirect("cases:export_job", key=job.key)
    buf = io.BytesIO()
    rows = exports.write_xlsx(user, qs, buf)
    audit.record(user, "case.export", details={"filters": exports.filters_details(f, request.GET), "rows": rows})
    response = HttpResponse(buf.getvalue(), content_type=exports.CONTENT_TYPE)
    response["Content-Disposition"] = f'attachment; filename="{_file_name(timezone.now())}"'
    return response


def _job_context(job) -> dict:
    total = job.total or 0
    return {
        "job": job,
        "percent": min(100, round(job.rows_written * 100 / total)) if total else 0,
        "polling": job.state in (job.QUEUED, job.RUNNING),
        "export_max": EXPORT_MAX_ROWS,
    }


@login_required
@domain_errors
@require_GET
def export_job(request, key):
    """导出任务: the export's progress (polled), then its download."""
    require_case_role(request.user)
    job = exports.owned(request.user, key)
    return render(request, "cases/export_job.html", _job_context(job))


@login_required
@domain_errors
@require_GET
def export_progress(request, key):
    """The progress fragment the job page polls (HTMX, every second while the job runs)."""
    require_case_role(request.user)
    job = exports.owned(request.user, key)
    return render(request, "cases/_export_progress.html", _job_context(job))


@login_required
@domain_errors
@require_GET
def export_download(request, key):
    """The written file, for its owner only, until it expires; every download audited."""
    user = request.user
    require_case_role(user)
    job = exports.owned(user, key)
    path = exports.file_of(job)
    audit.record(user, "case.export.download", job, details={"rows": job.rows_written, "job": str(job.key)})
    return FileResponse(open(path, "rb"), as_attachment=True, filename=_file_name(job.finished_at),  # noqa: SIM115
                        content_type=exports.CONTENT_TYPE)
