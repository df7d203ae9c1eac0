"""The analysis report (分析研判报告) as a Word document, and the monthly one the worker writes.

``analysis_report(actor, region_code, start, end)`` writes, for any region and period in the
actor's scope: the key figures with 环比 and 同比 (the functions of ``figures``, so the numbers are
the ones the pages show), the trend and the categories and channels as PNG charts, the top issues
(categories, recurring addresses and titles), the warnings of the period, and the rankings of the
regions below and of the lead units, and an appendix with the 口径 of every figure it shows
(``Figure.caliber``, as the pages' tooltips). ``write_monthly_reports`` stores last month's report of each
district under ``MEDIA_ROOT/reports/`` with a :class:`~zhili.insight.models.Report` row, once.
"""

from __future__ import annotations

import datetime as dt
import io
import logging
from functools import lru_cache
from pathlib import Path

from django.conf import settings
from django.core.files.base import ContentFile
from django.db import IntegrityError, transaction
from django.db.models import Count
from django.utils import timezone

from zhili.core.calendar import SHANGHAI
from zhili.core.errors import Invalid, NotFound

from . import calibers as cb
from . import figures as fg
from .models import Report, Warning

log = logging.getLogger("zhili.reports")

#: where a CJK font for the charts is looked for (Debian's fonts-noto-cjk first)
CJK_FONTS = (
    "/usr/share/fonts/opentype/noto/NotoSansCJK-Regular.ttc",
    "/usr/share/fonts/opentype/noto/NotoSansCJKsc-Regular.otf",
    "/usr/share/fonts/truetype/wqy/wqy-microhei.ttc",
    "/usr/share/fonts/truetype/wqy/wqy-zenhei.ttc",
)
TOP = 10


# ---------------------------------------------------------------- charts

@lru_cache(maxsize=1)
def _matplotlib():
    """(pyplot, has a CJK font) — or (None, False) when matplotlib is not installed."""
    try:
        import matplotlib

        matplotlib.use("Agg")
        import matplotlib.pyplot as plt
        from matplotlib import font_manager
    except ImportError:  # charts are left out, the text of the report is complete without them
        return None, False
    candidates = [Path(p) for p in CJK_FONTS]
    candidates += sorted(Path("/usr/share/fonts").glob("**/*CJK*Regular*")) if Path("/usr/share/fonts").exists() else []
    for path in candidates:
        if path.exists():
            try:
                font_manager.fontManager.addfont(str(path))
                name = font_manager.FontProperties(fname=str(path)).get_name()
            except Exception:  # a font file matplotlib cannot read: try the next
                continue
            known = {f.name for f in font_manager.fontManager.ttflist}
            # a .ttc holds several faces: the simplified-Chinese one draws 简体 glyphs
            name = next((n for n in ("Noto Sans CJK SC", "Source Han Sans SC", "WenQuanYi Micro Hei") if n in known), name)
            plt.rcParams["font.family"] = "sans-serif"
            plt.rcParams["font.sans-serif"] = [name, "DejaVu Sans"]
            plt.rcParams["axes.unicode_minus"] = False
            return plt, True
    return plt, False


def _png(fig) -> bytes:
    plt, _ = _matplotlib()
    buf = io.BytesIO()
    fig.savefig(buf, format="png", dpi=150, bbox_inches="tight")
    plt.close(fig)
    return buf.getvalue()


def chart_trend(rows: list[fg.Row], cjk: bool) -> bytes | None:
    plt, _ = _matplotlib()
    if plt is None or not rows:
        return None
    fig, ax = plt.subplots(figsize=(7.5, 3.0))
    xs = [r.label[5:] if len(r.label) == 10 else r.label for r in rows]
    ax.plot(xs, [r.figures.received for r in rows], marker="o", markersize=3, label=cb.label("received") if cjk else "received")
    ax.plot(xs, [r.figures.closed for r in rows], marker="s", markersize=3, label=cb.label("closed") if cjk else "closed")
    step = max(len(xs) // 10, 1)
    ax.set_xticks(range(0, len(xs), step))
    ax.set_xticklabels(xs[::step], rotation=45, fontsize=8)
    ax.set_title("受理与办结趋势" if cjk else "Received and completed")
    ax.legend(fontsize=8)
    ax.grid(alpha=0.3)
    return _png(fig)


def chart_bars(rows: list[fg.Row], title: str, title_en: str, cjk: bool) -> bytes | None:
    plt, _ = _matplotlib()
    if plt is None or not rows:
        return None
    rows = rows[:TOP][::-1]
    fig, ax = plt.subplots(figsize=(7.5, 0.35 * len(rows) + 1.2))
    labels = [r.label if cjk else r.key for r in rows]
    ax.barh(labels, [r.figures.received for r in rows], color="#2f6fb3")
    for i, r in enumerate(rows):
        ax.text(r.figures.received, i, f" {r.figures.received}", va="center", fontsize=8)
    ax.set_title(title if cjk else title_en)
    ax.tick_params(labelsize=8)
    return _png(fig)


# ---------------------------------------------------------------- the document

def _set_fonts(doc) -> None:
    from docx.oxml.ns import qn
    from docx.shared import Pt

    for style_name in ("Normal", "Title", "Heading 1", "Heading 2"):
        style = doc.styles[style_name]
        style.font.name = "宋体" if style_name == "Normal" else "黑体"
        rpr = style.element.get_or_add_rPr()
        fonts = rpr.find(qn("w:rFonts"))
        if fonts is None:
            fonts = rpr.makeelement(qn("w:rFonts"), {})
            rpr.append(fonts)
        fonts.set(qn("w:eastAsia"), style.font.name)
    doc.styles["Normal"].font.size = Pt(11)


def _table(doc, header: list[str], rows: list[list[str]]):
    t = doc.add_table(rows=1, cols=len(header))
    t.style = "Table Grid"
    for cell, text in zip(t.rows[0].cells, header, strict=True):
        cell.text = text
        for run in cell.paragraphs[0].runs:
            run.bold = True
    for row in rows:
        cells = t.add_row().cells
        for cell, text in zip(cells, row, strict=True):
            cell.text = str(text)
    return t


def _picture(doc, png: bytes | None) -> None:
    from docx.shared import Cm

    if png:
        doc.add_picture(io.BytesIO(png), width=Cm(16))


def _date_zh(d: dt.date) -> str:
    return f"{d.year}年{d.month}月{d.day}日"


def _bounds(start: dt.date, end: dt.date) -> tuple[dt.datetime, dt.datetime]:
    return (dt.datetime.combine(start, dt.time(), SHANGHAI),
            dt.datetime.combine(end + dt.timedelta(days=1), dt.time(), SHANGHAI))


def _region_for(actor, region_code: str):
    from zhili.cases.selectors import REGION_ROLES
    from zhili.core.models import Region

    region = Region.objects.filter(code=region_code).first() or Region.objects.filter(prefix=region_code).order_by("code").first()
    if region is None:
        raise NotFound("region")
    if actor is fg.SYSTEM or getattr(actor, "is_superuser", False):
        return region
    if actor is None or not getattr(actor, "is_authenticated", False) or actor.role not in REGION_ROLES \
            or not region.prefix.startswith(actor.scope_prefix):
        raise NotFound("region")
    return region


def _warnings(actor, prefix: str, start: dt.date, end: dt.date):
    from .warnings import warnings_for

    lo, hi = _bounds(start, end)
    qs = Warning.objects.select_related("rule") if actor is fg.SYSTEM else warnings_for(actor)
    return qs.filter(region_code__startswith=prefix, created_at__gte=lo, created_at__lt=hi)


def recurring(actor, prefix: str, start: dt.date, end: dt.date, field: str, minimum: int = 2) -> list[tuple[str, int]]:
    """Addresses (or titles) that recur among the period's cases: the top issues by place or matter
    (``figures.recurring``: from the recurring rollup by whole months; a community's from its cases)."""
    try:
        return fg.recurring(fg.Filter(actor, region=prefix, start=start, end=end), field, minimum, TOP)
    except Invalid:
        return []


def _summary(region_name: str, period: str, c: fg.Comparison) -> str:
    """The first paragraph: each figure named by its label (口径 in the appendix)."""
    cur, L = c.current, cb.label  # noqa: N806
    return (f"{period}，{region_name}共受理群众诉求 {cur.received} 件，其中目前已办结 {cur.completed} 件"
            f"（{L('completion_rate')} {cur.completion_rate}）；期内办结 {cur.closed} 件（不论何时受理）。"
            f"{L('on_time_rate')} {cur.on_time_rate}（{L('due')} {cur.due} 件），{L('satisfaction_rate')} {cur.satisfaction_rate}，"
            f"{L('resolution_rate')} {cur.resolution_rate}。"
            f"{L('received')}环比 {c.mom('received')}、同比 {c.yoy('received')}；"
            f"{L('completion_rate')}环比 {c.mom('completion_rate')}、同比 {c.yoy('completion_rate')}。"
            f"当前超期未办结 {cur.overdue_now} 件。")


def analysis_report(actor, region_code: str, start: dt.date, end: dt.date, *, now: dt.datetime | None = None) -> bytes:
    """分析研判报告 of a region (code or prefix) and period (dates in Asia/Shanghai, both included), as .docx bytes."""
    from docx import Document
    from docx.enum.text import WD_ALIGN_PARAGRAPH

    now = now or timezone.now()
    region = _region_for(actor, region_code)
    prefix = region.prefix
    period = fg.period_label(start, end)
    f = fg.Filter(actor, region=prefix, start=start, end=end)
    cmp = fg.compare(f, now=now)
    cur = cmp.current
    _plt, cjk = _matplotlib()

    doc = Document()
    _set_fonts(doc)
    title = doc.add_heading(f"{region.name}{period}分析研判报告", level=0)
    title.alignment = WD_ALIGN_PARAGRAPH.CENTER
    meta = doc.add_paragraph(f"统计范围：{region.name}（{region.code}）　统计期间：{_date_zh(start)}至{_date_zh(end)}　"
                             f"生成时间：{_date_zh(now.astimezone(SHANGHAI).date())}")
    meta.alignment = WD_ALIGN_PARAGRAPH.CENTER

    doc.add_heading("一、总体情况", level=1)
    doc.add_paragraph(_summary(region.name, period, cmp))
    pp, yp = cmp.previous_period, cmp.year_ago_period
    header = ["指标", "本期", f"上期（{fg.period_label(*pp)}）", "环比", f"去年同期（{fg.period_label(*yp)}）", "同比"]
    rows = []
    for figure, value in cur.rows():
        if figure.name == "overdue_now":
            rows.append([figure.label, str(value), "—", "—", "—", "—"])
            continue
        rows.append([figure.label, str(value), str(cmp.previous.value(figure.name)), str(cmp.mom(figure.name)),
                     str(cmp.year_ago.value(figure.name)), str(cmp.yoy(figure.name))])
    _table(doc, header, rows)
    doc.add_paragraph("注：比率的分母为 0 时显示“—”；当前超期件数为生成报告时的状态；各项指标的口径见文末“附：指标口径”。")

    doc.add_heading("二、受理与办结趋势", level=1)
    trend = fg.trend(f, by="day" if (end - start).days <= 62 else "month")
    _picture(doc, chart_trend(trend, cjk))

    doc.add_heading("三、诉求类别与来源渠道", level=1)
    cats = fg.by_category(f, "root")
    leaves = fg.by_category(f, "leaf")
    _picture(doc, chart_bars(leaves, "诉求类别（前10）", "Top categories", cjk))
    _table(doc, ["类别", *(cb.label(n) for n in ("received", "completion_rate", "on_time_rate", "satisfaction_rate"))],
           [[r.label, str(r.figures.received), str(r.figures.completion_rate), str(r.figures.on_time_rate),
             str(r.figures.satisfaction_rate)] for r in cats[:TOP]])
    if len(prefix) <= 9:
        channels = fg.by_channel(f)
        doc.add_paragraph("")
        _picture(doc, chart_bars(channels, "来源渠道", "Channels", cjk))
        _table(doc, ["渠道", cb.label("received"), "占比"],
               [[r.label, str(r.figures.received), str(fg.Rate(r.figures.received, cur.received))] for r in channels])

    doc.add_heading("四、突出问题", level=1)
    doc.add_paragraph("受理量居前的诉求类别：" + ("；".join(f"{r.label} {r.figures.received} 件" for r in leaves[:5]) or "无") + "。")
    places = recurring(actor, prefix, start, end, "address")
    matters = recurring(actor, prefix, start, end, "title")
    doc.add_paragraph("反复反映的地点：")
    _table(doc, ["地址", "件数"], [[a, str(n)] for a, n in places] or [["无", "—"]])
    doc.add_paragraph("反复反映的事项：")
    _table(doc, ["事项", "件数"], [[t, str(n)] for t, n in matters] or [["无", "—"]])

    doc.add_heading("五、预警情况", level=1)
    warns = _warnings(actor, prefix, start, end)
    by_rule = list(warns.values("rule__name", "level").annotate(n=Count("id")).order_by("-n", "rule__name"))
    total = sum(r["n"] for r in by_rule)
    doc.add_paragraph(f"本期共产生预警 {total} 条" + ("：" + "；".join(f"{r['rule__name']} {r['n']} 条" for r in by_rule) if by_rule else "。"))
    order = {"red": 0, "orange": 1, "yellow": 2}
    listed = sorted(warns.exclude(rule__kind__in=("deadline_soon",))[:200], key=lambda w: (order.get(w.level, 3), -w.pk))[:20]
    if listed:
        _table(doc, ["等级", "预警", "原因", "状态"],
                [[w.get_level_display().split(" ")[0], w.title, w.reason, w.get_state_display().split(" ")[0]] for w in listed])

    doc.add_heading("六、区域与单位排名", level=1)
    level = {6: "street", 9: "community", 12: "grid"}.get(len(prefix))
    if level:
        regions = sorted(fg.by_region(f, level), key=lambda r: (-(r.figures.completion_rate.value or -1), -r.figures.received))
        word = {"street": "街道", "community": "社区", "grid": "网格"}[level]
        doc.add_paragraph(f"{word}排名（按{cb.label('completion_rate')}）：")
        _table(doc, ["名次", word, *(cb.label(n) for n in ("received", "completed", "completion_rate", "on_time_rate",
                                                          "satisfaction_rate"))],
               [[str(i), r.label, str(r.figures.received), str(r.figures.completed), str(r.figures.completion_rate),
                 str(r.figures.on_time_rate), str(r.figures.satisfaction_rate)] for i, r in enumerate(regions, 1)]
               or [["—", "无", "0", "0", "—", "—", "—"]])
    if len(prefix) <= 9:  # unit figures are kept per street
        units = sorted(fg.by_unit(f), key=fg.unit_rank)
        doc.add_paragraph(f"责任单位排名（按{cb.label('on_time_rate')}）：")
        _table(doc, ["名次", "单位", *(cb.label(n) for n in ("received", "completed", "completion_rate", "on_time_rate",
                                                            "return_rate", "satisfaction_rate"))],
               [[str(i), r.label, str(r.figures.received), str(r.figures.completed), str(r.figures.completion_rate),
                 str(r.figures.on_time_rate), str(r.figures.return_rate), str(r.figures.satisfaction_rate)]
                for i, r in enumerate(units, 1)] or [["—", "无", "0", "0", "—", "—", "—", "—"]])

    doc.add_heading("七、研判意见", level=1)
    doc.add_paragraph("（请在此处填写研判意见和工作建议。）")

    _appendix(doc, [figure for figure, _value in cur.rows()])
    buf = io.BytesIO()
    doc.save(buf)
    return buf.getvalue()


def _appendix(doc, shown: list[fg.Figure]) -> None:
    """附：指标口径 — each figure the report shows, by its label, with its 口径 (``Figure.caliber``)."""
    doc.add_heading("附：指标口径", level=1)
    for row in cb.rows(shown):  # one paragraph each, the label in bold: long text reads better than a table
        para = doc.add_paragraph()
        para.add_run(row["label"]).bold = True
        para.add_run("：" + row["caliber"])
    doc.add_paragraph("注：" + cb.NOTE)


# ---------------------------------------------------------------- the monthly job

def last_month(now: dt.datetime) -> tuple[dt.date, dt.date]:
    first_this = now.astimezone(SHANGHAI).date().replace(day=1)
    end = first_this - dt.timedelta(days=1)
    return end.replace(day=1), end


def write_monthly_reports(now: dt.datetime | None = None) -> list[Report]:
    """Last month's report of each district (ZHILI_DISTRICT_CODE), written once: on the 1st, or on
    the first run after it if the worker was down. Returns the reports written this time."""
    from zhili.core.models import Region

    now = now or timezone.now()
    start, end = last_month(now)
    district = getattr(settings, "ZHILI_DISTRICT_CODE", "")
    made = []
    for region in Region.objects.filter(level="district", code__startswith=district).order_by("code"):
        if Report.objects.filter(region=region, kind="monthly", period_start=start).exists():
            continue
        data = analysis_report(fg.SYSTEM, region.code, start, end, now=now)
        report = Report(region=region, region_code=region.code, kind="monthly", period_start=start, period_end=end,
                        created_at=now)
        try:
            with transaction.atomic():
                report.file.save(f"{region.code}-{start:%Y-%m}-分析研判报告.docx", ContentFile(data), save=True)
        except IntegrityError:  # another worker wrote it meanwhile
            report.file.delete(save=False)
            continue
        log.info("wrote the monthly report %s", report.file.name)
        made.append(report)
    return made
