"""The case lifecycle: every transition of the workflow table, every refusal, deadlines, scope,
merge and the resident's confirmation link."""

import datetime as dt

import pytest

from zhili.cases import selectors, services
from zhili.cases.models import Case, CaseEvent, ConfirmationToken, DeadlinePolicy, TextMessage
from zhili.cases.workflow import ACTIONS, STATES
from zhili.core.calendar import SHANGHAI
from zhili.core.errors import Forbidden, Invalid, NotFound
from zhili.core.models import AuditEvent, Resident

pytestmark = pytest.mark.django_db


def at(y, m, d, h=9, mi=0):
    return dt.datetime(y, m, d, h, mi, tzinfo=SHANGHAI)


def register(actor, categories, **kw):
    data = dict(channel="window", case_type="dispute", category=categories["neighbour"].code,
                title="楼上漏水引发邻里纠纷", description="楼上住户卫生间漏水，多次协商未果，双方发生争吵。",
                lon=119.105, lat=36.705, parties=[{"name": "张秀英", "phone": "13805361234", "role": "applicant"},
                                                  {"name": "李建国", "phone": "13905362222", "role": "respondent"}])
    data.update(kw)
    return services.register_case(actor, **data)


@pytest.fixture
def flow(staff, hall, categories):
    """A helper that drives a case along the happy path to a given state."""

    def to(state, tier="simple", **kw):
        case = register(staff["clerk"], categories, tier=tier, **kw)
        path = {
            "registered": [],
            "accepted": [("clerk", "accept", {})],
            "dispatched": [("clerk", "accept", {}), ("clerk", "dispatch", {"lead_unit": hall["zjj"].pk, "cooperating_units": [hall["gaj"].pk] if tier != "simple" else []})],
        }
        steps = path.get(state)
        if steps is None:
            steps = path["dispatched"] + [("zjj", "sign", {})]
            if state == "returned":
                steps = path["dispatched"] + [("zjj", "return", {"reason": "不属于本单位职责"})]
            elif state == "suspended":
                steps += [("zjj_head", "suspend", {"reason": "等待司法鉴定"})]
            elif state in ("feedback", "callback", "closed", "archived"):
                if tier != "simple":
                    steps += [("gaj", "record_part", {"part": "出警调解"})]
                if tier == "major":
                    steps += [("admin", "hold_meeting", _meeting(hall)), ("admin", "assess_risk", _risk())]
                steps += [("zjj", "submit_result", {"result": "已维修，双方和解"})]
                if state in ("callback", "closed", "archived"):
                    steps += [("clerk", "check_pass", {})]
                if state in ("closed", "archived"):
                    steps += [("clerk", "callback", {"solved": True, "satisfaction": "satisfied"})]
                if state == "archived":
                    steps += [("clerk", "archive", {})]
        for who, action, data in steps:
            case = services.act(staff[who], case, action, data).case
        assert case.state == state
        return case

    return to


def _meeting(hall):
    return {"held_at": "2026-11-20T09:00", "venue": "三楼会议室", "attendees": "政法委王书记、住建局李科长、公安分局赵所长",
            "units": [hall["zjj"].pk, hall["gaj"].pk], "decisions": "住建局牵头维修，公安配合稳控",
            "lead_unit": hall["zjj"].pk, "cooperating_units": [hall["gaj"].pk], "deadline": "2026-12-20T18:00"}


def _risk():
    return {"level": "medium", "analysis": "涉及多户，情绪激动", "measures": "每日回访，专人稳控"}


# ---------------------------------------------------------------- registration

def test_register_numbers_locates_and_records(staff, categories, district):
    case = register(staff["clerk"], categories)
    assert case.number.startswith("KW") and case.number.endswith("-000001")
    assert case.state == "registered"
    assert case.grid.code == "370705001001001" and case.region_code == "370705001001001"
    assert {p.role for p in case.parties.all()} == {"applicant", "respondent"}
    assert case.reporter.name == "张秀英"
    assert CaseEvent.objects.filter(case=case, action="register").exists()
    assert AuditEvent.objects.filter(action="case.register", object_id=str(case.pk)).exists()
    assert TextMessage.objects.filter(case=case, text__contains=case.number).exists()
    assert register(staff["clerk"], categories).number.endswith("-000002")


def test_register_bad_input_names_fields_and_writes_nothing(staff, categories):
    with pytest.raises(Invalid) as e:
        register(staff["clerk"], categories, channel="fax", description="", parties=[{"name": "", "phone": "1"}])
    fields = {x["field"] for x in e.value.errors}
    assert {"channel", "description", "parties.0.name"} <= fields
    assert all(x["message"] and x["message_en"] for x in e.value.errors)
    with pytest.raises(Invalid) as e:
        register(staff["clerk"], categories, parties=[{"name": "王", "phone": "abc"}])
    assert e.value.errors[0]["field"] == "parties.0.phone"
    with pytest.raises(Invalid) as e:
        register(staff["clerk"], categories, category="nope")
    assert e.value.errors[0]["field"] == "category"
    assert Case.objects.count() == 0 and Resident.objects.count() == 0


def test_roles_that_cannot_register(users, categories):
    for role in ("leader", "dept_handler", "sys_admin", "legal_aid_lawyer"):
        with pytest.raises(Forbidden):
            register(users[role], categories)


# ---------------------------------------------------------------- the whole path

def test_complex_case_from_registration_to_close(staff, hall, categories):
    case = register(staff["clerk"], categories, tier="complex")
    c = services.act(staff["clerk"], case, "accept").case
    c = services.act(staff["clerk"], c, "dispatch", {"lead_unit": hall["zjj"].pk, "cooperating_units": [hall["gaj"].pk]}).case
    assert c.state == "dispatched" and c.due_at and c.sign_due_at
    c = services.act(staff["zjj"], c, "sign").case
    with pytest.raises(Invalid) as e:  # the lead closes only after cooperating units recorded their part
        services.act(staff["zjj"], c, "submit_result", {"result": "已处理"})
    assert "公安分局" in e.value.errors[0]["message"]
    services.act(staff["gaj"], c, "record_part", {"part": "民警到场调解"})
    c = services.act(staff["zjj"], c, "submit_result", {"result": "已维修，双方和解"}).case
    res = services.act(staff["clerk"], c, "check_pass")
    assert res.case.state == "callback" and res.confirmation_token
    done = services.confirm_by_resident(res.confirmation_token, solved=True, satisfaction="satisfied")
    assert done.case.state == "closed" and done.case.satisfaction == "satisfied"
    actions = list(CaseEvent.objects.filter(case=case).values_list("action", flat=True))
    assert actions == ["register", "accept", "dispatch", "sign", "record_part", "submit_result", "check_pass", "callback"]
    assert CaseEvent.objects.filter(case=case, action="callback").get().actor is None  # the resident


@pytest.mark.parametrize("name", sorted(ACTIONS))
def test_every_action_of_the_table(name, flow, staff, hall):
    """Each action, from one of its source states, by an allowed actor, reaches its target state."""
    action = ACTIONS[name]
    tier = "major" if name == "assess_risk" else ("complex" if name in ("record_part", "hold_meeting") else "simple")
    order = ["registered", "accepted", "dispatched", "handling", "returned", "suspended", "feedback", "callback", "closed"]
    source = next(s for s in order if s in action.sources)
    case = flow(source, tier=tier)
    who = {
        "accept": "clerk", "reject": "clerk", "resolve_on_spot": "grid", "dispatch": "clerk", "transfer": "clerk",
        "sign": "zjj", "return": "zjj", "progress": "zjj", "record_part": "gaj", "request_extension": "zjj",
        "decide_extension": "zjj_head", "suspend": "zjj_head", "resume": "zjj_head", "submit_result": "zjj",
        "check_pass": "clerk", "check_fail": "clerk", "callback": "clerk", "callback_failed": "clerk", "archive": "clerk",
            "supervise": "admin",
        "urge": "clerk", "hold_meeting": "admin", "assess_risk": "admin", "record_mediation": "mediator",
        "record_agreement": "mediator", "mediation_failed": "mediator", "follow_up": "mediator", "merge": "clerk",
    }[name]
    data = {
        "reject": {"reason": "属于诉讼事项", "proper_channel": "向奎文区人民法院起诉"},
        "resolve_on_spot": {"result": "当场协调，已解决"},
        "dispatch": {"lead_unit": hall["zjj"].pk}, "transfer": {"lead_unit": hall["rsj"].pk, "reason": "涉及工资"},
        "return": {"reason": "不属于本单位职责"}, "progress": {"comment": "已电话联系"},
        "record_part": {"part": "出警调解"}, "request_extension": {"days": 3, "reason": "需要鉴定"},
        "suspend": {"reason": "等待鉴定"}, "submit_result": {"result": "已处理"}, "check_fail": {"reason": "未附照片"},
        "callback": {"solved": True, "satisfaction": "basic"}, "supervise": {"card": "yellow", "comment": "抓紧办理"},
        "urge": {"comment": "请尽快"}, "hold_meeting": _meeting(hall), "assess_risk": _risk(),
        "record_mediation": {"held_at": "2026-11-20T10:00", "venue": "和为贵调解室", "parties_present": "张秀英、李建国",
                             "notes": "双方陈述，初步同意维修"},
        "record_agreement": {"committee": hall["committee"].pk, "facts": "楼上漏水", "disputed_items": "维修费用",
                             "responsibilities": "楼上住户负主要责任", "terms": "李建国承担维修费用3000元",
                             "performance_method": "一次性现金支付", "performance_deadline": "2026-12-31", "signed_on": "2026-11-20"},
        "mediation_failed": {"remedies": "可向人民法院起诉"}, "follow_up": {"performed": True},
    }.get(name, {})
    if name == "decide_extension":
        services.act(staff["zjj"], case, "request_extension", {"days": 3, "reason": "需要鉴定"})
        data = {"approve": True}
    if name == "follow_up":
        services.act(staff["mediator"], case, "record_agreement", {"committee": hall["committee"].pk, "facts": "漏水",
                     "disputed_items": "费用", "responsibilities": "楼上", "terms": "赔偿", "performance_method": "现金",
                     "performance_deadline": "2026-12-31", "signed_on": "2026-11-20"})
    if name == "merge":
        master = flow("accepted")
        data = {"master": master.number}
    before = case.state
    res = services.act(staff[who], case, name, data)
    assert res.case.state == (action.target or before)
    ev = res.event
    assert ev.action == name and ev.from_state == before and ev.to_state == res.case.state
    assert AuditEvent.objects.filter(action=f"case.{name}", object_id=str(case.pk)).exists()
    assert all(s in STATES for s in action.sources)


# ---------------------------------------------------------------- refusals

def test_refusals_wrong_role_wrong_unit_wrong_state_missing_field(flow, staff, hall, users):
    case = flow("accepted")
    with pytest.raises(Forbidden):
        services.act(staff["grid"], case, "dispatch", {"lead_unit": hall["zjj"].pk})
    with pytest.raises(Invalid) as e:
        services.act(staff["clerk"], case, "dispatch", {})
    assert e.value.errors[0]["field"] == "lead_unit" and "必填" in e.value.errors[0]["message"]
    with pytest.raises(Invalid) as e:
        services.act(staff["clerk"], case, "dispatch", {"lead_unit": 999999})
    assert e.value.errors[0]["field"] == "lead_unit"
    with pytest.raises(Invalid) as e:
        services.act(staff["clerk"], case, "check_pass")
    assert e.value.errors[0]["field"] == "state"
    case = services.act(staff["clerk"], case, "dispatch", {"lead_unit": hall["zjj"].pk}).case
    with pytest.raises(NotFound):  # 公安 is not involved: the case does not exist for it
        services.act(staff["gaj"], case, "sign")
    with pytest.raises(Forbidden):  # a clerk does not sign for a department
        services.act(staff["clerk"], case, "sign")
    with pytest.raises(Forbidden):
        services.act(staff["leader"], case, "supervise", {"card": "red", "comment": "x"})
    with pytest.raises(NotFound):
        services.act(staff["clerk"], case, "no_such_action")
    with pytest.raises(Invalid) as e:
        services.act(staff["zjj"], case, "sign", {"comment": "x" * 3000})
    assert e.value.errors[0]["field"] == "comment"
    assert Case.objects.get(pk=case.pk).state == "dispatched"


def test_major_case_needs_meeting_and_risk_assessment(flow, staff, hall):
    case = flow("handling", tier="major")
    services.act(staff["gaj"], case, "record_part", {"part": "稳控"})
    with pytest.raises(Invalid) as e:
        services.act(staff["zjj"], case, "submit_result", {"result": "已化解"})
    msgs = " ".join(x["message"] for x in e.value.errors)
    assert "联席会议" in msgs and "风险研判" in msgs
    services.act(staff["admin"], case, "hold_meeting", _meeting(hall))
    services.act(staff["admin"], case, "assess_risk", _risk())
    assert services.act(staff["zjj"], case, "submit_result", {"result": "已化解"}).case.state == "feedback"


# ---------------------------------------------------------------- deadlines

def test_deadline_counts_working_days_across_national_day(staff, hall, categories):
    DeadlinePolicy.objects.all().delete()
    DeadlinePolicy.objects.create(name="三个工作日", handle_value=3, handle_unit="wd", sign_value=1, sign_unit="wd",
                                  extension_max_value=5)
    case = register(staff["clerk"], categories)
    services.act(staff["clerk"], case, "accept", now=at(2026, 9, 30, 8))
    c = services.act(staff["clerk"], case, "dispatch", {"lead_unit": hall["zjj"].pk}, now=at(2026, 9, 30, 9)).case
    # 30 Sep 09:00 + 3 working days: rest of 30 Sep, 8 Oct, 9 Oct, then Saturday 10 Oct (make-up day) until 09:00
    assert c.due_at.astimezone(SHANGHAI) == at(2026, 10, 10, 9)
    assert c.sign_due_at.astimezone(SHANGHAI) == at(2026, 10, 8, 9)


def test_suspension_stops_the_clock_and_extension_moves_it(staff, hall, categories):
    DeadlinePolicy.objects.all().delete()
    DeadlinePolicy.objects.create(name="7天", handle_value=7, handle_unit="d", sign_value=1, sign_unit="d", extension_max_value=5)
    case = register(staff["clerk"], categories)
    services.act(staff["clerk"], case, "accept", now=at(2026, 11, 2))
    services.act(staff["clerk"], case, "dispatch", {"lead_unit": hall["zjj"].pk}, now=at(2026, 11, 2))
    services.act(staff["zjj"], case, "sign", now=at(2026, 11, 2, 10))
    assert Case.objects.get(pk=case.pk).due_at.astimezone(SHANGHAI) == at(2026, 11, 9)
    services.act(staff["zjj_head"], case, "suspend", {"reason": "等待鉴定"}, now=at(2026, 11, 3))
    c = Case.objects.get(pk=case.pk)
    from zhili.cases.deadlines import time_left

    assert time_left(c, at(2026, 11, 30)) == dt.timedelta(days=6)  # frozen while suspended
    c = services.act(staff["zjj_head"], case, "resume", now=at(2026, 11, 5)).case
    assert c.due_at.astimezone(SHANGHAI) == at(2026, 11, 11)  # two suspended days added
    with pytest.raises(Invalid) as e:
        services.act(staff["zjj"], case, "request_extension", {"days": 9, "reason": "复杂"}, now=at(2026, 11, 6))
    assert e.value.errors[0]["field"] == "days"
    services.act(staff["zjj"], case, "request_extension", {"days": 3, "reason": "需要鉴定"}, now=at(2026, 11, 6))
    with pytest.raises(Invalid):  # one request at a time
        services.act(staff["zjj"], case, "request_extension", {"days": 1, "reason": "再延"}, now=at(2026, 11, 6))
    with pytest.raises(Forbidden):  # a handler cannot approve his own request
        services.act(staff["zjj"], case, "decide_extension", {"approve": True})
    c = services.act(staff["zjj_head"], case, "decide_extension", {"approve": True}, now=at(2026, 11, 6)).case
    assert c.due_at.astimezone(SHANGHAI) == at(2026, 11, 14) and c.extended_days == 3 and c.extension_pending is None
    with pytest.raises(Invalid) as e:  # after the deadline it is too late to ask
        services.act(staff["zjj"], case, "request_extension", {"days": 1, "reason": "x"}, now=at(2026, 11, 20))
    assert "超期" in e.value.errors[0]["message"]
    c = services.act(staff["zjj"], case, "submit_result", {"result": "办完"}, now=at(2026, 11, 20)).case
    assert c.on_time is False


def test_seeded_emergency_policy_signs_in_30_minutes_and_handles_in_2_hours(staff, hall, categories):
    case = register(staff["clerk"], categories, urgency="emergency", case_type="hazard")
    services.act(staff["clerk"], case, "accept", now=at(2026, 11, 2, 9))
    c = services.act(staff["clerk"], case, "dispatch", {"lead_unit": hall["zjj"].pk}, now=at(2026, 11, 2, 9)).case
    assert c.sign_due_at.astimezone(SHANGHAI) == at(2026, 11, 2, 9, 30)
    assert c.due_at.astimezone(SHANGHAI) == at(2026, 11, 2, 11)


def test_policy_picks_the_most_specific(staff, categories, hall):
    from zhili.cases.deadlines import policy_for

    DeadlinePolicy.objects.all().delete()
    DeadlinePolicy.objects.create(name="默认", handle_value=7, handle_unit="d")
    DeadlinePolicy.objects.create(name="纠纷", case_type="dispute", handle_value=1, handle_unit="m")
    DeadlinePolicy.objects.create(name="邻里紧急", category=categories["root"], urgency="emergency", handle_value=2, handle_unit="h")
    assert policy_for(register(staff["clerk"], categories)).name == "纠纷"
    assert policy_for(register(staff["clerk"], categories, urgency="emergency")).name == "邻里紧急"
    assert policy_for(register(staff["clerk"], categories, case_type="complaint")).name == "默认"


# ---------------------------------------------------------------- scope

def test_department_sees_only_cases_dispatched_to_it(flow, staff, hall):
    a = flow("dispatched")  # zjj lead, no coop (simple)
    b = flow("accepted")
    assert set(selectors.cases_for(staff["zjj"])) == {a}
    assert set(selectors.cases_for(staff["gaj"])) == set()
    with pytest.raises(NotFound):
        selectors.case_for(staff["zjj"], b.number)
    c = flow("dispatched", tier="complex")  # gaj cooperating
    assert set(selectors.cases_for(staff["gaj"])) == {c}


def test_street_sees_only_its_region(flow, staff, categories):
    mine = flow("registered")
    other = register(staff["clerk"], categories, lon=119.145, lat=36.705)  # street 002
    assert mine in selectors.cases_for(staff["street"]) and other not in selectors.cases_for(staff["street"])
    assert other in selectors.cases_for(staff["street2"]) and mine not in selectors.cases_for(staff["street2"])
    with pytest.raises(NotFound):
        services.act(staff["street2"], mine, "accept")


# ---------------------------------------------------------------- callback, tokens, rework

def test_unsatisfied_resident_reopens_the_case(flow, staff):
    case = flow("callback")
    tok = services.issue_confirmation(case, dt.datetime.now(dt.UTC))
    res = services.confirm_by_resident(tok, solved=False, satisfaction="unsatisfied", comment="楼上还在漏水")
    assert res.case.state == "handling" and res.case.rework_count == 1
    assert res.event.comment == "楼上还在漏水"


def test_confirmation_token_misuse(flow, staff):
    case = flow("callback")
    other = flow("callback")
    now = dt.datetime.now(dt.UTC)
    tok = services.issue_confirmation(case, now)
    with pytest.raises(NotFound):  # a link for another case
        services.confirm_by_resident(tok, solved=True, satisfaction="satisfied", number=other.number)
    with pytest.raises(NotFound):
        services.confirm_by_resident("made-up-token", solved=True, satisfaction="satisfied")
    expired = services.issue_confirmation(other, now - dt.timedelta(days=30))
    with pytest.raises(Invalid) as e:
        services.confirm_by_resident(expired, solved=True, satisfaction="satisfied")
    assert "过期" in e.value.errors[0]["message"]
    services.confirm_by_resident(tok, solved=True, satisfaction="satisfied")
    with pytest.raises(Invalid) as e:
        services.confirm_by_resident(tok, solved=True, satisfaction="satisfied")
    assert "已使用" in e.value.errors[0]["message"]
    assert ConfirmationToken.objects.filter(key_hash__in=[]).count() == 0
    assert len(tok) >= 32  # unguessable


def test_new_link_replaces_the_old(flow):
    case = flow("callback")
    now = dt.datetime.now(dt.UTC)
    old = services.issue_confirmation(case, now)
    new = services.issue_confirmation(case, now)
    with pytest.raises(Invalid):
        services.confirm_by_resident(old, solved=True, satisfaction="satisfied")
    assert services.confirm_by_resident(new, solved=True, satisfaction="satisfied").case.state == "closed"


def test_on_the_spot_by_grid_worker_counts_inside_the_grid(staff, categories):
    case = register(staff["grid"], categories, channel="grid")
    res = services.act(staff["grid"], case, "resolve_on_spot", {"result": "当场劝解，双方和好"})
    assert res.case.state == "callback" and res.case.resolved_in_grid and res.confirmation_token
    with pytest.raises(Invalid):  # not for complex cases
        c2 = register(staff["grid"], categories, channel="grid", tier="complex")
        services.act(staff["grid"], c2, "resolve_on_spot", {"result": "x"})


# ---------------------------------------------------------------- duplicates and merge

def test_duplicates_by_point_resident_and_text(staff, categories):
    a = register(staff["clerk"], categories)
    found = services.find_duplicates(staff["clerk"], category=categories["neighbour"].code, lon=119.1052, lat=36.7051,
                                     phone="13805361234", text="楼上卫生间漏水 多次协商未果 发生争吵")
    assert found and found[0]["case"] == a
    reasons = " ".join(found[0]["reasons"])
    assert "同类别" in reasons and "同一反映人" in reasons and "内容相似" in reasons
    assert services.find_duplicates(staff["clerk"], phone="13000000000", text="路灯坏了") == []


def test_merge_sends_the_result_to_every_reporter(flow, staff, categories, hall):
    master = flow("accepted")
    dup = register(staff["clerk"], categories, parties=[{"name": "王芳", "phone": "13605367777", "role": "reporter"}])
    services.act(staff["clerk"], dup, "merge", {"master": master.number})
    dup.refresh_from_db()
    assert dup.state == "merged" and dup.master == master
    assert master.parties.filter(resident__name="王芳").exists()
    with pytest.raises(Invalid):
        services.act(staff["clerk"], flow("accepted"), "merge", {"master": dup.number})
    services.act(staff["clerk"], master, "dispatch", {"lead_unit": hall["zjj"].pk})
    services.act(staff["zjj"], master, "sign")
    services.act(staff["zjj"], master, "submit_result", {"result": "已处理"})
    services.act(staff["clerk"], master, "check_pass")
    texts = [m.phone for m in TextMessage.objects.filter(text__contains="请确认")]
    assert "13605367777" in texts and "13805361234" in texts


# ---------------------------------------------------------------- texts

def test_texts_are_an_outbox_sent_by_the_worker_and_retried(staff, categories, settings, tmp_path):
    from django.db import transaction
    from django.utils.module_loading import autodiscover_modules

    from zhili.cases import notify
    from zhili.core.sweeps import REGISTRY

    settings.HOME = tmp_path
    case = register(staff["clerk"], categories)
    msg = TextMessage.objects.get(case=case)
    assert msg.status == "queued" and not (tmp_path / "sms.log").exists()  # nothing is sent inside the action
    autodiscover_modules("sweeps")  # as zhili worker does: its every-second sweep sends it
    assert REGISTRY["cases.send_texts"].every <= 1 and REGISTRY["cases.send_texts"].fn() == 1
    msg.refresh_from_db()
    assert msg.status == "sent", msg.last_error
    assert case.number in (tmp_path / "sms.log").read_text(encoding="utf-8")
    assert notify.send_queued() == 0  # sent once only

    # an action that rolls back leaves no text behind
    before = TextMessage.objects.count()
    with pytest.raises(RuntimeError), transaction.atomic():
        register(staff["clerk"], categories)
        raise RuntimeError("the caller fails after registering")
    assert TextMessage.objects.count() == before

    settings.ZHILI_SMS_BACKEND = "zhili.cases.notify.HttpBackend"
    settings.ZHILI_SMS_URL = "http://127.0.0.1:9/nothing-listens-here"
    case2 = register(staff["clerk"], categories)  # the gateway is down: the case is still registered
    assert notify.send_queued() == 1
    msg2 = TextMessage.objects.get(case=case2)
    assert Case.objects.filter(pk=case2.pk).exists()
    assert msg2.status == "failed" and msg2.attempts == 1 and msg2.last_error
    assert notify.send_queued() == 0  # a failed text waits for the retry sweep
    settings.ZHILI_SMS_BACKEND = "zhili.cases.notify.LogBackend"
    notify.retry_failed()
    msg2.refresh_from_db()
    assert msg2.status == "sent" and msg2.attempts == 2


def test_inbox_gets_new_todos_and_returns(flow, staff, hall):
    from zhili.cases.models import Notification

    case = flow("dispatched")
    assert Notification.objects.filter(user=staff["zjj"], case=case, kind="todo").exists()
    services.act(staff["zjj"], case, "return", {"reason": "不属于本单位"})
    assert Notification.objects.filter(user=staff["clerk"], case=case, kind="returned").exists()


def test_deadline_reminders_once_per_case_kind_and_china_day(flow, staff, hall):
    """The sweep tells the lead unit's staff of cases due within a day or overdue: once per case and
    kind per day in China's time (the UTC date turns eight hours later), never for a stopped clock."""
    from zhili.cases.models import Notification
    from zhili.cases.notify import deadline_reminders

    late, soon, calm, stopped = flow("handling"), flow("handling"), flow("handling"), flow("suspended")
    waiting = flow("dispatched")  # not yet signed: the signing unit hears too
    now = at(2026, 11, 27, 0, 30).astimezone(dt.UTC)  # 00:30 in China = 16:30 UTC on the 26th, as timezone.now() gives it
    Case.objects.filter(pk__in=[late.pk, stopped.pk, waiting.pk]).update(due_at=now - dt.timedelta(hours=3))
    Case.objects.filter(pk=soon.pk).update(due_at=now + dt.timedelta(hours=23))  # 23:30 on the 27th
    Case.objects.filter(pk=calm.pk).update(due_at=now + dt.timedelta(days=3))
    Notification.objects.all().delete()

    assert deadline_reminders(now) == 3
    unit_staff = {staff["zjj"].pk, staff["zjj_head"].pk}
    got = set(Notification.objects.values_list("case_id", "kind", "user_id"))
    assert got == {(c.pk, kind, u) for c, kind in ((late, "overdue"), (waiting, "overdue"), (soon, "due_soon")) for u in unit_staff}
    note = Notification.objects.filter(case=late, user=staff["zjj"]).get()
    assert note.text.startswith(f"已超期：{late.number}") and note.read_at is None

    # the sweep's next run, and later the same China day — though by then another date in UTC —: nothing new
    assert deadline_reminders(now + dt.timedelta(minutes=10)) == 0
    assert deadline_reminders(now + dt.timedelta(hours=20)) == 0
    assert Notification.objects.count() == 6
    # the next China day: reminded again; the case due soon is overdue by then
    assert deadline_reminders(at(2026, 11, 28, 8, 0).astimezone(dt.UTC)) == 3
    assert Notification.objects.filter(case=soon, kind="overdue").count() == 2
    assert Notification.objects.filter(case=late, kind="overdue").count() == 4


def test_deadline_reminders_reach_every_late_case(flow, staff, hall):
    """However many cases are late, each is reminded: the sweep used to look at the same first 5,000
    every time, so a city's 5,001st late case never reached its unit."""
    from zhili.cases.models import Notification
    from zhili.cases.notify import deadline_reminders

    case = flow("handling")
    now = at(2026, 11, 27, 10, 0)
    Case.objects.filter(pk=case.pk).update(due_at=now - dt.timedelta(days=2))
    template = Case.objects.get(pk=case.pk)
    clones = []
    for i in range(5200):
        template.pk, template.id = None, None
        template.number = f"{case.number}-{i}"
        template._state.adding = True
        clones.append(Case(**{f.attname: getattr(template, f.attname) for f in Case._meta.concrete_fields}))
    Case.objects.bulk_create(clones, batch_size=500)
    assert deadline_reminders(now) == 5201
    assert Notification.objects.filter(kind="overdue", user=staff["zjj"]).count() == 5201
    assert deadline_reminders(now + dt.timedelta(minutes=10)) == 0


def test_agreement_document_has_the_content_of_article_29(flow, staff, hall):
    import io

    from docx import Document

    from zhili.cases.documents import agreement_docx

    case = flow("handling")
    services.act(staff["mediator"], case, "record_agreement", {
        "committee": hall["committee"].pk, "facts": "楼上住户卫生间漏水导致楼下天花板损坏", "disputed_items": "维修费用由谁承担",
        "responsibilities": "李建国负主要责任", "terms": "李建国承担维修费用3000元", "performance_method": "一次性现金支付",
        "performance_deadline": "2026-12-31", "signed_on": "2026-11-20"})
    case.refresh_from_db()
    text = "\n".join(p.text for p in Document(io.BytesIO(agreement_docx(case))).paragraphs)
    for needle in ["人民调解协议书", "当事人的基本情况", "申请人：张秀英", "被申请人：李建国", "13805361234",
                   "纠纷的主要事实", "楼上住户卫生间漏水", "争议事项：维修费用由谁承担", "李建国负主要责任",
                   "协议内容：李建国承担维修费用3000元", "履行方式：一次性现金支付", "履行期限：2026年12月31日前",
                   "人民调解委员会印章", "东关街道人民调解委员会", "2026年11月20日"]:
        assert needle in text, needle
    with pytest.raises(Invalid):  # one agreement per case
        services.act(staff["mediator"], case, "record_agreement", {
            "committee": hall["committee"].pk, "facts": "x", "disputed_items": "x", "responsibilities": "x", "terms": "x",
            "performance_method": "x", "performance_deadline": "2026-12-31", "signed_on": "2026-11-20"})
    with pytest.raises(Invalid) as e:  # must be a mediation committee
        c2 = flow("handling")
        services.act(staff["mediator"], c2, "record_agreement", {
            "committee": hall["zjj"].pk, "facts": "x", "disputed_items": "x", "responsibilities": "x", "terms": "x",
            "performance_method": "x", "performance_deadline": "2026-12-31", "signed_on": "2026-11-20"})
    assert e.value.errors[0]["field"] == "committee"


def test_workflow_doc_is_generated_from_the_table():
    from pathlib import Path

    from zhili.cases.docs import workflow_markdown

    doc = Path(__file__).resolve().parent.parent / "docs" / "case-workflow.md"
    assert doc.read_text(encoding="utf-8") == workflow_markdown(), "run: zhili manage workflow_doc"


def test_unsatisfied_on_the_spot_matter_goes_to_dispatch(staff, categories):
    case = register(staff["grid"], categories, channel="grid")
    tok = services.act(staff["grid"], case, "resolve_on_spot", {"result": "当场劝解"}).confirmation_token
    res = services.confirm_by_resident(tok, solved=False, satisfaction="unsatisfied", comment="没解决")
    assert res.case.state == "accepted" and res.case.lead_unit is None


def test_a_repeat_is_the_same_reporter_with_the_same_top_level_category_within_30_days(staff, categories):
    import datetime as dt

    t0 = at(2026, 3, 2, 9)
    assert not register(staff["clerk"], categories, at=t0).is_repeat  # T.neighbour
    later = t0 + dt.timedelta(days=31)
    assert not register(staff["clerk"], categories, category=categories["wages"].code, at=later).is_repeat  # 31 days on
    assert register(staff["clerk"], categories, category=categories["wages"].code,
                    at=later + dt.timedelta(hours=1)).is_repeat  # the same root (T) an hour after
    assert not register(staff["clerk"], categories, category=categories["leak"].code,
                        at=later + dt.timedelta(hours=2)).is_repeat  # another top-level category
    other = [{"name": "王五", "phone": "13605369999", "role": "applicant"}]
    assert not register(staff["clerk"], categories, parties=other, at=later + dt.timedelta(hours=3)).is_repeat  # another reporter


def test_registration_finds_residents_by_phone_and_audits_once(staff, categories, django_assert_max_num_queries):
    from zhili.core import audit

    first = register(staff["clerk"], categories)
    # the applicant again, and a respondent given twice with the same number in other spellings
    # one statement per row written, no per-party round trips; with the hotspot cell, the recurring title and address
    # (their keys, their rollup rows, and — the first time a key recurs, as here — marking it)
    from django.db import connection

    # SQLite: one statement each; PostgreSQL: the case, its parties, event, text, rollup rows and
    # text keys as one (cases/writes.py)
    with django_assert_max_num_queries(22 if connection.vendor == "sqlite" else 11):
        again = register(staff["clerk"], categories, parties=[
            {"name": "张秀英", "phone": "138-0536-1234", "role": "applicant"},
            {"name": "赵六", "phone": "15005360000", "role": "respondent"},
            {"name": "赵六", "phone": "150 0536 0000", "role": "reporter"}])
    assert again.reporter_id == first.reporter_id and again.is_repeat
    assert Resident.objects.count() == 3
    assert sorted(again.parties.values_list("role", flat=True)) == ["applicant", "reporter", "respondent"]
    ev = AuditEvent.objects.get(action="case.register", object_id=str(again.pk))
    new = Resident.objects.get(name="赵六")
    assert f'"residents_created": [{new.pk}]' in ev.details
    assert AuditEvent.objects.filter(object_id=str(again.pk)).count() == 1
    assert audit.verify().ok


def test_a_category_switched_off_is_refused_at_once(staff, categories):
    register(staff["clerk"], categories)  # fills the category cache
    leak = categories["leak"]
    leak.active = False
    leak.save()
    with pytest.raises(Invalid) as e:
        register(staff["clerk"], categories, category="L.leak")
    assert e.value.errors[0]["field"] == "category"


def test_todo_counts_in_one_statement_equal_each_bucket_counted(flow, staff, hall, users, django_assert_num_queries):
    for state in ("registered", "accepted", "dispatched", "handling", "feedback", "callback", "returned", "closed"):
        flow(state, tier="complex" if state == "handling" else "simple")
    Case.objects.filter(state="handling").update(due_at=at(2020, 1, 1))  # one overdue
    for who in ("clerk", "admin", "zjj", "zjj_head", "gaj", "street", "grid", "mediator"):
        actor = staff[who]
        buckets = selectors.todo_buckets(actor)
        with django_assert_num_queries(1):
            counts = selectors.todo_counts(actor, buckets)
        assert counts == {name: qs.count() for name, qs in buckets.items()}, who
    assert selectors.todo_counts(staff["clerk"])["overdue"] == 1
    assert selectors.todo_counts(staff["gaj"])["to_cooperate"] == 1


# ---------------------------------------------------------------- a joint meeting and the dispatch after it (issue #12)

@pytest.fixture
def met(staff, hall, categories):
    """A major case accepted on 2 November and its joint meeting on the 3rd: 住建局 leads, 公安分局
    and 人社局 cooperate, to be settled by 20 November 18:00 — well before the policy's 30 days."""
    DeadlinePolicy.objects.all().delete()
    DeadlinePolicy.objects.create(name="重大纠纷 30 天", handle_value=30, handle_unit="d", sign_value=1, sign_unit="d")

    def meeting(**kw):
        case = register(staff["clerk"], categories, tier="major", **kw)
        services.act(staff["clerk"], case, "accept", now=at(2026, 11, 2))
        services.act(staff["admin"], case, "hold_meeting", {
            "held_at": "2026-11-03T09:00", "attendees": "政法委、住建局、公安分局、人社局",
            "units": [hall["zjj"].pk, hall["gaj"].pk, hall["rsj"].pk], "decisions": "住建局牵头，公安、人社配合，11月20日前化解",
            "lead_unit": hall["zjj"].pk, "cooperating_units": [hall["gaj"].pk, hall["rsj"].pk],
            "deadline": "2026-11-20T18:00"}, now=at(2026, 11, 3, 11))
        return Case.objects.get(pk=case.pk)

    return meeting


def coop(case) -> set[str]:
    return set(case.units.values_list("unit__code", flat=True))


def test_the_dispatch_after_a_joint_meeting_keeps_its_deadline(met, staff, hall):
    """Before: the dispatch set the policy's deadline (3 December) over the meeting's (20 November)."""
    case = met()
    assert case.due_at is None  # the clock has not started: the meeting's deadline waits for the dispatch
    c = services.act(staff["clerk"], case, "dispatch", {"lead_unit": hall["zjj"].pk}, now=at(2026, 11, 3, 14)).case
    assert c.due_at.astimezone(SHANGHAI) == at(2026, 11, 20, 18)  # the meeting's, not 3 December
    assert c.sign_due_at.astimezone(SHANGHAI) == at(2026, 11, 4, 14)  # signing: the policy's day
    assert dt.datetime.fromisoformat(CaseEvent.objects.get(case=c, action="dispatch").data["due_at"]) == at(2026, 11, 20, 18)
    # returned and dispatched again: the deadline stands
    services.act(staff["zjj"], c, "return", {"reason": "主要涉及工资"}, now=at(2026, 11, 4))
    c = services.act(staff["clerk"], c, "dispatch", {"lead_unit": hall["rsj"].pk}, now=at(2026, 11, 4, 10)).case
    assert c.due_at.astimezone(SHANGHAI) == at(2026, 11, 20, 18)


def test_a_dispatch_naming_no_cooperating_units_keeps_the_meetings(met, staff, hall):
    """Before: a dispatch naming no cooperating units erased the ones the meeting set."""
    from zhili.cases.models import Notification

    case = met()
    assert coop(case) == {"dept-gaj", "dept-rsj"}  # the meeting set them
    c = services.act(staff["clerk"], case, "dispatch", {"lead_unit": hall["zjj"].pk}, now=at(2026, 11, 3, 14)).case
    assert coop(c) == {"dept-gaj", "dept-rsj"}  # named none: the meeting's stay
    ev = CaseEvent.objects.get(case=c, action="dispatch")
    assert {u["name"] for u in ev.data["cooperating_units"]} == {"公安分局", "人社局"} and ev.data["meeting_id"]
    assert Notification.objects.filter(case=c, kind="cooperate", user=staff["gaj"]).exists()  # and they were told
    # returned and dispatched again to one of them: the new lead is not its own cooperating unit
    services.act(staff["zjj"], c, "return", {"reason": "主要涉及工资"}, now=at(2026, 11, 4))
    c = services.act(staff["clerk"], c, "dispatch", {"lead_unit": hall["rsj"].pk}, now=at(2026, 11, 4, 10)).case
    assert c.lead_unit_id == hall["rsj"].pk and coop(c) == {"dept-gaj"}
    # transferred naming none: the meeting's again
    c = services.act(staff["clerk"], c, "transfer", {"lead_unit": hall["zjj"].pk, "reason": "改由住建牵头"},
                     now=at(2026, 11, 5)).case
    assert coop(c) == {"dept-gaj", "dept-rsj"} and c.due_at.astimezone(SHANGHAI) == at(2026, 11, 20, 18)


def test_units_named_at_the_dispatch_are_added_to_the_meetings(met, staff, hall, categories):
    """Naming cooperating units after a meeting adds them to the meeting's (the meeting's decision
    is not undone by the dispatch); without a meeting they replace the case's, and the policy sets
    the deadline, as before."""
    case = met()
    c = services.act(staff["clerk"], case, "dispatch", {"lead_unit": hall["zjj"].pk, "cooperating_units": [hall["s1_office"].pk]},
                     now=at(2026, 11, 3, 14)).case
    assert coop(c) == {"dept-gaj", "dept-rsj", "so-1"}  # added, not replaced
    assert c.due_at.astimezone(SHANGHAI) == at(2026, 11, 20, 18)

    plain = register(staff["clerk"], categories, tier="major")
    services.act(staff["clerk"], plain, "accept", now=at(2026, 11, 2))
    p = services.act(staff["clerk"], plain, "dispatch", {"lead_unit": hall["zjj"].pk, "cooperating_units": [hall["gaj"].pk]},
                     now=at(2026, 11, 3, 14)).case
    assert coop(p) == {"dept-gaj"} and p.due_at.astimezone(SHANGHAI) == at(2026, 12, 3, 14)
    services.act(staff["zjj"], p, "return", {"reason": "非本单位"}, now=at(2026, 11, 4))
    p = services.act(staff["clerk"], p, "dispatch", {"lead_unit": hall["rsj"].pk}, now=at(2026, 11, 4, 10)).case
    assert coop(p) == set()
