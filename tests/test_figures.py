"""Each figure on hand-built cases (real services, so the rollups are real), with its exact value."""

import datetime as dt
from pathlib import Path

import pytest

from zhili.cases import rollups, services
from zhili.core.calendar import SHANGHAI
from zhili.core.errors import Invalid
from zhili.insight import figures as fg

pytestmark = pytest.mark.django_db

NOV = (dt.date(2026, 11, 1), dt.date(2026, 11, 30))
GRID_S1 = "370705001001001"
GRID_S2 = "370705002001001"


def at(month, day, hour=9, minute=0, year=2026):
    return dt.datetime(year, month, day, hour, minute, tzinfo=SHANGHAI)


def register(staff, cat, when, grid=GRID_S1, phone="13805360001", channel="window", **kw):
    return services.register_case(staff["clerk"], channel=channel, case_type=kw.pop("case_type", "dispute"), category=cat.code,
                                  description=kw.pop("description", "楼上漏水"), grid=grid, at=when,
                                  parties=[{"name": "张三", "phone": phone}], **kw)


def dispatch(staff, hall, case, when, unit="zjj"):
    services.act(staff["clerk"], case, "accept", now=when)
    services.act(staff["clerk"], case, "dispatch", {"lead_unit": hall[unit].pk}, now=when)


def finish(staff, case, submit, satisfaction="satisfied", solved=True, handler="zjj"):
    services.act(staff[handler], case, "submit_result", {"result": "已修好"}, now=submit)
    services.act(staff["clerk"], case, "check_pass", now=submit + dt.timedelta(hours=1))
    services.act(staff["clerk"], case, "callback", {"solved": solved, "satisfaction": satisfaction},
                 now=submit + dt.timedelta(hours=2))


@pytest.fixture
def three(staff, hall, categories):
    """A: dispatched Mon 2 Nov 10:00, extended, done Tue 10:00 (24 hours), satisfied, solved.
    B: same reporter (a repeat), dispatched Mon 10:00, done Wed 4 Nov 16:00 (54 h), basically satisfied.
    C: returned once, dispatched again Tue, signed late (Thu), result rejected by the resident (rework)."""
    a = register(staff, categories["neighbour"], at(11, 2))
    dispatch(staff, hall, a, at(11, 2, 10))
    services.act(staff["zjj"], a, "sign", now=at(11, 2, 11))
    services.act(staff["zjj"], a, "request_extension", {"days": 2, "reason": "需鉴定"}, now=at(11, 2, 12))
    services.act(staff["zjj_head"], a, "decide_extension", {"approve": True}, now=at(11, 2, 13))
    finish(staff, a, at(11, 3, 10))

    b = register(staff, categories["wages"], at(11, 2, 9, 30))
    dispatch(staff, hall, b, at(11, 2, 10))
    services.act(staff["zjj"], b, "sign", now=at(11, 2, 11))
    finish(staff, b, at(11, 4, 16), satisfaction="basic")

    c = register(staff, categories["leak"], at(11, 2, 9, 45), phone="13905360002")
    dispatch(staff, hall, c, at(11, 2, 10))
    services.act(staff["zjj"], c, "return", {"reason": "非本单位"}, now=at(11, 2, 11))
    services.act(staff["clerk"], c, "dispatch", {"lead_unit": hall["zjj"].pk}, now=at(11, 3, 10))
    services.act(staff["zjj"], c, "sign", now=at(11, 5, 10))
    finish(staff, c, at(11, 5, 15), satisfaction="unsatisfied", solved=False)
    assert rollups.check() == []
    return a, b, c


def test_each_figure_on_three_cases(three, staff):
    f = fg.figures(fg.Filter(staff["admin"], start=NOV[0], end=NOV[1]), now=at(11, 6))
    assert f.received == 3
    assert f.completed == 2
    assert str(f.completion_rate) == "66.67%" and f.completion_rate == fg.Rate(2, 3)
    assert str(f.on_time_rate) == "100.00%"
    assert str(f.satisfaction_rate) == "66.67%"  # (1 satisfied + 1 basic) / 3 callbacks
    assert (f.satisfaction_rate.numerator, f.satisfaction_rate.denominator) == (2, 3)
    assert str(f.resolution_rate) == "66.67%"  # 2 solved / 3 callbacks
    assert f.avg_handling_hours.value == 39.0 and str(f.avg_handling_hours) == "39.00"  # (24 + 54) / 2
    assert f.closed == 2  # A and B closed in November
    assert (f.due, str(f.on_time_rate)) == (2, "100.00%")  # A and B: results by their deadlines; C's result was undone
    assert str(f.return_rate) == "25.00%"  # C's first dispatch returned / 4 dispatches (C was dispatched twice)
    assert str(f.extension_rate) == "25.00%"  # A's dispatch / 4 dispatches
    assert str(f.rework_rate) == "0.00%"  # C was reworked but is open again: 0 of the 2 completed
    assert str(f.signing_timeliness) == "50.00%"  # A, B signed in time; C's first never signed, its second late
    assert str(f.repeat_rate) == "33.33%"  # B: the same reporter, same root category, within 30 days
    assert str(f.in_grid_rate) == "0.00%"
    assert f.overdue_ever == 0 and f.overdue_now == 0
    assert f.as_dict()["completion_rate"] == "66.67%"


def test_zero_cases_show_a_dash_for_every_rate(staff):
    f = fg.figures(fg.Filter(staff["admin"], start=NOV[0], end=NOV[1]))
    assert f.received == 0 and f.completed == 0 and f.overdue_now == 0
    for figure, value in f.rows():
        if figure.kind in ("rate", "hours"):
            assert str(value) == "—", figure.name
            assert value.value is None
    assert str(fg.Rate(0, 0)) == "—" and str(fg.Rate(0, 5)) == "0.00%" and str(fg.Rate(5, 5)) == "100.00%"
    assert str(fg.Rate(1081, 1091)) == "99.08%"


def test_in_grid_overdue_now_and_ever(staff, hall, categories):
    e = services.register_case(staff["grid"], channel="grid", case_type="dispute", category=categories["neighbour"].code,
                               description="邻里噪音", grid=GRID_S1, at=at(11, 9),
                               parties=[{"name": "王五", "phone": "13705360003"}])
    services.act(staff["grid"], e, "resolve_on_spot", {"result": "当场调解"}, now=at(11, 9, 10))
    services.act(staff["clerk"], e, "callback", {"solved": True, "satisfaction": "satisfied"}, now=at(11, 9, 12))
    late = register(staff, categories["leak"], at(11, 9), phone="13705360004", urgency="urgent", case_type="hazard")  # 24 h
    dispatch(staff, hall, late, at(11, 9, 10))
    services.act(staff["zjj"], late, "sign", now=at(11, 9, 11))
    stuck = register(staff, categories["leak"], at(11, 9), phone="13705360005", urgency="urgent", case_type="hazard")
    dispatch(staff, hall, stuck, at(11, 9, 10))
    finish(staff, late, at(11, 11, 10))  # after its 24-hour deadline
    flt = fg.Filter(staff["admin"], start=NOV[0], end=NOV[1])
    f = fg.figures(flt, now=at(11, 12))
    assert (f.received, f.completed) == (3, 2)
    assert str(f.in_grid_rate) == "50.00%"  # e / 2 completed
    assert (f.due, str(f.on_time_rate)) == (1, "0.00%")  # late was late; e, settled on the spot, had no deadline
    assert f.overdue_now == 1  # stuck is open and past due
    assert f.overdue_ever == 1  # the sweep has not marked stuck yet
    rollups.mark_overdue(now=at(11, 12))
    after = fg.figures(flt, now=at(11, 12))
    assert after.overdue_ever == 2
    assert (after.due, str(after.on_time_rate)) == (2, "0.00%")  # stuck, open past its deadline, fell due undone
    assert fg.figures(flt, now=at(11, 9, 12)).overdue_now == 0  # before the deadline


def test_scope_a_street_sees_its_street(staff, hall, categories):
    register(staff, categories["leak"], at(11, 2))
    register(staff, categories["leak"], at(11, 2), grid=GRID_S2, phone="13905360009")
    register(staff, categories["leak"], at(11, 3), grid=GRID_S2, phone="13905360008")
    whole = fg.Filter(staff["admin"], start=NOV[0], end=NOV[1])
    assert fg.figures(whole).received == 3
    assert fg.figures(fg.Filter(staff["street"], start=NOV[0], end=NOV[1])).received == 1
    assert fg.figures(fg.Filter(staff["street2"], start=NOV[0], end=NOV[1])).received == 2
    # asking for the other street gives nothing, not the other street's figures
    assert fg.figures(fg.Filter(staff["street"], region="370705002000", start=NOV[0], end=NOV[1])).received == 0
    assert fg.figures(fg.Filter(staff["street"], region="370705", start=NOV[0], end=NOV[1])).received == 1
    streets = fg.by_region(whole, "street")
    assert [(r.key, r.label, r.figures.received) for r in streets] == [("370705002", "大虞街道", 2), ("370705001", "东关街道", 1)]
    assert [r.key for r in fg.by_region(fg.Filter(staff["street"], start=NOV[0], end=NOV[1]), "street")] == ["370705001"]
    # a community user's figures come from the monthly grid table
    community = fg.figures(fg.Filter(staff["admin"], region="370705002001", start=NOV[0], end=NOV[1]))
    assert community.received == 2
    assert [(r.key, r.figures.received) for r in fg.by_region(whole, "community")] == [("370705002001", 2), ("370705001001", 1)]
    # nobody without a case scope sees figures
    from zhili.core.models import User

    sysadmin = User.objects.create(username="sysadm", role="sys_admin", region=staff["clerk"].region)
    assert fg.figures(fg.Filter(sysadmin)).received == 0
    assert fg.sums(fg.Filter(None))["received"] == 0


def test_unit_category_channel_and_trend(three, staff, hall, categories):
    period = dict(start=NOV[0], end=NOV[1])
    # a department's figures are its own unit's
    zjj = fg.figures(fg.Filter(staff["zjj"], **period))
    assert (zjj.received, zjj.completed) == (3, 2)
    assert fg.figures(fg.Filter(staff["gaj"], **period)).received == 0
    units = fg.by_unit(fg.Filter(staff["admin"], **period))
    assert [(r.label, r.figures.received, str(r.figures.on_time_rate)) for r in units] == [("住建局", 3, "100.00%")]
    # a category includes its sub-categories
    assert fg.figures(fg.Filter(staff["admin"], category="T", **period)).received == 2
    assert fg.figures(fg.Filter(staff["admin"], category="T.wages", **period)).received == 1
    roots = fg.by_category(fg.Filter(staff["admin"], **period), "root")
    assert [(r.key, r.label, r.figures.received) for r in roots] == [("T", "矛盾纠纷", 2), ("L.leak", "房屋漏水", 1)]
    leaves = fg.by_category(fg.Filter(staff["admin"], **period), "leaf")
    assert sorted((r.key, r.figures.received) for r in leaves) == [("L.leak", 1), ("T.neighbour", 1), ("T.wages", 1)]
    assert [(r.key, r.label, r.figures.received) for r in fg.by_channel(fg.Filter(staff["admin"], **period))] == [
        ("window", "窗口来访", 3)]
    assert fg.figures(fg.Filter(staff["admin"], channel="phone", **period)).received == 0
    days = fg.trend(fg.Filter(staff["admin"], start=dt.date(2026, 11, 1), end=dt.date(2026, 11, 4)))
    assert [(r.key, r.figures.received) for r in days] == [("2026-11-01", 0), ("2026-11-02", 3), ("2026-11-03", 0),
                                                          ("2026-11-04", 0)]
    months = fg.trend(fg.Filter(staff["admin"], start=dt.date(2026, 10, 1), end=NOV[1]), by="month")
    assert [(r.key, r.figures.received) for r in months] == [("2026-10", 0), ("2026-11", 3)]
    with pytest.raises(Invalid):
        fg.figures(fg.Filter(staff["admin"], unit=hall["zjj"].pk, category="T", **period))


def test_compare_month_on_month_and_year_on_year(staff, hall, categories):
    for i, when in enumerate([at(11, 3), at(11, 4), at(11, 5),  # this November: 3 received, 1 completed
                              at(10, 12), at(10, 13),  # October: 2
                              at(11, 10, year=2025), at(11, 11, year=2025), at(11, 12, year=2025), at(11, 13, year=2025)]):
        c = register(staff, categories["leak"], when, phone=f"1380536{i:04d}")
        if i in (0, 3, 4):
            dispatch(staff, hall, c, when + dt.timedelta(hours=1))
            services.act(staff["zjj"], c, "sign", now=when + dt.timedelta(hours=2))
            finish(staff, c, when + dt.timedelta(hours=3))
    cmp = fg.compare(fg.Filter(staff["admin"], start=NOV[0], end=NOV[1]))
    assert cmp.previous_period == (dt.date(2026, 10, 1), dt.date(2026, 10, 31))
    assert cmp.year_ago_period == (dt.date(2025, 11, 1), dt.date(2025, 11, 30))
    assert (cmp.current.received, cmp.previous.received, cmp.year_ago.received) == (3, 2, 4)
    assert str(cmp.mom("received")) == "+50.00%"
    assert str(cmp.yoy("received")) == "-25.00%"
    assert str(cmp.current.completion_rate) == "33.33%" and str(cmp.previous.completion_rate) == "100.00%"
    assert str(cmp.mom("completion_rate")) == "-66.67个百分点"
    assert str(cmp.year_ago.completion_rate) == "0.00%"  # 0 of 4: a value, not a dash
    assert str(cmp.yoy("completion_rate")) == "+33.33个百分点"


def test_periods():
    assert fg.previous_period(dt.date(2026, 3, 1), dt.date(2026, 3, 31)) == (dt.date(2026, 2, 1), dt.date(2026, 2, 28))
    assert fg.previous_period(dt.date(2026, 11, 10), dt.date(2026, 11, 16)) == (dt.date(2026, 11, 3), dt.date(2026, 11, 9))
    assert fg.year_before(dt.date(2028, 2, 1), dt.date(2028, 2, 29)) == (dt.date(2027, 2, 1), dt.date(2027, 2, 28))
    assert fg.year_before(dt.date(2028, 2, 29), dt.date(2028, 3, 5)) == (dt.date(2027, 2, 28), dt.date(2027, 3, 5))
    assert fg.period_label(dt.date(2026, 11, 1), dt.date(2026, 11, 30)) == "2026年11月"
    assert fg.period_label(dt.date(2026, 11, 1), dt.date(2026, 11, 26)) == "2026年11月1日至2026年11月26日"
    assert str(fg.Delta("rate", fg.Rate(1, 2), fg.Rate(0, 0))) == "—"
    assert str(fg.Delta("count", 5, 0)) == "—"
    assert str(fg.Delta("count", 4, 4)) == "±0.00%"
    assert str(fg.Delta("hours", fg.Average(7200, 1, 3600), fg.Average(3600, 1, 3600))) == "+1.00小时"


def test_metrics_doc_lists_every_figure():
    doc = (Path(__file__).resolve().parents[1] / "docs" / "metrics.md").read_text(encoding="utf-8")
    assert fg.metrics_markdown() in doc, "regenerate the table: python -c 'from zhili.insight.figures import metrics_markdown'"
    for figure in fg.FIGURES:
        assert f"`{figure.name}`" in doc and figure.label in doc


# ---------------------------------------------------------------- whole months from the monthly table

@pytest.fixture
def months(staff, hall, categories):
    """Cases either side of month and year edges (Shanghai time), in two streets, three channels and
    three categories; some dispatched and finished, one rejected."""
    spec = [((2025, 12, 31, 23, 30), "leak", "window", GRID_S1), ((2026, 1, 1, 0, 10), "neighbour", "phone", GRID_S1),
            ((2026, 1, 15, 9, 0), "wages", "window", GRID_S2), ((2026, 1, 31, 23, 50), "leak", "grid", GRID_S2),
            ((2026, 2, 1, 0, 5), "neighbour", "window", GRID_S1), ((2026, 2, 14, 12, 0), "leak", "phone", GRID_S2),
            ((2026, 2, 28, 22, 0), "wages", "grid", GRID_S1), ((2026, 3, 1, 8, 0), "leak", "window", GRID_S1),
            ((2026, 6, 15, 10, 0), "neighbour", "phone", GRID_S2), ((2026, 11, 2, 9, 0), "wages", "window", GRID_S1)]
    made = []
    for i, ((y, mo, d, h, mi), cat, channel, grid) in enumerate(spec):
        when = dt.datetime(y, mo, d, h, mi, tzinfo=SHANGHAI)
        case = register(staff, categories[cat], when, grid=grid, phone=f"1380536{i:04d}", channel=channel)
        if i % 3 == 0:
            dispatch(staff, hall, case, when + dt.timedelta(hours=1), unit="zjj" if i % 2 else "gaj")
            handler = "zjj" if i % 2 else "gaj"
            services.act(staff[handler], case, "sign", now=when + dt.timedelta(hours=2))
            finish(staff, case, when + dt.timedelta(hours=30), satisfaction="basic" if i % 2 else "satisfied",
                   handler=handler)
        elif i == 4:
            services.act(staff["clerk"], case, "reject", {"reason": "不属于受理范围", "proper_channel": "法院"},
                         now=when + dt.timedelta(hours=1))
        elif i % 3 == 1:
            dispatch(staff, hall, case, when + dt.timedelta(hours=1), unit="rsj")
        made.append(case)
    assert rollups.check() == []
    return made


RANGES = [(dt.date(2026, 1, 1), dt.date(2026, 12, 31)), (dt.date(2026, 1, 1), dt.date(2026, 3, 31)),
          (dt.date(2026, 1, 15), dt.date(2026, 2, 28)), (dt.date(2026, 1, 31), dt.date(2026, 2, 1)),
          (dt.date(2026, 2, 1), dt.date(2026, 2, 28)), (dt.date(2025, 12, 31), dt.date(2026, 1, 1)),
          (dt.date(2026, 1, 2), dt.date(2026, 6, 20)), (dt.date(2025, 12, 1), dt.date(2026, 11, 26)),
          (dt.date(2026, 2, 14), dt.date(2026, 2, 14)), (dt.date(2026, 3, 2), dt.date(2026, 2, 27)),
          (None, dt.date(2026, 2, 14)), (dt.date(2026, 2, 2), None), (None, None), (None, dt.date(2026, 1, 31)),
          # "today" is 26 November: up to today (or later) reads November as a whole month
          (dt.date(2026, 11, 1), dt.date(2026, 11, 26)), (dt.date(2026, 1, 1), dt.date(2026, 11, 26)),
          (dt.date(2026, 11, 2), dt.date(2026, 11, 26)), (dt.date(2026, 10, 15), dt.date(2026, 12, 10)),
          (dt.date(2026, 11, 1), dt.date(2026, 11, 25))]
TODAY = dt.date(2026, 11, 26)


def _answers(f: fg.Filter) -> dict:
    def rows(rs):
        return [(r.key, r.label, dict(r.figures.counters)) for r in rs]

    out = {"sums": fg.sums(f), "category_root": rows(fg.by_category(f, "root")), "category_leaf": rows(fg.by_category(f, "leaf")),
           "channel": rows(fg.by_channel(f)), "streets": rows(fg.by_region(f, "street")),
           "heat": {k: rows(v) for k, v in fg.by_street_category(f).items()}}
    if f.start and f.end:
        out["trend_month"] = rows(fg.trend(f, by="month"))
        out["trend_day"] = rows(fg.trend(f, by="day"))
        if f.start <= f.end:
            cmp = fg.compare(f, now=at(11, 26))
            out["compare"] = (dict(cmp.current.counters), dict(cmp.previous.counters), dict(cmp.year_ago.counters))
    return out


def test_months_from_the_monthly_table_equal_days_from_the_daily_table(months, staff, monkeypatch):
    """The split answer (whole months from MonthlyStreetRollup, edge days from DailyStreetRollup) is
    exactly the single-table answer, for aligned, unaligned, one-day, empty and open-ended periods."""
    monkeypatch.setattr(fg.filters, "today", lambda: TODAY)
    seen_received = set()
    for start, end in RANGES:
        for extra in ({}, {"region": "370705002000"}, {"category": "T"}, {"channel": "window"}):
            f = fg.Filter(staff["admin"], start=start, end=end, **extra)
            monkeypatch.setattr(fg.filters, "SPLIT_MONTHS", True)
            split = _answers(f)
            monkeypatch.setattr(fg.filters, "SPLIT_MONTHS", False)
            single = _answers(f)
            assert split == single, (start, end, extra)
            seen_received.add(split["sums"]["received"])
    assert len(seen_received) > 4  # the ranges do tell the cases apart
    monkeypatch.setattr(fg.filters, "SPLIT_MONTHS", True)
    year = fg.Filter(staff["admin"], start=dt.date(2026, 1, 1), end=dt.date(2026, 12, 31))
    assert fg.sums(year)["received"] == 8  # ten registered: one in 2025, one rejected
    heat = fg.by_street_category(year)
    for street in ("370705001", "370705002"):
        one = fg.by_category(fg.Filter(staff["admin"], region=street + "000", start=year.start, end=year.end))
        assert [(r.key, r.figures.counters) for r in heat[street]] == [(r.key, r.figures.counters) for r in one]
    assert fg.month_split(dt.date(2026, 1, 15), dt.date(2026, 3, 10)) == (
        dt.date(2026, 2, 1), dt.date(2026, 2, 1), [(dt.date(2026, 1, 15), dt.date(2026, 1, 31)),
                                                   (dt.date(2026, 3, 1), dt.date(2026, 3, 10))])
    assert fg.month_split(dt.date(2026, 1, 15), dt.date(2026, 2, 10)) is None
    assert fg.month_split(dt.date(2026, 11, 1), dt.date(2026, 11, 26), today=TODAY) == (
        dt.date(2026, 11, 1), dt.date(2026, 11, 1), [])
    assert fg.month_split(dt.date(2026, 11, 1), dt.date(2026, 11, 25), today=TODAY) is None


def test_a_year_reads_only_the_monthly_table(months, staff, monkeypatch):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    monkeypatch.setattr(fg.filters, "today", lambda: TODAY)
    year = fg.Filter(staff["admin"], start=dt.date(2026, 1, 1), end=dt.date(2026, 12, 31))
    to_date = fg.Filter(staff["admin"], start=dt.date(2026, 1, 1), end=TODAY)
    fg.sums(year)  # the scope's region lookup and the like, once
    for call in (lambda: fg.sums(year), lambda: fg.by_channel(year), lambda: fg.by_region(year, "street"),
                 lambda: fg.trend(year, by="month"), lambda: fg.sums(to_date),
                 lambda: fg.by_category(to_date.period(dt.date(2026, 11, 1), TODAY))):
        with CaptureQueriesContext(connection) as q:
            call()
        rollup_sql = [x["sql"] for x in q.captured_queries if "rollup" in x["sql"]]
        assert len(rollup_sql) == 1 and "insight_monthlystreetrollup" in rollup_sql[0], rollup_sql
    with CaptureQueriesContext(connection) as q:
        fg.sums(year.period(dt.date(2026, 1, 10), dt.date(2026, 12, 31)))
    tables = sorted("daily" if "insight_dailystreetrollup" in x["sql"] else "monthly"
                    for x in q.captured_queries if "rollup" in x["sql"])
    assert tables == ["daily", "monthly"]


def test_unit_figures_under_a_street_filter(months, staff, hall):
    period = dict(start=dt.date(2026, 1, 1), end=dt.date(2026, 12, 31))
    whole = {r.label: r.figures.received for r in fg.by_unit(fg.Filter(staff["admin"], **period))}
    s1 = {r.label: r.figures.received for r in fg.by_unit(fg.Filter(staff["admin"], region="370705001000", **period))}
    s2 = {r.label: r.figures.received for r in fg.by_unit(fg.Filter(staff["admin"], region="370705002000", **period))}
    assert whole == {"住建局": 2, "公安分局": 1, "人社局": 2}
    assert s1 == {"住建局": 1, "公安分局": 1, "人社局": 2} and s2 == {"住建局": 1}
    # a street user's ranking is its street's; a unit's figures split by street
    assert {r.label: r.figures.received for r in fg.by_unit(fg.Filter(staff["street"], **period))} == s1
    zjj = fg.Filter(staff["admin"], unit=hall["zjj"].pk, **period)
    assert fg.figures(zjj).received == 2
    assert fg.figures(fg.Filter(staff["admin"], unit=hall["zjj"].pk, region="370705002000", **period)).received == 1
    assert [(r.key, r.figures.received) for r in fg.by_region(zjj, "street")] == [("370705001", 1), ("370705002", 1)]
    with pytest.raises(Invalid, match="unit"):
        fg.figures(fg.Filter(staff["admin"], unit=hall["zjj"].pk, region="370705001001", **period))
    with pytest.raises(Invalid):
        fg.by_region(zjj, "community")


def test_overdue_now_from_the_deadline_rollup_equals_the_count(staff, hall, categories):
    """For the district and a street "overdue now" comes from DueRollup (the days before today) and
    today's past deadlines; it must equal counting the open cases past their deadline, whatever the
    hour, as deadlines pass, cases are suspended and completed."""
    from zhili.cases.models import Case
    from zhili.cases.rollups import DueRollup
    from zhili.cases.workflow import CLOCK_STATES

    cases = []
    for i in range(6):  # urgent hazards: 24-hour deadlines from dispatch, dispatched 2 hours apart
        c = register(staff, categories["leak"], at(11, 9), phone=f"1370536010{i}", urgency="urgent", case_type="hazard",
                     grid=GRID_S1 if i % 2 else GRID_S2)
        dispatch(staff, hall, c, at(11, 9, 8 + i * 2))
        services.act(staff["zjj"], c, "sign", now=at(11, 9, 9 + i * 2))
        cases.append(c)
    services.act(staff["admin"], cases[1], "suspend", {"reason": "等待鉴定"}, now=at(11, 9, 20))
    finish(staff, cases[2], at(11, 10, 9))
    assert DueRollup.objects.exists() and rollups.check() == []

    def counted(now, prefix=""):
        return Case.objects.filter(state__in=CLOCK_STATES, due_at__lt=now, region_code__startswith=prefix).count()

    for now in (at(11, 9, 23), at(11, 10, 7), at(11, 10, 12), at(11, 10, 18), at(11, 10, 23, 59), at(11, 11, 9), at(12, 1)):
        for who, prefix in (("admin", ""), ("street", GRID_S1[:9])):
            got = fg.overdue_now(fg.Filter(staff[who], start=NOV[0], end=NOV[1]), now)
            assert got == counted(now, prefix), (who, now)
    # the next morning every running deadline has passed: cases 0, 3, 4 and 5 (1 is suspended, 2 done)
    assert fg.overdue_now(fg.Filter(staff["admin"]), at(11, 11, 9)) == 4
    # a filter DueRollup does not keep (a category) is counted from the cases: the same answer
    assert fg.overdue_now(fg.Filter(staff["admin"], category=categories["leak"].code), at(11, 11, 9)) == 4
