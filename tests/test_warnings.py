"""Early warning: every rule fires at its threshold and not one below it; a second sweep raises
nothing; acknowledging and handling are scoped and audited."""

import datetime as dt

import pytest

from zhili.cases import services
from zhili.cases.models import Notification
from zhili.cases.rollups import DailyUnitRollup
from zhili.core.calendar import SHANGHAI
from zhili.core.errors import Forbidden, Invalid, NotFound
from zhili.core.models import AuditEvent
from zhili.insight import warnings as wn
from zhili.insight.models import Warning, WarningRule

pytestmark = pytest.mark.django_db

GRID_S1 = "370705001001001"
GRID_S1B = "370705001001002"
GRID_S2 = "370705002001001"


def at(month, day, hour=9, minute=0, year=2026):
    return dt.datetime(year, month, day, hour, minute, tzinfo=SHANGHAI)


def register(staff, cat, when, grid=GRID_S1, phone="13805360001", **kw):
    return services.register_case(staff["clerk"], channel=kw.pop("channel", "window"), case_type=kw.pop("case_type", "hazard"),
                                  category=cat.code, description=kw.pop("description", "路灯不亮"), grid=grid, at=when,
                                  parties=[{"name": "张三", "phone": phone}], **kw)


def dispatch(staff, hall, case, when, unit="zjj"):
    services.act(staff["clerk"], case, "accept", now=when)
    return services.act(staff["clerk"], case, "dispatch", {"lead_unit": hall[unit].pk}, now=when).case


def only(*codes):
    """Switch every other rule off (the others would also find things in the same data)."""
    assert WarningRule.objects.filter(code__in=codes).count() == len(codes)
    WarningRule.objects.exclude(code__in=codes).update(enabled=False)
    WarningRule.objects.filter(code__in=codes).update(enabled=True)


def raised(code):
    return list(Warning.objects.filter(rule__code=code).order_by("pk"))


def test_default_rules_are_seeded_and_editable():
    assert set(WarningRule.objects.values_list("code", flat=True)) == {r["code"] for r in wn.DEFAULT_RULES}
    assert wn.seed_rules() == 0
    rule = WarningRule.objects.get(code="sensitive-words")
    assert "讨薪" in rule.params["words"] and rule.level == "red"
    WarningRule.objects.filter(code="repeat-filer").update(cursor={"case": 99, "event": 12})
    rule = WarningRule.objects.get(code="repeat-filer")
    rule.params = {**rule.params, "count": 4}
    rule.save()
    rule.refresh_from_db()
    assert rule.cursor == {}  # new thresholds: the rule starts over


# ---------------------------------------------------------------- deadlines

def test_handling_deadline_soon_fires_inside_the_hours_and_not_before(staff, hall, categories):
    only("handle-soon")
    case = dispatch(staff, hall, register(staff, categories["leak"], at(11, 2)), at(11, 2, 10))
    due = case.due_at
    assert wn.sweep(now=due - dt.timedelta(hours=24, seconds=1))["handle-soon"] == 0
    assert wn.sweep(now=due - dt.timedelta(hours=24))["handle-soon"] == 0  # exactly 24 h before: not yet "within"
    assert wn.sweep(now=due - dt.timedelta(hours=23, minutes=59))["handle-soon"] == 1
    [w] = raised("handle-soon")
    assert w.key == f"case:{case.number}:handle" and w.level == "yellow" and w.state == "new"
    assert "距办理时限还有23小时59分" in w.reason and "住建局" in w.reason
    assert list(w.cases.values_list("number", flat=True)) == [case.number]
    assert w.unit_id == hall["zjj"].pk and w.region_code == GRID_S1
    assert wn.sweep(now=due - dt.timedelta(hours=12))["handle-soon"] == 0  # the same condition: nothing new
    # the unit's handlers hear about it; another unit does not
    assert Notification.objects.filter(kind="warning", user=staff["zjj"]).count() == 1
    assert Notification.objects.filter(kind="warning", user=staff["gaj"]).count() == 0


def test_signing_deadline_soon_and_overdue(staff, hall, categories):
    only("sign-soon", "sign-overdue")
    case = dispatch(staff, hall, register(staff, categories["leak"], at(11, 2)), at(11, 2, 10))
    sign_due = case.sign_due_at
    assert sum(wn.sweep(now=sign_due - dt.timedelta(hours=2, seconds=1)).values()) == 0
    out = wn.sweep(now=sign_due - dt.timedelta(hours=1, minutes=59))
    assert (out["sign-soon"], out["sign-overdue"]) == (1, 0)
    assert wn.sweep(now=sign_due)["sign-overdue"] == 0  # at the deadline: not past it
    assert wn.sweep(now=sign_due + dt.timedelta(seconds=1))["sign-overdue"] == 1
    [w] = raised("sign-overdue")
    assert w.key == f"case:{case.number}:sign" and w.level == "orange" and "已超过签收时限" in w.reason
    # signed cases are not overdue for signing
    other = dispatch(staff, hall, register(staff, categories["leak"], at(11, 2), phone="13905360002"), at(11, 2, 10))
    services.act(staff["zjj"], other, "sign", now=at(11, 2, 11))
    assert wn.sweep(now=sign_due + dt.timedelta(hours=5))["sign-overdue"] == 0


def test_handling_overdue_and_the_system_closing_it(staff, hall, categories):
    only("handle-overdue")
    case = dispatch(staff, hall, register(staff, categories["leak"], at(11, 2)), at(11, 2, 10))
    services.act(staff["zjj"], case, "sign", now=at(11, 2, 11))
    due = case.due_at
    assert wn.sweep(now=due)["handle-overdue"] == 0
    assert wn.sweep(now=due + dt.timedelta(minutes=1))["handle-overdue"] == 1
    assert wn.sweep(now=due + dt.timedelta(minutes=2)) == {"closed": 0, "handle-overdue": 0}
    [w] = raised("handle-overdue")
    assert w.level == "red" and "已超过办理时限1分钟" in w.reason
    assert Notification.objects.filter(kind="warning", user=staff["admin"]).count() == 1  # centre admin: district scope
    assert Notification.objects.filter(kind="warning", user=staff["zjj_head"]).count() == 1
    assert Notification.objects.filter(kind="warning", user=staff["zjj"]).count() == 0  # not a recipient role
    # handled by a person: the same deadline does not raise it again
    wn.handle_warning(staff["admin"], w.pk, "已督办")
    assert wn.sweep(now=due + dt.timedelta(hours=1))["handle-overdue"] == 0
    # a second case: its warning is closed by the system once the case closes
    late = dispatch(staff, hall, register(staff, categories["leak"], at(11, 2), phone="13905360002"), at(11, 2, 10))
    services.act(staff["zjj"], late, "sign", now=at(11, 2, 11))
    assert wn.sweep(now=due + dt.timedelta(hours=1))["handle-overdue"] == 1
    services.act(staff["zjj"], late, "submit_result", {"result": "已处理"}, now=due + dt.timedelta(hours=2))
    assert wn.sweep(now=due + dt.timedelta(hours=2))["closed"] == 0  # result submitted, not closed yet
    services.act(staff["clerk"], late, "check_pass", now=due + dt.timedelta(hours=3))
    services.act(staff["clerk"], late, "callback", {"solved": True, "satisfaction": "satisfied"}, now=due + dt.timedelta(hours=4))
    assert wn.sweep(now=due + dt.timedelta(hours=5))["closed"] == 1
    w2 = Warning.objects.get(rule__code="handle-overdue", subject_case=late)
    assert w2.state == "handled" and w2.handled_by is None and "系统自动关闭" in w2.note


# ---------------------------------------------------------------- residents, clusters, words

def test_repeat_filer_fires_at_three_in_thirty_days(staff, categories):
    only("repeat-filer")
    register(staff, categories["leak"], at(10, 10))  # 31 days before the last: outside the window
    register(staff, categories["leak"], at(11, 2))
    register(staff, categories["neighbour"], at(11, 5))
    register(staff, categories["leak"], at(11, 5), phone="13905360009")  # someone else
    assert wn.sweep(now=at(11, 10, 12))["repeat-filer"] == 0  # 2 in 30 days
    third = register(staff, categories["leak"], at(11, 10))
    assert wn.sweep(now=at(11, 10, 12))["repeat-filer"] == 1
    [w] = raised("repeat-filer")
    assert w.key.startswith("resident:") and w.level == "orange"
    assert w.reason.startswith("近30天同一反映人登记诉求3次（阈值3次）")
    assert w.cases.count() == 3 and third.number in w.reason
    assert wn.sweep(now=at(11, 10, 13))["repeat-filer"] == 0
    # recipients: the centre (district) and the street of the case, not the other street
    assert Notification.objects.filter(kind="warning", user=staff["admin"]).count() == 1
    assert Notification.objects.filter(kind="warning", user=staff["street"]).count() == 1
    assert Notification.objects.filter(kind="warning", user=staff["street2"]).count() == 0
    # handled: it stays handled until the resident comes again
    wn.handle_warning(staff["street"], w.pk, "已约谈")
    assert wn.sweep(now=at(11, 11))["repeat-filer"] == 0
    register(staff, categories["leak"], at(11, 11))
    assert wn.sweep(now=at(11, 11, 12))["repeat-filer"] == 1
    assert "登记诉求4次" in raised("repeat-filer")[-1].reason


def test_cluster_in_a_grid_fires_at_five_in_seven_days(staff, categories):
    only("cluster-grid")
    for i, day in enumerate([3, 5, 6, 8]):
        register(staff, categories["wages" if i % 2 else "neighbour"], at(11, day), phone=f"1390536{i:04d}")
    register(staff, categories["wages"], at(11, 8), grid=GRID_S1B, phone="13905361111")  # next grid
    register(staff, categories["leak"], at(11, 8), phone="13905361112")  # another category
    register(staff, categories["wages"], at(11, 1), phone="13905361113")  # more than 7 days before
    assert wn.sweep(now=at(11, 9))["cluster-grid"] == 0  # 4
    register(staff, categories["wages"], at(11, 9), phone="13905361114")
    assert wn.sweep(now=at(11, 9, 12))["cluster-grid"] == 1
    [w] = raised("cluster-grid")
    assert w.key == f"grid:{GRID_S1}:T:2026-W46" and w.region_code == GRID_S1
    assert w.reason == "近7天网格“网格111”登记“矛盾纠纷”类诉求5件（阈值5件）"
    assert w.cases.count() == 5
    register(staff, categories["wages"], at(11, 9, 13), phone="13905361115")
    assert wn.sweep(now=at(11, 9, 14))["cluster-grid"] == 0  # still the same cluster this week


def test_sensitive_words(staff, categories):
    only("sensitive-words")
    register(staff, categories["wages"], at(11, 9), description="工地老板拖欠工资三个月")
    register(staff, categories["wages"], at(11, 9), description="讨论工资问题", phone="13905360002")  # 讨 is not 讨薪
    assert wn.sweep(now=at(11, 9, 10))["sensitive-words"] == 0
    case = register(staff, categories["wages"], at(11, 9, 11), description="二十多名工人准备集体上访讨薪", phone="13905360003")
    assert wn.sweep(now=at(11, 9, 12))["sensitive-words"] == 1
    [w] = raised("sensitive-words")
    assert w.level == "red" and w.key == f"case:{case.number}"
    assert "“集体上访”“讨薪”" in w.reason
    assert wn.sweep(now=at(11, 9, 13))["sensitive-words"] == 0
    # the words are data
    rule = WarningRule.objects.get(code="sensitive-words")
    rule.params = {**rule.params, "words": ["拖欠工资"]}
    rule.save()
    assert wn.sweep(now=at(11, 9, 14))["sensitive-words"] == 1


def test_major_case_without_a_joint_meeting_after_three_days(staff, hall, categories):
    only("major-no-meeting")
    case = register(staff, categories["neighbour"], at(11, 2), case_type="dispute", tier="major")
    services.act(staff["clerk"], case, "accept", now=at(11, 2, 10))
    other = register(staff, categories["neighbour"], at(11, 2), case_type="dispute", tier="major", phone="13905360002")
    services.act(staff["clerk"], other, "accept", now=at(11, 2, 10))
    services.act(staff["admin"], other, "hold_meeting", {
        "held_at": "2026-11-03T09:00", "attendees": "各单位", "units": [hall["zjj"].pk], "decisions": "住建牵头",
        "lead_unit": hall["zjj"].pk, "deadline": "2026-12-03T18:00"}, now=at(11, 3, 9))
    simple = register(staff, categories["neighbour"], at(11, 2), case_type="dispute", phone="13905360003")
    services.act(staff["clerk"], simple, "accept", now=at(11, 2, 10))
    assert wn.sweep(now=at(11, 5, 9, 59))["major-no-meeting"] == 0
    assert wn.sweep(now=at(11, 5, 10))["major-no-meeting"] == 1
    [w] = raised("major-no-meeting")
    assert w.key == f"case:{case.number}" and "尚未召开联席会议（要求3天内）" in w.reason and "受理已3天0小时" in w.reason
    assert wn.sweep(now=at(11, 6))["major-no-meeting"] == 0


# ---------------------------------------------------------------- statistics

def _spread(staff, categories, weekly, today, phone_base=0):
    """Register ``weekly[w]`` cases of category T (neighbour) in week w before ``today`` (w = 0: the
    last 7 days, on ``today``)."""
    n = phone_base
    for w, count in enumerate(weekly):
        for _ in range(count):
            n += 1
            register(staff, categories["neighbour"], at(today.month, today.day, 8) - dt.timedelta(days=7 * w),
                     phone=f"1360536{n:04d}", grid=[GRID_S1, GRID_S1B, "370705001002001"][n % 3])
    return n


def hourly_off(code):
    """The spike runs at most hourly; these tests sweep a minute apart."""
    rule = WarningRule.objects.get(code=code)
    rule.params = {**rule.params, "every_minutes": 0}
    rule.save()


def test_spike_against_its_own_baseline(staff, categories):
    only("category-spike")
    hourly_off("category-spike")
    today = dt.date(2026, 11, 30)
    n = _spread(staff, categories, [6, 2, 2, 2, 2], today)
    now = at(11, 30, 12)
    assert wn.sweep(now=now)["category-spike"] == 0  # 6 against 2/week: z = 4 / √2 = 2.83 < 3
    _spread(staff, categories, [1], today, phone_base=n)
    assert wn.sweep(now=now + dt.timedelta(minutes=1))["category-spike"] == 1  # 7: z = 3.54
    [w] = raised("category-spike")
    assert w.key == "spike:370705001:T:2026-W49" and w.region_code == "370705001"
    assert w.reason.startswith("本周观测 7 件，基线均值 2.0 件/周（EWMA），超出 3.5 个标准差（阈值 3.0）")
    assert w.data["observed"] == 7 and w.data["baseline"] == [2, 2, 2, 2] and w.data["mean"] == 2.0
    assert w.cases.count() == 7
    assert wn.sweep(now=now + dt.timedelta(minutes=2))["category-spike"] == 0


def test_spike_needs_history_and_poisson_method(staff, categories):
    only("category-spike")
    hourly_off("category-spike")
    today = dt.date(2026, 11, 30)
    _spread(staff, categories, [9, 0, 0, 0], today)  # nothing four weeks back: no baseline yet
    assert wn.sweep(now=at(11, 30, 12))["category-spike"] == 0
    p = {**wn.PARAMS["spike"], "method": "poisson", "p": 0.001}
    assert wn.spike_score(8, [2, 2, 2, 2], p)["fires"] is False  # P(X ≥ 8 | λ=2) = 0.0011
    s = wn.spike_score(9, [2, 2, 2, 2], p)
    assert s["fires"] is True and s["p"] == pytest.approx(0.000237, abs=1e-6)
    assert wn.spike_score(4, [0, 0, 0, 0], {**wn.PARAMS["spike"]})["fires"] is False  # below min_count 5


def test_unit_on_time_rate_falling(staff, hall):
    """Read from DailyUnitRollup: the rows are written directly here, at the volumes the rule needs."""
    only("unit-on-time-falling")
    today = dt.date(2026, 11, 30)

    def rows(recent_on_time, recent_due=100):
        """The recent window in two streets of the district: the rule adds them up (应办结量 due, 按期 due_on_time)."""
        DailyUnitRollup.objects.all().delete()
        DailyUnitRollup.objects.create(day=today - dt.timedelta(days=40), unit_id=hall["zjj"].pk, street_code="370705001",
                                       received=100, due=100, due_on_time=90)
        half, half_on_time = recent_due // 2, recent_on_time // 2
        DailyUnitRollup.objects.create(day=today - dt.timedelta(days=3), unit_id=hall["zjj"].pk, street_code="370705001",
                                       received=half, due=half, due_on_time=half_on_time)
        DailyUnitRollup.objects.create(day=today - dt.timedelta(days=2), unit_id=hall["zjj"].pk, street_code="370705002",
                                       received=recent_due - half, due=recent_due - half,
                                       due_on_time=recent_on_time - half_on_time)

    rows(81)  # 90% → 81%: 9 points
    assert wn.sweep(now=at(11, 30, 12))["unit-on-time-falling"] == 0
    rows(8, recent_due=9)  # 90% → 88.89% … and too few fell due anyway
    assert wn.sweep(now=at(11, 30, 12))["unit-on-time-falling"] == 0
    rows(80)  # 10 points
    assert wn.sweep(now=at(11, 30, 12))["unit-on-time-falling"] == 1
    [w] = raised("unit-on-time-falling")
    assert w.unit_id == hall["zjj"].pk and w.title == "住建局按期办结率下滑 10.00 个百分点"
    assert w.key.startswith(f"unit:{hall['zjj'].pk}:370705:") and w.region_code == "370705"
    assert w.reason == "近4周按期办结率 80.00%（80/100），前4周 90.00%（90/100），下降 10.00 个百分点（阈值 10 个百分点）"
    assert wn.sweep(now=at(11, 30, 13))["unit-on-time-falling"] == 0
    # the unit's head sees it; another unit's staff do not
    assert [x.pk for x in wn.warnings_for(staff["zjj_head"])] == [w.pk]
    assert list(wn.warnings_for(staff["gaj"])) == []


# ---------------------------------------------------------------- idempotence, scope, services

def test_a_second_sweep_raises_nothing(staff, hall, categories):
    for i in range(5):
        c = register(staff, categories["wages"], at(11, 9, 8 + i), description="工人讨薪" if i == 0 else "拖欠工资")
        if i < 2:
            dispatch(staff, hall, c, at(11, 9, 14))
    first = wn.sweep(now=at(11, 9, 12, 30))  # a first run looks back an hour for clusters
    assert (first["repeat-filer"], first["cluster-grid"], first["sensitive-words"]) == (1, 1, 1)
    later = wn.sweep(now=at(11, 20))
    assert (later["handle-overdue"], later["sign-overdue"]) == (2, 2)
    count = Warning.objects.count()
    notes = Notification.objects.filter(kind="warning").count()
    assert all(v == 0 for v in wn.sweep(now=at(11, 20)).values())
    assert all(v == 0 for v in wn.sweep(now=at(11, 20) + dt.timedelta(minutes=1)).values())
    assert Warning.objects.count() == count and Notification.objects.filter(kind="warning").count() == notes
    # the spike runs at most hourly
    assert WarningRule.objects.get(code="category-spike").last_run_at == at(11, 20)  # not 09:01


def test_a_case_reworked_after_its_deadline_is_overdue_again(staff, hall, categories):
    """The deadline passed while the result waited to be checked: the cursor went past it, the
    timeline event brings it back."""
    only("handle-overdue")
    case = dispatch(staff, hall, register(staff, categories["leak"], at(11, 2)), at(11, 2, 10))
    services.act(staff["zjj"], case, "sign", now=at(11, 2, 11))
    services.act(staff["zjj"], case, "submit_result", {"result": "已处理"}, now=at(11, 3))
    assert wn.sweep(now=case.due_at + dt.timedelta(days=1))["handle-overdue"] == 0  # waiting to be checked
    services.act(staff["clerk"], case, "check_fail", {"reason": "未修好"}, now=case.due_at + dt.timedelta(days=1, hours=1))
    assert wn.sweep(now=case.due_at + dt.timedelta(days=1, hours=2))["handle-overdue"] == 1


def test_first_run_of_deadlines_works_through_a_backlog(staff, hall, categories):
    only("handle-overdue")
    rule = WarningRule.objects.get(code="handle-overdue")
    rule.params = {**rule.params, "max_new": 2}
    rule.save()
    for i in range(5):
        dispatch(staff, hall, register(staff, categories["leak"], at(11, 2), phone=f"1390536{i:04d}"), at(11, 2, 10 + i))
    now = at(12, 20)
    assert [wn.sweep(now=now + dt.timedelta(minutes=m))["handle-overdue"] for m in range(4)] == [2, 2, 1, 0]
    assert Warning.objects.filter(rule=rule).count() == 5


def test_acknowledge_and_handle_are_scoped_and_audited(staff, categories):
    only("sensitive-words")
    case = register(staff, categories["wages"], at(11, 9), description="扬言跳楼")
    wn.sweep(now=at(11, 9, 10))
    [w] = raised("sensitive-words")
    # the other street does not see it: not found, not forbidden
    assert list(wn.warnings_for(staff["street2"])) == []
    with pytest.raises(NotFound):
        wn.acknowledge_warning(staff["street2"], w.pk)
    # a role the rule does not address does not see it either
    assert list(wn.warnings_for(staff["zjj"])) == []
    with pytest.raises(Forbidden):
        wn.acknowledge_warning(staff["leader"], w.pk)  # the leader reads only
    assert [x.pk for x in wn.warnings_for(staff["leader"])] == [w.pk]
    assert [x.pk for x in wn.warnings_for(staff["street"], state="new")] == [w.pk]
    w = wn.acknowledge_warning(staff["street"], w.pk, "已联系社区")
    assert (w.state, w.acknowledged_by, w.note) == ("acknowledged", staff["street"], "已联系社区")
    assert w.acknowledged_at is not None
    with pytest.raises(Invalid):
        wn.acknowledge_warning(staff["admin"], w.pk)
    with pytest.raises(Invalid):
        wn.handle_warning(staff["admin"], w.pk, "  ")
    w = wn.handle_warning(staff["admin"], w.pk, "已稳控，当事人情绪平稳")
    assert (w.state, w.handled_by, w.acknowledged_by) == ("handled", staff["admin"], staff["street"])
    assert list(wn.warnings_for(staff["street"], state="new")) == []
    actions = list(AuditEvent.objects.filter(object_type="insight.warning", object_id=str(w.pk)).values_list("action", "actor_id"))
    assert sorted(actions) == [("warning.acknowledge", staff["street"].pk), ("warning.handle", staff["admin"].pk)]
    assert case.warnings.count() == 1


def test_who_may_see_is_not_who_must_act(staff, hall, categories):
    """Issue #12: a rule's recipients decide who is notified and who acts; a viewer of the analysis
    pages sees every warning of his region, a unit its unit's. Handling deadlines passed in both
    streets (办理超期: routed to the department's head and the centre, not to the leader or a street)."""
    import io

    import docx

    from zhili.insight import reports

    only("handle-overdue")
    s1 = dispatch(staff, hall, register(staff, categories["leak"], at(11, 2)), at(11, 2, 10), unit="zjj")
    s2 = dispatch(staff, hall, register(staff, categories["leak"], at(11, 2), grid=GRID_S2, phone="13905360002",
                                        description="井盖缺失"), at(11, 2, 10), unit="gaj")
    assert wn.sweep(now=max(s1.due_at, s2.due_at) + dt.timedelta(minutes=1))["handle-overdue"] == 2
    w1, w2 = (Warning.objects.get(subject_case=c) for c in (s1, s2))

    def seen(who, fn=wn.warnings_for):
        return {w.pk for w in fn(staff[who])}

    # who may see: the district, each street its own, each unit its own; a role with neither sees what is routed to it
    assert seen("leader") == seen("admin") == {w1.pk, w2.pk}
    assert (seen("street"), seen("street2")) == ({w1.pk}, {w2.pk})
    assert (seen("zjj"), seen("gaj"), seen("rsj")) == ({w1.pk}, {w2.pk}, set())
    assert seen("grid") == seen("clerk") == set()
    assert wn.open_counts_by_level(staff["leader"]) == {"red": 2, "orange": 0, "yellow": 0}
    assert wn.open_counts_by_level(staff["street"]) == {"red": 1, "orange": 0, "yellow": 0}
    # who must act: the recipients in their scope; never the leader, who reads only
    assert seen("admin", wn.warnings_to_act) == {w1.pk, w2.pk}
    assert seen("zjj_head", wn.warnings_to_act) == {w1.pk}
    assert seen("leader", wn.warnings_to_act) == seen("street", wn.warnings_to_act) == seen("zjj", wn.warnings_to_act) == set()
    # and who was notified: still the recipients only
    notified = set(Notification.objects.filter(kind="warning").values_list("user__username", flat=True))
    assert notified == {"zfw", "zjj_head"}
    # acting: forbidden where seen but not routed, not found where not seen
    with pytest.raises(Forbidden):
        wn.acknowledge_warning(staff["leader"], w1.pk)
    with pytest.raises(Forbidden):
        wn.acknowledge_warning(staff["street"], w1.pk)
    with pytest.raises(Forbidden):
        wn.handle_warning(staff["zjj"], w1.pk, "已处理")
    with pytest.raises(NotFound):
        wn.acknowledge_warning(staff["street"], w2.pk)
    with pytest.raises(NotFound):
        wn.handle_warning(staff["zjj_head"], w2.pk, "已处理")
    assert Warning.objects.filter(state="new").count() == 2
    assert wn.acknowledge_warning(staff["zjj_head"], w1.pk).state == "acknowledged"
    # the Word report reads the same selector: the leader's lists both, a street's only its own
    def report(who, region):
        data = reports.analysis_report(staff[who], region, dt.date(2026, 11, 1), dt.date(2026, 11, 30), now=at(12, 1))
        d = docx.Document(io.BytesIO(data))
        return "\n".join([p.text for p in d.paragraphs] + [c.text for t in d.tables for r in t.rows for c in r.cells])

    district, street = report("leader", "370705000000"), report("street", "370705001000")
    assert "本期共产生预警 2 条" in district and w1.title in district and w2.title in district
    assert "本期共产生预警 1 条" in street and w1.title in street and w2.title not in street and s2.number not in street
