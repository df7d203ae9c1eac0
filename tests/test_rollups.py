"""Rollups stay equal to a raw recount, whatever sequence of case actions happens."""

import datetime as dt
from collections import Counter

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from zhili.cases import rollups, services
from zhili.cases.models import Case
from zhili.cases.rollups import DailyStreetRollup, DailyUnitRollup, MonthlyStreetRollup, RegionRollup
from zhili.cases.workflow import OPEN_STATES
from zhili.core.errors import ZhiliError

pytestmark = pytest.mark.django_db

WHO = {"accept": "clerk", "reject": "clerk", "resolve_on_spot": "clerk", "dispatch": "clerk", "transfer": "clerk",
       "sign": None, "return": None, "progress": None, "record_part": None, "request_extension": None,
       "decide_extension": "admin", "suspend": "admin", "resume": "admin", "submit_result": None,
       "check_pass": "clerk", "check_fail": "clerk", "callback": "clerk", "archive": "clerk", "supervise": "admin",
       "urge": "clerk", "hold_meeting": "admin", "assess_risk": "admin", "record_mediation": "mediator",
       "record_agreement": "mediator", "mediation_failed": "mediator", "follow_up": "mediator", "merge": "clerk"}


def _data(name, hall, draw_bool, master=None):
    return {
        "reject": {"reason": "不属于受理范围", "proper_channel": "法院"}, "resolve_on_spot": {"result": "当场解决"},
        "dispatch": {"lead_unit": hall["zjj"].pk, "cooperating_units": [hall["gaj"].pk]},
        "transfer": {"lead_unit": hall["rsj"].pk, "reason": "涉及工资"}, "return": {"reason": "非本单位"},
        "progress": {"comment": "联系当事人"}, "record_part": {"part": "配合"},
        "request_extension": {"days": 2, "reason": "需鉴定"}, "decide_extension": {"approve": draw_bool},
        "suspend": {"reason": "等待"}, "submit_result": {"result": "已处理"}, "check_fail": {"reason": "不完整"},
        "callback": {"solved": draw_bool, "satisfaction": "satisfied" if draw_bool else "unsatisfied"},
        "supervise": {"card": "yellow", "comment": "抓紧"}, "urge": {"comment": "尽快"},
        "hold_meeting": {"held_at": "2026-11-20T09:00", "attendees": "各单位", "units": [hall["zjj"].pk],
                         "decisions": "住建牵头", "lead_unit": hall["zjj"].pk, "deadline": "2026-12-20T18:00"},
        "assess_risk": {"level": "low", "analysis": "低", "measures": "回访"},
        "record_mediation": {"held_at": "2026-11-20T10:00", "venue": "和为贵调解室", "parties_present": "双方", "notes": "调解"},
        "mediation_failed": {"remedies": "诉讼"}, "merge": {"master": master or ""},
    }.get(name, {})


@settings(max_examples=12, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow])
@given(steps=st.lists(st.tuples(st.integers(0, 5), st.integers(0, 30), st.booleans(), st.integers(-20, 40)),
                      min_size=5, max_size=40))
def test_rollups_equal_a_raw_recount(staff, hall, categories, steps):
    tiers = ["simple", "complex", "major"]
    for i in range(3):
        services.register_case(staff["clerk"], channel=["window", "phone", "grid"][i], case_type="dispute",
                               category=categories["neighbour"].code if i % 2 else categories["leak"].code,
                               description="漏水纠纷", tier=tiers[i], lon=119.105 + i * 0.01, lat=36.705,
                               parties=[{"name": "张三", "phone": f"1380536000{i}"}, {"name": "李四", "phone": "13905360000", "role": "respondent"}])
    now0 = dt.datetime(2026, 11, 10, 9, tzinfo=dt.UTC)
    for case_ix, action_ix, flag, hours in steps:
        cases = list(Case.objects.order_by("pk"))
        case = cases[case_ix % len(cases)]
        options = []
        for who in ("clerk", "admin", "mediator", "zjj", "rsj", "gaj", "zjj_head"):
            for a in services.available_actions(staff[who], case):
                options.append((who, a.name))
        if not options:
            continue
        who, name = options[action_ix % len(options)]
        other = next((c.number for c in cases if c.pk != case.pk and c.state in ("registered", "accepted", "dispatched", "handling")), None)
        try:
            services.act(staff[who], case, name, _data(name, hall, flag, other), now=now0 + dt.timedelta(hours=hours * 24))
        except ZhiliError:
            pass  # a refused action changes nothing
        if hours > 30:
            rollups.mark_overdue(now=now0 + dt.timedelta(days=60))
    assert rollups.check() == []
    assert DailyStreetRollup.objects.exists() and MonthlyStreetRollup.objects.exists()
    # the monthly street rows are the daily ones added up by month
    monthly = {(r["month"], r["street_code"], r["category_id"], r["channel"]): r["received"]
               for r in MonthlyStreetRollup.objects.values("month", "street_code", "category_id", "channel", "received")}
    by_month: dict = {}
    for r in DailyStreetRollup.objects.values("day", "street_code", "category_id", "channel", "received"):
        k = (r["day"].replace(day=1), r["street_code"], r["category_id"], r["channel"])
        by_month[k] = by_month.get(k, 0) + r["received"]
    assert monthly == by_month
    assert set(DailyUnitRollup.objects.values_list("street_code", flat=True)) <= {"370705001", "370705002"}
    # open now = received − completed, per region
    open_now = Counter(Case.objects.filter(state__in=OPEN_STATES).values_list("region_code", flat=True))
    assert {r: rec - done for r, rec, done in RegionRollup.objects.values_list("region_code", "received", "completed")
            if rec - done} == dict(open_now)


def test_rebuild_restores_what_was_lost(staff, hall, categories):
    case = services.register_case(staff["clerk"], channel="window", case_type="dispute", category=categories["leak"].code,
                                  description="漏水", lon=119.105, lat=36.705, parties=[{"name": "张三", "phone": "13805360001"}])
    services.act(staff["clerk"], case, "accept")
    services.act(staff["clerk"], case, "dispatch", {"lead_unit": hall["zjj"].pk})
    assert rollups.check() == []
    DailyUnitRollup.objects.all().update(received=99)
    problems = rollups.check()
    assert problems and "DailyUnitRollup" in problems[0] and "received" in problems[0]
    rollups.rebuild()
    assert rollups.check() == []
    MonthlyStreetRollup.objects.all().delete()
    problems = rollups.check()
    assert problems and problems[0].startswith("MonthlyStreetRollup")
    rollups.rebuild()
    assert rollups.check() == [] and MonthlyStreetRollup.objects.count() == 1
    assert list(DailyUnitRollup.objects.values_list("unit_id", "street_code")) == [(hall["zjj"].pk, "370705001")]


def test_the_overdue_sweep_does_not_mark_a_suspended_case(staff, hall, categories):
    """Issue #12: a suspended case's clock is stopped. Suspended two days before its deadline, the
    sweep runs past the old deadline while it waits (before: it was marked overdue for good); resumed,
    its deadline moves by the ten days suspended, and finished within it the case is on time and
    counted nowhere as overdue. A case suspended after its deadline had passed is still marked."""
    from django.db.models import Sum

    from zhili.cases.models import DeadlinePolicy
    from zhili.core.calendar import SHANGHAI

    def at(d, h=9):
        return dt.datetime(2026, 11, d, h, tzinfo=SHANGHAI)

    DeadlinePolicy.objects.all().delete()
    DeadlinePolicy.objects.create(name="7天", handle_value=7, handle_unit="d", sign_value=1, sign_unit="d")

    def handling(phone, lon):
        case = services.register_case(staff["clerk"], channel="window", case_type="dispute", category=categories["leak"].code,
                                      description="楼上漏水", lon=lon, lat=36.705, at=at(2),
                                      parties=[{"name": "张三", "phone": phone}])
        services.act(staff["clerk"], case, "accept", now=at(2))
        services.act(staff["clerk"], case, "dispatch", {"lead_unit": hall["zjj"].pk}, now=at(2))
        return services.act(staff["zjj"], case, "sign", now=at(2, 10)).case

    waiting, late = handling("13805360001", 119.105), handling("13805360002", 119.145)  # street 001, street 002
    assert waiting.due_at == late.due_at == at(9)
    services.act(staff["zjj_head"], waiting, "suspend", {"reason": "等待司法鉴定"}, now=at(7))  # two days left
    services.act(staff["zjj_head"], late, "suspend", {"reason": "等待司法鉴定"}, now=at(10))  # a day late already
    assert rollups.mark_overdue(now=at(12)) == 1  # past the old deadline: only the case that was late
    assert (Case.objects.get(pk=waiting.pk).was_overdue, Case.objects.get(pk=late.pk).was_overdue) == (False, True)

    resumed = services.act(staff["zjj_head"], waiting, "resume", now=at(17)).case
    assert resumed.due_at == at(19)  # 9 November + the ten days suspended
    assert rollups.mark_overdue(now=at(18)) == 0
    services.act(staff["zjj"], waiting, "submit_result", {"result": "已修复"}, now=at(18, 15))
    services.act(staff["clerk"], waiting, "check_pass", now=at(18, 16))
    services.act(staff["clerk"], waiting, "callback", {"solved": True, "satisfaction": "satisfied"}, now=at(18, 17))
    assert rollups.mark_overdue(now=at(25)) == 0
    done = Case.objects.get(pk=waiting.pk)
    assert (done.state, done.on_time, done.was_overdue) == ("closed", True, False)
    assert not any(c.get("overdue_ever") for _day, _unit, c in rollups.contribution(done))
    # the counters: the on-time case's street counts nothing as ever overdue, the late one's one; equal to a recount
    for model in (DailyStreetRollup, MonthlyStreetRollup, DailyUnitRollup):
        ever = dict(model.objects.values_list("street_code").annotate(n=Sum("overdue_ever")).order_by())
        assert ever == {"370705001": 0, "370705002": 1}, model
    assert dict(RegionRollup.objects.values_list("region_code", "overdue_ever")) == {done.region_code: 0, late.region_code: 1}
    assert rollups.check() == []
