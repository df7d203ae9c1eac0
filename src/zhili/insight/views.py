"""Pages of statistics and analysis (/insight/), warnings (/insight/warnings/) and the big screen (/screen/).

Read-only except for acknowledging and handling warnings. Every figure comes from
:mod:`zhili.insight.figures` (the one definition of each figure), the hotspot map and the recurring
matters and places included; the case queries here only list cases — those of a clicked map cell, the
screen's live feed — always on ``cases_for(actor)``, so the data scope applies.
"""

from __future__ import annotations

import datetime as dt
import functools
import io
from collections import Counter
from urllib.parse import urlencode

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.db.models import Count
from django.http import Http404, HttpResponse, JsonResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from zhili.cases.keys import HEX_RES
from zhili.core.calendar import SHANGHAI
from zhili.core.errors import Invalid
from zhili.core.policy import READ_ONLY_ROLES, can
from zhili.web.views import domain_errors

from . import figures as fg
from . import reports
from . import warnings as wn
from .models import Level, WarningState

#: the most cells the hotspot map draws (a district has about a hundred at resolution 8, keys.HEX_RES)
HEX_CAP = 5_000
TOP = 10
#: how often the big screen fetches /screen/data.json
REFRESH_MS = 10_000
#: figures of the cards, in order (overdue is one card with "now / ever")
CARD_FIGURES = ("received", "completed", "completion_rate", "on_time_rate", "overdue", "avg_handling_hours",
                "satisfaction_rate", "resolution_rate", "return_rate", "extension_rate", "rework_rate",
                "signing_timeliness", "repeat_rate", "in_grid_rate")
#: figures where a rise is bad (the arrow turns red when they go up)
RISE_IS_BAD = {"overdue", "avg_handling_hours", "return_rate", "extension_rate", "rework_rate", "repeat_rate"}
CARD_LABELS = {"received": "受理", "completed": "办结", "overdue": "超期（当前/累计）", "avg_handling_hours": "平均办理时长（工作小时）",
               "return_rate": "退回率"}


def dashboard(view):
    """Logged in and holding dashboard.view (leader, centre_admin, street_staff), else 403."""

    @login_required
    @domain_errors
    @functools.wraps(view)
    def wrapper(request, *args, **kwargs):
        if not (request.user.is_superuser or can(request.user, "dashboard.view")):
            raise PermissionDenied("dashboard.view")
        return view(request, *args, **kwargs)

    return wrapper


# ---------------------------------------------------------------- the filter bar

def _today() -> dt.date:
    return timezone.now().astimezone(SHANGHAI).date()


def quick_periods(today: dt.date) -> list[tuple[str, str, dt.date, dt.date]]:
    """(key, label, start, end) of the quick picks 本月 / 本季度 / 本年 / 上月 (whole months, so 环比 is month on month)."""
    month = today.replace(day=1)
    q = today.replace(month=(today.month - 1) // 3 * 3 + 1, day=1)
    last_end = month - dt.timedelta(days=1)
    return [
        ("month", "本月", month, fg.month_end(month)),
        ("quarter", "本季度", q, fg.month_end(fg.add_months(q, 2))),
        ("year", "本年", today.replace(month=1, day=1), today.replace(month=12, day=31)),
        ("last_month", "上月", last_end.replace(day=1), last_end),
    ]


def _date(value: str) -> dt.date | None:
    try:
        return dt.date.fromisoformat(value) if value else None
    except ValueError:
        return None


def _scope_prefix(user) -> str:
    return "" if user.is_superuser or not getattr(user, "region_id", None) else user.scope_prefix


def streets_in_scope(user):
    """The streets of the actor's scope, each with ``communities``: its communities in that scope
    (the filter bar's region choice: a street, or one of its communities)."""
    from zhili.core.models import Region

    prefix = _scope_prefix(user)
    qs = Region.objects.filter(level="street").order_by("code")
    if prefix:
        qs = qs.filter(prefix__startswith=prefix[:9]) if len(prefix) >= 9 else qs.filter(code__startswith=prefix)
    streets = [{**s, "communities": []} for s in qs.values("code", "prefix", "name")]
    by_prefix = {s["prefix"]: s for s in streets}
    communities = Region.objects.filter(level="community").order_by("code")
    if prefix:
        communities = communities.filter(prefix__startswith=prefix)
    for c in communities.values("code", "prefix", "name"):
        street = by_prefix.get(c["prefix"][:9])
        if street is not None:
            street["communities"].append(c)
    return streets


def regions_allowed(streets: list[dict]) -> set[str]:
    """The region codes the filter accepts: the streets and their communities."""
    return {s["code"] for s in streets} | {c["code"] for s in streets for c in s["communities"]}


def root_categories():
    from zhili.core.models import CodeItem

    return list(CodeItem.objects.filter(type="case_category", parent__isnull=True).order_by("code").values("code", "label"))


def lead_units(user):
    from zhili.core.models import Organisation

    return list(Organisation.objects.filter(org_type__in=("department", "street_office")).order_by("name").values("pk", "name"))


def parse_filter(request) -> tuple[fg.Filter, dict]:
    """The Filter of the GET parameters (default: this month) and the values for the form."""
    g = request.GET
    today = _today()
    quick = quick_periods(today)
    start, end = _date(g.get("start", "")), _date(g.get("end", ""))
    pick = g.get("period", "")
    for key, _label, s, e in quick:
        if pick == key:
            start, end = s, e
    if not start or not end or end < start:
        start, end = quick[0][2], quick[0][3]
    region = g.get("region", "")
    if region not in regions_allowed(streets_in_scope(request.user)):
        region = ""
    category = g.get("category", "")
    if category not in {c["code"] for c in root_categories()}:
        category = ""
    from zhili.cases.models import Channel

    channel = g.get("channel", "") if g.get("channel", "") in Channel.values else ""
    unit = int(g["unit"]) if g.get("unit", "").isdigit() else None
    f = fg.Filter(request.user, region=region, start=start, end=end, category=category, channel=channel, unit=unit)
    params = {"start": start.isoformat(), "end": end.isoformat(), "region": region, "category": category,
              "channel": channel, "unit": unit or ""}
    query = urlencode({k: v for k, v in params.items() if v})
    form = {**params, "query": query, "quick": [(k, label, f"start={s}&end={e}", s == start and e == end)
                                                 for k, label, s, e in quick]}
    return f, form


def _bounds(f: fg.Filter) -> tuple[dt.datetime, dt.datetime]:
    return (dt.datetime.combine(f.start, dt.time(), SHANGHAI),
            dt.datetime.combine(f.end + dt.timedelta(days=1), dt.time(), SHANGHAI))


def filtered_cases(f: fg.Filter):
    """The actor's cases of the filter (period by registration time, region, category, channel, lead unit),
    without the not-accepted and merged ones — the cases the figures count as received."""
    from zhili.cases.selectors import cases_for

    lo, hi = _bounds(f)
    qs = cases_for(f.actor).filter(created_at__gte=lo, created_at__lt=hi).exclude(state__in=("merged", "rejected"))
    prefix = fg.region_prefix(f.region)
    if prefix:
        qs = qs.filter(region_code__startswith=prefix)
    if f.category:
        qs = qs.filter(category_id__in=fg.category_ids(f.category))
    if f.channel:
        qs = qs.filter(channel=f.channel)
    if f.unit:
        qs = qs.filter(lead_unit_id=f.unit)
    return qs


# ---------------------------------------------------------------- the tables (page, chart and Excel share them)

class Table:
    def __init__(self, name: str, title: str, header: list[str], rows: list[list], note: str = "", chart: dict | None = None):
        self.name, self.title, self.header, self.rows, self.note, self.chart = name, title, header, rows, note, chart or {}


def _msg(exc: Invalid) -> str:
    return "；".join(e["message"] for e in exc.errors)


def _safe(fn, *args, **kwargs):
    """A breakdown that this filter cannot give (unit × category …) is an empty table with the reason."""
    try:
        return fn(*args, **kwargs), ""
    except Invalid as exc:
        return [], _msg(exc)


def _val(v):
    """A number for a chart: a Rate as its percent, an Average as its value, "—" as None."""
    if isinstance(v, fg.Rate):
        return float(v.percent) if v.percent is not None else None
    if isinstance(v, fg.Average):
        return round(v.value, 2) if v.value is not None else None
    return v


def table_figures(f: fg.Filter, cmp: fg.Comparison | None = None) -> Table:
    cmp = cmp or fg.compare(f)
    rows = []
    for figure, value in cmp.current.rows():
        if figure.name == "overdue_now":
            rows.append([figure.label, str(value), "—", "—", "—", "—"])
        else:
            rows.append([figure.label, str(value), str(cmp.previous.value(figure.name)), str(cmp.mom(figure.name)),
                         str(cmp.year_ago.value(figure.name)), str(cmp.yoy(figure.name))])
    return Table("figures", "关键指标", ["指标", "本期", f"上期（{fg.period_label(*cmp.previous_period)}）", "环比",
                                     f"去年同期（{fg.period_label(*cmp.year_ago_period)}）", "同比"], rows)


def table_trend(f: fg.Filter) -> Table:
    by = "day" if (f.end - f.start).days <= 62 else "month"
    rows, note = _safe(fg.trend, f, by)
    if by == "day" and rows and len(rows[0].key) == 7:  # a community's or grid's figures are kept per month
        by, note = "month", note or "社区和网格的统计按月汇总"
    return Table("trend", "受理与办结趋势（按日）" if by == "day" else "受理与办结趋势（按月）",
                 ["日期" if by == "day" else "月份", "受理量", "办结量", "办结率"],
                 [[r.label, r.figures.received, r.figures.completed, str(r.figures.completion_rate)] for r in rows], note,
                 {"type": "trend", "x": [r.label for r in rows], "received": [r.figures.received for r in rows],
                  "completed": [r.figures.completed for r in rows]})


def table_category(f: fg.Filter) -> Table:
    rows, note = _safe(fg.by_category, f, "root")
    return Table("category", "诉求类别", ["类别", "受理量", "办结量", "办结率", "按期办结率", "满意率"],
                 [[r.label, r.figures.received, r.figures.completed, str(r.figures.completion_rate),
                   str(r.figures.on_time_rate), str(r.figures.satisfaction_rate)] for r in rows], note,
                 {"type": "bar", "x": [r.label for r in rows], "y": [r.figures.received for r in rows]})


def table_channel(f: fg.Filter) -> Table:
    rows, note = _safe(fg.by_channel, f)
    total = sum(r.figures.received for r in rows)
    return Table("channel", "来源渠道", ["渠道", "受理量", "占比"],
                 [[r.label, r.figures.received, str(fg.Rate(r.figures.received, total))] for r in rows], note,
                 {"type": "pie", "items": [{"name": r.label, "value": r.figures.received} for r in rows]})


def table_heat(f: fg.Filter, streets: list[dict]) -> Table:
    """Category × street: received per root category in each street (one grouped query:
    figures.by_street_category); a street's or community's filter shows its street."""
    if f.region:
        street = fg.region_prefix(f.region)[:9]
        streets = [s for s in streets if s["prefix"] == street]
    per: dict[str, dict[str, int]] = {}
    cats: dict[str, str] = {}
    by_street, note = _safe(fg.by_street_category, f, "root")
    for s in streets:
        for r in (by_street or {}).get(s["prefix"], []):
            cats.setdefault(r.key, r.label)
            per.setdefault(s["name"], {})[r.key] = r.figures.received
    names = [s["name"] for s in streets]
    keys = sorted(cats, key=lambda k: -sum(per.get(n, {}).get(k, 0) for n in names))
    rows = [[cats[k], *[per.get(n, {}).get(k, 0) for n in names]] for k in keys]
    peak = max([v for r in rows for v in r[1:]] or [0])
    return Table("heat", "类别 × 街道", ["类别", *names], rows, note, {"type": "heat", "max": peak})


def table_units(f: fg.Filter) -> Table:
    rows, note = _safe(fg.by_unit, f)
    rows = sorted(rows, key=fg.unit_rank)
    return Table("units", "责任单位排名（按按期办结率）", ["名次", "单位", "受理量", "办结量", "按期办结率", "办结率", "满意率"],
                 [[i, r.label, r.figures.received, r.figures.completed, str(r.figures.on_time_rate),
                   str(r.figures.completion_rate), str(r.figures.satisfaction_rate)] for i, r in enumerate(rows, 1)], note)


def table_satisfaction(cur: fg.Figures) -> Table:
    c = cur.counters
    parts = [("满意", c.get("satisfied", 0)), ("基本满意", c.get("basic", 0)), ("不满意", c.get("unsatisfied", 0))]
    rows = [[label, n, str(fg.Rate(n, c.get("callbacks", 0)))] for label, n in parts]
    rows.append(["回访成功数", c.get("callbacks", 0), ""])
    rows.append(["满意率（满意 + 基本满意）", "", str(cur.satisfaction_rate)])
    rows.append(["解决率", c.get("solved", 0), str(cur.resolution_rate)])
    return Table("satisfaction", "满意度构成", ["回访结果", "件数", "占回访比"], rows, "",
                 {"type": "pie", "items": [{"name": label, "value": n} for label, n in parts]})


def table_recurring(f: fg.Filter, field: str) -> Table:
    """Titles or addresses that several cases share (normalised: spaces, punctuation and full-width
    forms do not count), by whole months (``figures.recurring``)."""
    rows, note = _safe(fg.recurring, f, field, 2, TOP)
    note = "；".join(n for n in (note, fg.months_note(f) if rows else "") if n)
    title = "反复反映的事项" if field == "title" else "反复反映的地点"
    return Table(f"recurring_{field}", title, ["事项" if field == "title" else "地址", "件数"],
                 [[text, n] for text, n in rows], note)


def table_clusters(f: fg.Filter) -> Table:
    """Clusters of similar complaints among the filter's most recent cases (:mod:`clusters`)."""
    from zhili.core.models import Region

    from . import clusters as cl

    found, sample = cl.recent_clusters(filtered_cases(f), TOP)
    names = dict(Region.objects.filter(level="street", prefix__in={d.street for c in found for d in c.members})
                 .values_list("prefix", "name"))
    rows = []
    for c in found:
        latest = max(c.members, key=lambda d: d.created_at)
        streets = Counter(d.street for d in c.members)
        rows.append([" · ".join(c.keywords()), len(c.members), "、".join(names.get(s, s) for s, _n in streets.most_common(3)),
                     f"{c.first:%m-%d} 至 {c.last:%m-%d}", f"{latest.number} {latest.title}"])
    note = (f"在本筛选条件下最近的 {sample} 件诉求中，按词语相似度（≥ {round(cl.SIMILARITY * 100)}%）聚类，"
            f"显示至少 {cl.MIN_SIZE} 件的类簇")
    return Table("clusters", "相似诉求聚类", ["关键词", "件数", "涉及街道", "时间", "最近一件"], rows,
                 note if rows else (note + "：没有找到" if sample else ""))


def hexagons(f: fg.Filter) -> tuple[list[dict], str]:
    """The hotspot map: received cases per h3 cell (``figures.by_cell``), most first, and a note
    (whole months, or why this filter has no map)."""
    import h3

    counts, note = _safe(fg.by_cell, f)
    counts = counts or {}
    hexes = [{"h3": cell, "n": n, "boundary": [[round(a, 6), round(b, 6)] for a, b in h3.cell_to_boundary(cell)]}
             for cell, n in sorted(counts.items(), key=lambda kv: (-kv[1], kv[0]))[:HEX_CAP]]
    return hexes, note or (fg.months_note(f) if hexes else "")


def table_hex(f: fg.Filter) -> Table:
    hexes, note = hexagons(f)
    return Table("hex", "诉求热点（H3 网格）", ["H3 单元", "件数"], [[h["h3"], h["n"]] for h in hexes], note)


def build(f: fg.Filter, name: str, streets: list[dict] | None = None) -> Table:
    if name == "figures":
        return table_figures(f)
    if name == "trend":
        return table_trend(f)
    if name == "category":
        return table_category(f)
    if name == "channel":
        return table_channel(f)
    if name == "heat":
        return table_heat(f, streets or [])
    if name == "units":
        return table_units(f)
    if name == "satisfaction":
        return table_satisfaction(fg.figures(f))
    if name == "clusters":
        return table_clusters(f)
    if name in ("recurring_title", "recurring_address"):
        return table_recurring(f, name.split("_", 1)[1])
    if name == "hex":
        return table_hex(f)
    raise Http404("chart")


# ---------------------------------------------------------------- /insight/

def _arrow(delta: fg.Delta, bad_when_up: bool) -> str:
    v = delta.value
    if v is None or v == 0:
        return "flat"
    up = v > 0
    return ("up" if up else "down") + ("-bad" if up == bad_when_up else "-good")


def cards(cmp: fg.Comparison) -> list[dict]:
    cur = cmp.current
    out = []
    for name in CARD_FIGURES:
        if name == "overdue":
            mom, yoy = cmp.mom("overdue_ever"), cmp.yoy("overdue_ever")
            out.append({"name": name, "label": CARD_LABELS[name], "value": f"{cur.overdue_now} / {cur.overdue_ever}",
                        "mom": str(mom), "yoy": str(yoy), "mom_dir": _arrow(mom, True), "yoy_dir": _arrow(yoy, True)})
            continue
        figure = fg.BY_NAME[name]
        mom, yoy = cmp.mom(name), cmp.yoy(name)
        bad = name in RISE_IS_BAD
        out.append({"name": name, "label": CARD_LABELS.get(name, figure.label), "value": str(cur.value(name)),
                    "mom": str(mom), "yoy": str(yoy), "mom_dir": _arrow(mom, bad), "yoy_dir": _arrow(yoy, bad),
                    "title": (figure.fn.__doc__ or "").strip().split("\n")[0]})
    return out


@dashboard
def analysis(request):
    f, form = parse_filter(request)
    streets = streets_in_scope(request.user)
    errors = []
    try:
        cmp = fg.compare(f)
    except Invalid as exc:
        errors.append(_msg(exc))
        f = fg.Filter(request.user, region=f.region, start=f.start, end=f.end)
        form = {**form, "category": "", "channel": "", "unit": ""}
        cmp = fg.compare(f)
    tables = [table_trend(f), table_category(f), table_channel(f), table_satisfaction(cmp.current), table_heat(f, streets),
              table_units(f), table_recurring(f, "title"), table_recurring(f, "address"), table_clusters(f)]
    charts = {t.name: t.chart for t in tables if t.chart}
    hexes, hex_note = hexagons(f)
    from zhili.cases.models import Channel

    ctx = {
        "f": f, "form": form, "errors": errors, "cards": cards(cmp), "cmp": cmp,
        "period_label": fg.period_label(f.start, f.end),
        "previous_label": fg.period_label(*cmp.previous_period), "year_ago_label": fg.period_label(*cmp.year_ago_period),
        "region_name": next((r["name"] for s in streets for r in (s, *s["communities"]) if r["code"] == f.region), ""),
        "streets": streets, "categories": root_categories(), "channels": [(v, fg.zh_label(lbl)) for v, lbl in Channel.choices],
        "units": lead_units(request.user), "tables": {t.name: t for t in tables}, "charts": charts,
        "hexes": hexes, "hex_note": hex_note, "map": map_regions(request.user, want="street"),
    }
    return render(request, "insight/analysis.html", ctx)


@dashboard
def hex_cases(request, cell: str):
    """The newest 100 cases in one h3 cell of the hotspot map (the same filter, the actor's scope;
    ``Case.cell`` is indexed), with the cell's count as the map shows it."""
    import h3

    if not h3.is_valid_cell(cell) or h3.get_resolution(cell) != HEX_RES:
        raise Http404("cell")
    f, _form = parse_filter(request)
    counts, _note = _safe(fg.by_cell, f)
    qs = filtered_cases(f).filter(cell=cell).order_by("-created_at")
    out = [{"number": number, "title": title, "url": reverse("cases:detail", args=[number]),
            "created_at": created.astimezone(SHANGHAI).strftime("%Y-%m-%d %H:%M")}
           for number, title, created in qs.values_list("number", "title", "created_at")[:100]]
    return JsonResponse({"h3": cell, "count": (counts or {}).get(cell, 0), "cases": out})


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
    ws.append(t.header)
    for cell in ws[2]:
        cell.font, cell.fill = Font(bold=True), PatternFill("solid", fgColor="EBF2FD")
    for row in t.rows:
        ws.append(list(row))
    if t.note:
        ws.append([t.note])
    for i, _h in enumerate(t.header):
        ws.column_dimensions[chr(ord("A") + min(i, 25))].width = 16 if i else 28
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


# ---------------------------------------------------------------- /insight/warnings/

LEVEL_TAG = {"yellow": ("黄", "tag-yellow"), "orange": ("橙", "tag-orange"), "red": ("红", "tag-red")}
STATE_TAG = {"new": "tag-red", "acknowledged": "tag-orange", "handled": "tag-green"}


@dashboard
def warnings_list(request):
    state = request.GET.get("state", "")
    state = state if state in WarningState.values else ""
    level = request.GET.get("level", "")
    level = level if level in Level.values else ""
    qs = wn.warnings_for(request.user, state or None)
    if level:
        qs = qs.filter(level=level)
    counts = dict(wn.warnings_for(request.user).values_list("state").annotate(n=Count("id")).order_by())
    rows = list(qs.prefetch_related("cases").select_related("unit", "acknowledged_by", "handled_by")[:200])
    writable = request.user.is_superuser or request.user.role not in READ_ONLY_ROLES
    items = [{"w": w, "level": LEVEL_TAG.get(w.level, (w.level, "tag-grey")), "state_tag": STATE_TAG.get(w.state, "tag-grey"),
              "state_label": w.get_state_display().split(" ")[0], "cases": [c.number for c in w.cases.all()][:20]}
             for w in rows]
    return render(request, "insight/warnings.html", {
        "items": items, "state": state, "level": level, "writable": writable,
        "states": [(v, lbl.split(" ")[0], counts.get(v, 0)) for v, lbl in WarningState.choices],
        "levels": [(v, LEVEL_TAG[v][0]) for v in Level.values],
    })


@require_POST
@dashboard
def warning_act(request, pk: int, action: str):
    note = request.POST.get("note", "")
    try:
        if action == "acknowledge":
            wn.acknowledge_warning(request.user, pk, note)
            messages.success(request, _("Warning acknowledged."))
        elif action == "handle":
            wn.handle_warning(request.user, pk, note)
            messages.success(request, _("Warning handled."))
        else:
            raise Http404("action")
    except Invalid as exc:
        messages.error(request, _msg(exc))
    back = request.POST.get("next", "")
    return redirect(back if back.startswith("/insight/warnings/") else reverse("insight:warnings"))


# ---------------------------------------------------------------- /screen/

#: the regions of the maps, per (scope prefix, level): boundaries change rarely and decoding hundreds
#: of polygons costs more than the statistics of the big screen; checked against the region table
#: (count, last id, last change) on every call
_MAP_CACHE: dict[tuple[str, str], tuple[tuple, list[dict]]] = {}


def map_regions(user, want: str = "grid") -> list[dict]:
    """The regions drawn on a map: the grids (or streets) inside the actor's scope that have a boundary;
    streets when no grid has one. The same list objects are returned to every caller: do not change them."""
    from django.db.models import Count, Max

    from zhili.core.models import Region

    prefix = _scope_prefix(user)
    sig = tuple(Region.objects.aggregate(n=Count("id"), i=Max("id"), t=Max("updated_at")).values())
    hit = _MAP_CACHE.get((prefix, want))
    if hit is not None and hit[0] == sig:
        return hit[1]
    out: list[dict] = []
    for level in ((want, "community", "street") if want == "grid" else (want,)):
        qs = Region.objects.filter(level=level, geometry__isnull=False).order_by("code")
        if prefix:
            qs = qs.filter(code__startswith=prefix)
        out = [{"code": r["code"], "prefix": r["prefix"], "name": r["name"], "geometry": r["geometry"]}
               for r in qs.values("code", "prefix", "name", "geometry")[:5000]]
        if out:
            break
    if len(_MAP_CACHE) > 256:
        _MAP_CACHE.clear()
    _MAP_CACHE[(prefix, want)] = (sig, out)
    return out


COLOURS = ((0, "#1d3f73"), (1, "#2f9e8f"), (3, "#e6b422"), (6, "#f08a24"), (10, "#e0452b"))


def colour(n: int) -> str:
    out = COLOURS[0][1]
    for at_least, c in COLOURS:
        if n >= at_least:
            out = c
    return out


def open_per_region(user, regions: list[dict]) -> dict[str, int]:
    """Open cases per drawn region. For the whole system and region roles from RegionRollup (open =
    received − completed per region code: a few hundred rows, not the open cases themselves — the drawn
    regions lie inside the user's region, so its prefix is the scope); for others (a department) one
    aggregate query over cases_for(actor), the open states named."""
    from django.db.models import F

    from zhili.cases.selectors import REGION_ROLES, cases_for
    from zhili.cases.workflow import OPEN_STATES

    from .models import RegionRollup

    if user.is_superuser or (getattr(user, "role", "") in REGION_ROLES and getattr(user, "region_id", None)):
        qs = RegionRollup.objects.annotate(n=F("received") - F("completed")).filter(n__gt=0)
        if not user.is_superuser:
            qs = qs.filter(region_code__startswith=user.scope_prefix)
        rows = qs.values("region_code", "n")
    else:
        rows = (cases_for(user).filter(state__in=sorted(OPEN_STATES)).values("region_code").annotate(n=Count("id"))
                .order_by())
    lengths = sorted({len(r["prefix"]) for r in regions}, reverse=True)
    known = {r["prefix"] for r in regions}
    out: Counter = Counter()
    for r in rows:
        for n in lengths:
            if r["region_code"][:n] in known:
                out[r["region_code"][:n]] += r["n"]
                break
    return dict(out)


def screen_data(user) -> dict:
    today = _today()
    periods = {"today": (today, today), "month": (today.replace(day=1), today), "year": (today.replace(month=1, day=1), today)}
    figs = {}
    for key, (s, e) in periods.items():
        values = fg.figures(fg.Filter(user, start=s, end=e), with_overdue_now=(key == "today")).as_dict()
        figs[key] = {name: values[name] for name in (*fg.KEY_FIGURES, "overdue_now") if name in values}
    month = fg.Filter(user, start=periods["month"][0], end=today)
    cats, _n1 = _safe(fg.by_category, month, "root")
    chans, _n2 = _safe(fg.by_channel, month)
    units, _n3 = _safe(fg.by_unit, month)
    units = sorted(units, key=fg.unit_rank)[:8]
    from zhili.cases.selectors import cases_for

    feed = [{"number": n, "title": t, "at": c.astimezone(SHANGHAI).strftime("%H:%M"), "date": c.astimezone(SHANGHAI).strftime("%m-%d"),
             "channel": fg.channel_label(ch), "state": st}
            for n, t, c, ch, st in cases_for(user).order_by("-created_at", "-id").values_list(
                "number", "title", "created_at", "channel", "state")[:12]]
    warns = [{"title": w.title, "level": w.level, "level_label": LEVEL_TAG.get(w.level, ("", ""))[0],
              "at": w.created_at.astimezone(SHANGHAI).strftime("%m-%d %H:%M")}
             for w in wn.warnings_for(user).filter(state__in=("new", "acknowledged"))[:8]]
    regions = map_regions(user)
    counts = open_per_region(user, regions)
    return {
        "now": timezone.now().astimezone(SHANGHAI).strftime("%Y-%m-%d %H:%M:%S"),
        "figures": figs,
        "labels": {name: fg.BY_NAME[name].label for name in fg.KEY_FIGURES} | {"overdue_now": fg.OVERDUE_NOW.label},
        "category": [{"name": r.label, "value": r.figures.received} for r in cats[:10]],
        "channel": [{"name": r.label, "value": r.figures.received} for r in chans],
        "units": [{"name": r.label, "received": r.figures.received, "on_time_rate": str(r.figures.on_time_rate),
                   "completion_rate": str(r.figures.completion_rate), "satisfaction_rate": str(r.figures.satisfaction_rate)}
                  for r in units],
        "feed": feed,
        "warnings": warns,
        "grids": {r["prefix"]: {"n": counts.get(r["prefix"], 0), "colour": colour(counts.get(r["prefix"], 0))} for r in regions},
        "legend": [{"from": n, "colour": c} for n, c in COLOURS],
        "open_total": sum(counts.values()),
    }


@dashboard
def screen(request):
    data = screen_data(request.user)
    regions = map_regions(request.user)
    short = {"received": "受理", "completed": "办结", "completion_rate": "办结率", "on_time_rate": "按期办结率",
             "satisfaction_rate": "满意率"}
    panels = [{"key": key, "label": label, "figs": [(n, data["figures"][key][n], short[n]) for n in fg.KEY_FIGURES]}
              for key, label in (("today", "今日"), ("month", "本月"), ("year", "本年"))]
    return render(request, "insight/screen.html", {"data": data, "regions": regions, "panels": panels,
                                                   "refresh_ms": REFRESH_MS})


@dashboard
def screen_json(request):
    resp = JsonResponse(screen_data(request.user), json_dumps_params={"ensure_ascii": False})
    resp["Cache-Control"] = "no-store"
    return resp
