"""The Excel export (导出 Excel) of the filtered case list: phones masked, at most
``EXPORT_MAX_ROWS`` rows, audited."""

from __future__ import annotations

import io

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpResponse
from django.shortcuts import redirect
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_GET

from zhili.core import audit
from zhili.core.calendar import SHANGHAI
from zhili.core.http import domain_errors
from zhili.core.spreadsheets import safe_row

from .. import forms
from ..models import Case, Channel, Satisfaction
from ..workflow import STATES
from .case_search import filtered
from .common import (
    EXPORT_MAX_ROWS,
    ROW_RELATED,
    category_labels,
    local,
    region_names,
    reporter_cell,
    require_case_role,
    street_code,
    time_left,
)

EXPORT_COLUMNS = (
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


@login_required
@domain_errors
@require_GET
def export_xlsx(request):
    """导出 Excel of the filtered list (at most EXPORT_MAX_ROWS rows); phones masked; audited."""
    from openpyxl import Workbook
    from openpyxl.cell import WriteOnlyCell
    from openpyxl.styles import Alignment, Font, PatternFill

    user = request.user
    require_case_role(user)
    qs, f = filtered(request)
    if f.errors:
        messages.error(request, "；".join(str(e["message"]) for e in f.errors))
        return redirect(reverse("cases:search") + "?" + request.GET.urlencode())
    wb = Workbook(write_only=True)
    ws = wb.create_sheet(_("Case list"))
    ws.freeze_panes = "A2"
    widths = (16, 36, 18, 12, 12, 10, 8, 8, 10, 14, 14, 16, 20, 18, 18, 16, 18, 10)
    for i, w in enumerate(widths):
        ws.column_dimensions[chr(ord("A") + i)].width = w
    bold, fill = Font(bold=True), PatternFill("solid", fgColor="EBF2FD")
    header = []
    for title in EXPORT_COLUMNS:
        cell = WriteOnlyCell(ws, value=str(title))
        cell.font, cell.fill, cell.alignment = bold, fill, Alignment(vertical="center")
        header.append(cell)
    ws.append(header)
    labels = category_labels()
    streets: dict[str, str] = {}
    now = timezone.now()
    channel = dict(Channel.choices)
    from ..models import CaseType, Tier, Urgency

    case_type, tier, urgency = dict(CaseType.choices), dict(Tier.choices), dict(Urgency.choices)
    satisfaction = dict(Satisfaction.choices)
    rows = 0
    qs = qs.select_related(*ROW_RELATED).order_by("-created_at", "-id")[:EXPORT_MAX_ROWS]
    batch: list[Case] = []

    def flush(batch):
        nonlocal rows
        missing = {street_code(c.region_code) for c in batch} - set(streets)
        streets.update(region_names(missing))
        for c in batch:
            rep = reporter_cell(user, c)
            who = _("(confidential)") if rep["withheld"] else rep["name"]
            ws.append(
                safe_row([
                    c.number,
                    c.title,
                    forms.category_path_label(c.category_path, labels),
                    str(STATES.get(c.state, c.state)),
                    str(channel.get(c.channel, c.channel)),
                    str(case_type.get(c.case_type, c.case_type)),
                    str(tier.get(c.tier, c.tier)),
                    str(urgency.get(c.urgency, c.urgency)),
                    who,
                    rep["phone"],
                    streets.get(street_code(c.region_code), ""),
                    c.grid.name if c.grid_id else "",
                    c.lead_unit.name if c.lead_unit_id else "",
                    local(c.created_at).replace(tzinfo=None) if c.created_at else None,
                    local(c.due_at).replace(tzinfo=None) if c.due_at else None,
                    time_left(c, now)["text"],
                    local(c.closed_at).replace(tzinfo=None) if c.closed_at else None,
                    str(satisfaction.get(c.satisfaction, "")) if c.satisfaction else "",
                ], ws)
            )
            rows += 1

    for c in qs.iterator(chunk_size=2000):
        batch.append(c)
        if len(batch) >= 2000:
            flush(batch)
            batch = []
    if batch:
        flush(batch)
    buf = io.BytesIO()
    wb.save(buf)
    audit.record(
        user,
        "case.export",
        details={
            "filters": {
                **f.as_details(),
                **({"bucket": request.GET["bucket"]} if request.GET.get("bucket") else {}),
            },
            "rows": rows,
        },
    )
    stamp = timezone.now().astimezone(SHANGHAI).strftime("%Y%m%d-%H%M")
    response = HttpResponse(
        buf.getvalue(), content_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    )
    response["Content-Disposition"] = f'attachment; filename="cases-{stamp}.xlsx"'
    return response
