"""Each definition of issue #12 on a timeline where the old definition and the new one give
different numbers (decision 0006): every verdict counts; an open overdue case lowers its unit's
按期办结率 and ranking; a return is charged to the unit that returned; a community counts the exact
dates asked; 期内办结 by close date; 无法联系 after the set attempts; natural hours."""

import datetime as dt

import pytest
import time_machine
from django.test import override_settings

from zhili.cases import rollups, services
from zhili.cases.models import Case
from zhili.core.calendar import SHANGHAI
from zhili.insight import figures as fg

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def december():
    """The clock after every timeline here (1 December 2026, noon): "today" never falls inside them."""
    with time_machine.travel(dt.datetime(2026, 12, 1, 12, tzinfo=SHANGHAI), tick=False):
        yield

NOV = (dt.date(2026, 11, 1), dt.date(2026, 11, 30))
GRID = "370705001001001"
COMMUNITY = "370705001001"


def at(month, day, hour=9, minute=0):
    return dt.datetime(2026, month, day, hour, minute, tzinfo=SHANGHAI)


def register(staff, categories, when, phone="13805360001", **kw):
    return services.register_case(staff["clerk"], channel="window", case_type=kw.pop("case_type", "dispute"),
                                  category=categories[kw.pop("cat", "leak")].code, description="楼上漏水", grid=GRID,
                                  at=when, parties=[{"name": "张三", "phone": phone}], **kw)


def dispatched(staff, hall, case, when, unit="zjj"):
    services.act(staff["clerk"], case, "accept", now=when)
    services.act(staff["clerk"], case, "dispatch", {"lead_unit": hall[unit].pk}, now=when)
    services.act(staff[unit], case, "sign", now=when + dt.timedelta(minutes=30))


def result(staff, case, when, unit="zjj", satisfaction="satisfied", solved=True):
    services.act(staff[unit], case, "submit_result", {"result": "已处理"}, now=when)
    services.act(staff["clerk"], case, "check_pass", now=when + dt.timedelta(hours=1))
    services.act(staff["clerk"], case, "callback", {"solved": solved, "satisfaction": satisfaction},
                 now=when + dt.timedelta(hours=2))


def november(staff, **kw):
    return fg.figures(fg.Filter(staff["admin"], start=NOV[0], end=NOV[1], **kw), now=at(11, 30, 18))


def test_every_verdict_counts_an_unsatisfied_then_redone_case(staff, hall, categories):
    case = register(staff, categories, at(11, 2))
    dispatched(staff, hall, case, at(11, 2, 10))
    result(staff, case, at(11, 3, 10), satisfaction="unsatisfied", solved=False)  # reopened: rework
    result(staff, case, at(11, 4, 10))
    case = Case.objects.get(pk=case.pk)
    assert (case.state, case.satisfaction, case.rework_count) == ("closed", "satisfied", 1)  # the last verdict: 100%
    f = november(staff)
    assert (f.satisfaction_rate.numerator, f.satisfaction_rate.denominator) == (1, 2)
    assert str(f.satisfaction_rate) == "50.00%" and str(f.resolution_rate) == "50.00%"
    assert str(f.rework_rate) == "100.00%"  # completed after a rework / completed
    assert rollups.check() == []


def test_an_open_overdue_case_lowers_its_units_rate_and_ranking(staff, hall, categories):
    """住建局: one on time, one open past its deadline. 公安分局: two on time, one late. By 按期办结/办结 住建局
    led (100% against 66.67%); by 按期办结/应办结 it is 50%, behind."""
    urgent = {"urgency": "urgent", "case_type": "hazard"}  # handle within 24 hours
    ok = register(staff, categories, at(11, 2), phone="13805360011", **urgent)
    dispatched(staff, hall, ok, at(11, 2, 10))
    result(staff, ok, at(11, 2, 16))
    stuck = register(staff, categories, at(11, 2), phone="13805360012", **urgent)
    dispatched(staff, hall, stuck, at(11, 2, 10))
    for i, late in enumerate((False, False, True)):
        case = register(staff, categories, at(11, 2), phone=f"1380536002{i}", **urgent)
        dispatched(staff, hall, case, at(11, 2, 10), unit="gaj")
        result(staff, case, at(11, 4, 10) if late else at(11, 2, 16), unit="gaj")
    rollups.mark_overdue(now=at(11, 5))
    rows = {r.label: r.figures for r in fg.by_unit(fg.Filter(staff["admin"], start=NOV[0], end=NOV[1]))}
    zjj, gaj = rows["住建局"], rows["公安分局"]
    assert (zjj.completed, zjj.due, str(zjj.on_time_rate)) == (1, 2, "50.00%")
    assert (gaj.completed, gaj.due, str(gaj.on_time_rate)) == (3, 3, "66.67%")
    ranked = sorted(fg.by_unit(fg.Filter(staff["admin"], start=NOV[0], end=NOV[1])), key=fg.unit_rank)
    assert [r.label for r in ranked] == ["公安分局", "住建局"]
    assert str(november(staff).on_time_rate) == "60.00%"  # 3 on time of the 5 that fell due
    assert rollups.check() == []


def test_a_return_is_charged_to_the_unit_that_returned(staff, hall, categories):
    case = register(staff, categories, at(11, 2))
    services.act(staff["clerk"], case, "accept", now=at(11, 2, 10))
    services.act(staff["clerk"], case, "dispatch", {"lead_unit": hall["gaj"].pk}, now=at(11, 2, 10))
    services.act(staff["gaj"], case, "return", {"reason": "非本单位职责"}, now=at(11, 2, 11))
    services.act(staff["clerk"], case, "dispatch", {"lead_unit": hall["zjj"].pk}, now=at(11, 2, 14))
    services.act(staff["zjj"], case, "sign", now=at(11, 2, 15))
    result(staff, case, at(11, 3, 10))
    assert Case.objects.get(pk=case.pk).lead_unit_id == hall["zjj"].pk  # the unit that leads it now did not return it
    rows = {r.label: r.figures for r in fg.by_unit(fg.Filter(staff["admin"], start=NOV[0], end=NOV[1]))}
    assert (rows["公安分局"].counters["dispatched"], str(rows["公安分局"].return_rate)) == (1, "100.00%")
    assert (rows["住建局"].counters["dispatched"], str(rows["住建局"].return_rate)) == (1, "0.00%")
    assert str(rows["公安分局"].signing_timeliness) == "0.00%" and str(rows["住建局"].signing_timeliness) == "100.00%"
    assert rows["住建局"].received == 1 and rows["公安分局"].received == 0  # the case is the lead unit's
    assert str(november(staff).return_rate) == "50.00%"  # one of the two dispatches was returned
    assert rollups.check() == []


def test_a_community_counts_the_exact_dates_asked(staff, hall, categories):
    for i, day in enumerate((2, 9, 15, 20, 28)):
        register(staff, categories, at(11, day), phone=f"1380536003{i}")
    community = fg.Filter(staff["admin"], region=COMMUNITY, start=dt.date(2026, 11, 10), end=dt.date(2026, 11, 20))
    assert fg.figures(community).received == 2  # the 15th and the 20th, not the whole month's 5
    assert [r.figures.received for r in fg.by_region(community, "grid")] == [2]
    trend = fg.trend(community, "day")
    assert len(trend) == 11 and sum(r.figures.received for r in trend) == 2
    cmp = fg.compare(community)
    assert cmp.previous_period == (dt.date(2026, 10, 30), dt.date(2026, 11, 9))  # the same number of days before
    assert cmp.previous.received == 2  # the 2nd and the 9th, not October's whole month added
    assert fg.figures(fg.Filter(staff["admin"], region=COMMUNITY, start=NOV[0], end=NOV[1])).received == 5


def test_closed_in_the_period_by_its_close_date(staff, hall, categories):
    case = register(staff, categories, at(10, 28))
    dispatched(staff, hall, case, at(10, 28, 10))
    result(staff, case, at(11, 3, 10))
    oct_ = fg.figures(fg.Filter(staff["admin"], start=dt.date(2026, 10, 1), end=dt.date(2026, 10, 31)))
    nov = november(staff)
    assert (oct_.received, oct_.completed, oct_.closed) == (1, 1, 0)  # registered in October, completed by now
    assert (nov.received, nov.completed, nov.closed) == (0, 0, 1)  # closed in November


@override_settings(ZHILI_CALLBACK_ATTEMPTS=3)
def test_unreachable_after_the_set_attempts_closes_with_its_own_count(staff, hall, categories):
    case = register(staff, categories, at(11, 2))
    dispatched(staff, hall, case, at(11, 2, 10))
    services.act(staff["zjj"], case, "submit_result", {"result": "已处理"}, now=at(11, 3, 10))
    services.act(staff["clerk"], case, "check_pass", now=at(11, 3, 11))
    for day in (4, 5):
        services.act(staff["clerk"], case, "callback_failed", {"comment": "无人接听"}, now=at(11, day, 10))
        assert Case.objects.get(pk=case.pk).state == "callback"
    last = services.act(staff["clerk"], case, "callback_failed", {"comment": "空号"}, now=at(11, 6, 10))
    assert (last.case.state, last.case.unreachable, last.event.data["attempt"]) == ("closed", True, 3)
    f = november(staff)
    assert (f.completed, f.closed, f.unreachable, f.satisfaction_rate.denominator) == (1, 1, 1, 0)
    assert str(f.satisfaction_rate) == "—"  # no verdict was given
    assert rollups.check() == []


def test_the_handling_time_is_in_natural_hours(staff, hall, categories):
    case = register(staff, categories, at(11, 6, 16))  # Friday
    dispatched(staff, hall, case, at(11, 6, 17))
    result(staff, case, at(11, 9, 9))  # Monday: 64 hours later (16 of them working hours, 31 by the old count)
    f = november(staff)
    assert str(f.avg_handling_hours) == "64.00"
    assert fg.BY_NAME["avg_handling_hours"].label == "平均办理时长（自然小时）"
