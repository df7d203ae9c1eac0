"""The tables of the analysis page — trend, categories, channels, category × street, units,
satisfaction, recurring matters, similar-complaint clusters, the hotspot map — each the rows of the
page, the data of its chart and the sheet of its Excel export, from the figure functions."""

from __future__ import annotations

from collections import Counter

from django.http import Http404

from .. import calibers as cb
from .. import figures as fg
from .base import safe
from .filterbar import filtered_cases

#: the most cells the hotspot map draws (a district has about a hundred at resolution 8, keys.HEX_RES)
HEX_CAP = 5_000
TOP = 10


# ---------------------------------------------------------------- the tables (page, chart and Excel share them)

class Table:
    def __init__(self, name: str, title: str, header: list[str], rows: list[list], note: str = "", chart: dict | None = None):
        self.name, self.title, self.header, self.rows, self.note, self.chart = name, title, header, rows, note, chart or {}

    @property
    def cols(self) -> list[tuple[str, str]]:
        """(header, tooltip): a column named after a figure carries its 口径."""
        return [(h, cb.tip(f.name) if (f := cb.by_label(h)) else "") for h in self.header]

    def figures(self) -> list[fg.Figure]:
        """The figures this table shows, by its header or its first column (the key-figure table)."""
        return cb.named_in([*self.header, *(r[0] for r in self.rows if r)])


def L(name: str) -> str:  # noqa: N802 - a figure's label, as a column title
    return cb.label(name)


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
    rows, note = safe(fg.trend, f, by)
    if by == "day" and rows and len(rows[0].key) == 7:  # a community's or grid's figures are kept per month
        by, note = "month", note or "社区和网格的统计按月汇总"
    return Table("trend", "受理与办结趋势（按日）" if by == "day" else "受理与办结趋势（按月）",
                 ["日期" if by == "day" else "月份", L("received"), L("closed"), L("completed"), L("completion_rate")],
                 [[r.label, r.figures.received, r.figures.closed, r.figures.completed, str(r.figures.completion_rate)]
                  for r in rows], note,
                 {"type": "trend", "x": [r.label for r in rows], "names": [L("received"), L("closed")],
                  "received": [r.figures.received for r in rows], "completed": [r.figures.closed for r in rows]})


def table_category(f: fg.Filter) -> Table:
    rows, note = safe(fg.by_category, f, "root")
    return Table("category", "诉求类别", ["类别", L("received"), L("completed"), L("completion_rate"), L("on_time_rate"),
                                      L("satisfaction_rate")],
                 [[r.label, r.figures.received, r.figures.completed, str(r.figures.completion_rate),
                   str(r.figures.on_time_rate), str(r.figures.satisfaction_rate)] for r in rows], note,
                 {"type": "bar", "x": [r.label for r in rows], "y": [r.figures.received for r in rows]})


def table_channel(f: fg.Filter) -> Table:
    rows, note = safe(fg.by_channel, f)
    total = sum(r.figures.received for r in rows)
    return Table("channel", "来源渠道", ["渠道", L("received"), "占比"],
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
    by_street, note = safe(fg.by_street_category, f, "root")
    if not f.region:  # the cases no street holds, as a column of their own (the streets add up to the district)
        streets = streets + [{"prefix": k, "name": fg.UNPLACED} for k in sorted(by_street or {}) if fg.unplaced(k)]
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
    rows, note = safe(fg.by_unit, f)
    rows = sorted(rows, key=fg.unit_rank)
    return Table("units", f"责任单位排名（按{L('on_time_rate')}）",
                 ["名次", "单位", L("received"), L("due"), L("on_time_rate"), L("completion_rate"), L("satisfaction_rate")],
                 [[i, r.label, r.figures.received, r.figures.due, str(r.figures.on_time_rate),
                   str(r.figures.completion_rate), str(r.figures.satisfaction_rate)] for i, r in enumerate(rows, 1)], note)


def table_satisfaction(cur: fg.Figures) -> Table:
    c = cur.counters
    parts = [("满意", c.get("satisfied", 0)), ("基本满意", c.get("basic", 0)), ("不满意", c.get("unsatisfied", 0))]
    rows = [[label, n, str(fg.Rate(n, c.get("callbacks", 0)))] for label, n in parts]
    rows.append(["回访评价次数", c.get("callbacks", 0), ""])
    rows.append([L("satisfaction_rate"), "", str(cur.satisfaction_rate)])
    rows.append([L("resolution_rate"), c.get("solved", 0), str(cur.resolution_rate)])
    return Table("satisfaction", "满意度构成", ["回访结果", "次数", "占回访评价次数"], rows,
                 "每一次回访评价都计入（不满意重办后再次回访的，前后两次都计）；满意率 =（满意 + 基本满意）÷ 回访评价次数。",
                 {"type": "pie", "items": [{"name": label, "value": n} for label, n in parts]})


def table_recurring(f: fg.Filter, field: str) -> Table:
    """Titles or addresses that several cases share (normalised: spaces, punctuation and full-width
    forms do not count), by whole months (``figures.recurring``)."""
    rows, note = safe(fg.recurring, f, field, 2, TOP)
    note = "；".join(n for n in (note, fg.months_note(f) if rows else "") if n)
    title = "反复反映的事项" if field == "title" else "反复反映的地点"
    return Table(f"recurring_{field}", title, ["事项" if field == "title" else "地址", "件数"],
                 [[text, n] for text, n in rows], note)


def table_clusters(f: fg.Filter) -> Table:
    """Clusters of similar complaints among the filter's most recent cases (:mod:`clusters`)."""
    from zhili.core.models import Region

    from .. import clusters as cl

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

    counts, note = safe(fg.by_cell, f)
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
