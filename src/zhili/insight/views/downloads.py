"""The analysis page's downloads: one chart's table as Excel (导出 Excel, with a sheet 指标口径 of the
figures it shows) and the analysis report as Word (分析研判报告)."""

from __future__ import annotations

import io

from django.http import HttpResponse

from zhili.core.spreadsheets import safe_row

from .. import calibers as cb
from .. import figures as fg
from .. import reports
from .base import dashboard
from .filterbar import parse_filter, streets_in_scope
from .tables import build


@dashboard
def export_xlsx(request):
    """导出 Excel of one chart of the analysis page, from the same figure functions."""
    from openpyxl import Workbook
    from openpyxl.styles import Font, PatternFill

    f, _form = parse_filter(request)
    t = build(f, request.GET.get("chart", ""), streets_in_scope(request.user))
    wb = Workbook()
    ws = wb.active
    ws.title = t.title[:31].replace("/", "-")
    ws.append([f"{t.title}　{fg.period_label(f.start, f.end)}（{f.start:%Y-%m-%d} 至 {f.end:%Y-%m-%d}）"])
    ws.append(safe_row(t.header, ws))
    for cell in ws[2]:
        cell.font, cell.fill = Font(bold=True), PatternFill("solid", fgColor="EBF2FD")
    for row in t.rows:
        ws.append(safe_row(list(row), ws))  # recurring titles and addresses are residents' words
    if t.note:
        ws.append(safe_row([t.note], ws))
    for i, _h in enumerate(t.header):
        ws.column_dimensions[chr(ord("A") + min(i, 25))].width = 16 if i else 28
    # the 口径 of the figures this table shows; a table that names none counts registered cases (受理量)
    shown = t.figures() or [cb.figure("received")]
    defs = wb.create_sheet("指标口径")
    defs.append(["指标", "口径"])
    for cell in defs[1]:
        cell.font, cell.fill = Font(bold=True), PatternFill("solid", fgColor="EBF2FD")
    for row in cb.rows(shown):
        defs.append([row["label"], row["caliber"]])
    defs.append([])
    defs.append(["说明", cb.NOTE])
    defs.column_dimensions["A"].width, defs.column_dimensions["B"].width = 24, 110
    buf = io.BytesIO()
    wb.save(buf)
    resp = HttpResponse(buf.getvalue(), content_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet")
    resp["Content-Disposition"] = f'attachment; filename="insight-{t.name}-{f.start:%Y%m%d}-{f.end:%Y%m%d}.xlsx"'
    return resp


@dashboard
def report_docx(request):
    """下载分析研判报告 (Word) of the filter's region (or the actor's own region) and period."""
    f, _form = parse_filter(request)
    code = f.region or (request.user.region.code if getattr(request.user, "region_id", None) else "")
    if not code:
        from zhili.core.models import Region

        code = Region.objects.filter(level="district").order_by("code").values_list("code", flat=True).first() or ""
    data = reports.analysis_report(request.user, code, f.start, f.end)
    resp = HttpResponse(data, content_type="application/vnd.openxmlformats-officedocument.wordprocessingml.document")
    resp["Content-Disposition"] = f'attachment; filename="analysis-{code}-{f.start:%Y%m%d}-{f.end:%Y%m%d}.docx"'
    return resp
