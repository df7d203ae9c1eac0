"""智能派单 at the window (#13 item 19): 受理并分派 in one step (service, page, API), the suggested
units (scoped, ranked, with their reasons), the searchable unit list, and finding cases by a
resident's name. No wall clock: every case is registered and acted on at a given time."""

from __future__ import annotations

import datetime as dt
import json
import re

import pytest
from django.test import Client

from zhili.cases import rollups, services
from zhili.cases.models import CaseEvent
from zhili.cases.suggest import suggest_units
from zhili.core.calendar import SHANGHAI
from zhili.core.errors import Forbidden, Invalid
from zhili.core.models import AuditEvent, Organisation

pytestmark = pytest.mark.django_db

T0 = dt.datetime(2026, 6, 1, 9, 0, tzinfo=SHANGHAI)
H = dt.timedelta(hours=1)
TEXT = "楼上卫生间漏水导致楼下天花板发霉脱落，双方就维修和赔偿协商不成"


def register(actor, categories, at, *, category="neighbour", title="楼上漏水引发邻里纠纷", description=TEXT,
             lon=119.105, lat=36.705, name="张秀英", phone="13805361234", **kw):
    return services.register_case(actor, channel="window", case_type="dispute", category=categories[category].code,
                                  title=title, description=description, lon=lon, lat=lat, at=at,
                                  parties=[{"name": name, "phone": phone, "role": "applicant"},
                                           {"name": "李建国", "phone": "13905362222", "role": "respondent"}], **kw)


def close(case, clerk, handler, t, *, satisfaction="satisfied"):
    """Sign, handle, check and call back: closed on time (hours after dispatch)."""
    services.act(handler, case.number, "sign", {}, now=t + H)
    services.act(handler, case.number, "submit_result", {"result": "已维修"}, now=t + 2 * H)
    services.act(clerk, case.number, "check_pass", {}, now=t + 3 * H)
    services.act(clerk, case.number, "callback", {"solved": True, "satisfaction": satisfaction}, now=t + 4 * H)


def login(user) -> Client:
    c = Client()
    c.force_login(user)
    return c


# ---------------------------------------------------------------- one step: the service

def test_accept_and_dispatch_in_one_step(staff, hall, categories):
    clerk = staff["clerk"]
    case = register(clerk, categories, T0)
    t = T0 + H
    accepted, dispatched = services.accept_and_dispatch(
        clerk, case.number, {"lead_unit": hall["zjj"].pk, "cooperating_units": [hall["gaj"].pk], "tier": "complex",
                             "comment": "请尽快核实"}, now=t)
    case.refresh_from_db()
    assert case.state == "dispatched"
    assert case.lead_unit_id == hall["zjj"].pk and case.tier == "complex"
    assert case.accepted_at == t and case.dispatched_at == t and case.dispatched_by_id == clerk.pk
    assert list(case.units.values_list("unit_id", flat=True)) == [hall["gaj"].pk]
    assert case.due_at is not None and case.sign_due_at is not None
    events = list(CaseEvent.objects.filter(case=case).order_by("at", "id").values_list("action", "from_state", "to_state"))
    assert events == [("register", "", "registered"), ("accept", "registered", "accepted"), ("dispatch", "accepted", "dispatched")]
    assert accepted.event.action == "accept" and dispatched.event.action == "dispatch"
    assert dispatched.event.comment == "请尽快核实"
    audited = list(AuditEvent.objects.filter(action__in=("case.accept", "case.dispatch")).order_by("id")
                   .values_list("action", flat=True))
    assert audited == ["case.accept", "case.dispatch"]
    assert [a["u"] for a in case.ledger["a"]] == [hall["zjj"].pk]
    assert rollups.check() == []


def test_one_step_is_all_or_nothing(staff, hall, categories, users):
    clerk = staff["clerk"]
    case = register(clerk, categories, T0)
    with pytest.raises(Invalid) as exc:  # no unit: refused before anything changes
        services.accept_and_dispatch(clerk, case.number, {"comment": "x"}, now=T0 + H)
    assert [e["field"] for e in exc.value.errors] == ["lead_unit"]
    with pytest.raises(Invalid):
        services.accept_and_dispatch(clerk, case.number, {"lead_unit": 999999}, now=T0 + H)
    # community staff may accept but not dispatch: the acceptance is rolled back with the refusal
    community = users["community_staff"]
    with pytest.raises(Forbidden):
        services.accept_and_dispatch(community, case.number, {"lead_unit": hall["zjj"].pk}, now=T0 + H)
    case.refresh_from_db()
    assert case.state == "registered" and case.accepted_at is None and case.lead_unit_id is None
    assert not CaseEvent.objects.filter(case=case, action__in=("accept", "dispatch")).exists()
    assert not AuditEvent.objects.filter(action__in=("case.accept", "case.dispatch")).exists()
    # only from registered
    services.act(clerk, case.number, "accept", {}, now=T0 + H)
    with pytest.raises(Invalid) as exc:
        services.accept_and_dispatch(clerk, case.number, {"lead_unit": hall["zjj"].pk}, now=T0 + 2 * H)
    assert exc.value.errors[0]["field"] == "state"
    assert rollups.check() == []


# ---------------------------------------------------------------- suggestions

@pytest.fixture
def history(staff, hall, categories, district):
    """Past cases of 邻里纠纷: in street 1, four to 住建局 (closed on time, satisfied), two to 公安分局
    (one returned by it, then to 住建局); in street 2, five to 人社局. Plus noise that must not count:
    a case of another root category, a case older than a year. (With fewer than ``suggest.FEW`` cases
    of the category, its sibling categories would count too, for less.)"""
    clerk, s2 = staff["clerk"], staff["street2"]
    t = T0 - dt.timedelta(days=60)
    for i in range(4):
        c = register(clerk, categories, t + i * 24 * H)
        services.accept_and_dispatch(clerk, c.number, {"lead_unit": hall["zjj"].pk}, now=t + i * 24 * H + H)
        close(c, clerk, staff["zjj"], t + i * 24 * H + H)
    c = register(clerk, categories, t + 5 * 24 * H)
    services.accept_and_dispatch(clerk, c.number, {"lead_unit": hall["gaj"].pk}, now=t + 5 * 24 * H + H)
    services.act(staff["gaj"], c.number, "return", {"reason": "不属于本单位职责"}, now=t + 5 * 24 * H + 2 * H)
    services.act(clerk, c.number, "dispatch", {"lead_unit": hall["zjj"].pk}, now=t + 5 * 24 * H + 3 * H)
    c = register(clerk, categories, t + 6 * 24 * H)
    services.accept_and_dispatch(clerk, c.number, {"lead_unit": hall["gaj"].pk}, now=t + 6 * 24 * H + H)
    for i in range(5):  # street 2
        c = register(s2, categories, t + i * 24 * H, lon=119.145, lat=36.705)
        services.accept_and_dispatch(s2, c.number, {"lead_unit": hall["rsj"].pk}, now=t + i * 24 * H + H)
    c = register(clerk, categories, t, category="leak", title="房屋漏水", description="屋顶漏水三个月")
    services.accept_and_dispatch(clerk, c.number, {"lead_unit": hall["rsj"].pk}, now=t + H)
    old = register(clerk, categories, T0 - dt.timedelta(days=400))
    services.accept_and_dispatch(clerk, old.number, {"lead_unit": hall["rsj"].pk}, now=T0 - dt.timedelta(days=400) + H)
    return register(clerk, categories, T0)


def test_suggestions_ranked_by_past_cases_and_their_outcome(staff, hall, history):
    ranked = suggest_units(staff["clerk"], history)
    names = [s.name for s in ranked]
    assert names[0] == "人社局" or names[0] == "住建局"
    zjj = next(s for s in ranked if s.unit_id == hall["zjj"].pk)
    gaj = next(s for s in ranked if s.unit_id == hall["gaj"].pk)
    assert (zjj.sent, zjj.kept, zjj.done, zjj.on_time, zjj.returned) == (5, 5, 4, 4, 0)
    assert (gaj.sent, gaj.kept, gaj.returned) == (2, 1, 1)
    assert zjj.score > gaj.score  # closed on time and satisfied counts more; the return counts against 公安分局
    assert zjj.reason == "近一年同类案件 5 件派往该单位，按期办结 100%，5 件内容相似"
    assert "退回 1 次" in gaj.reason and "尚无办结" in gaj.reason
    assert all(s.unit_id != hall["rsj"].pk or s.sent == 5 for s in ranked)  # the other category and the old case: not counted


def test_suggestions_are_scoped_to_the_dispatchers_region(staff, hall, history, users):
    # street 1's staff see street 1's past cases only: 人社局 had only street 2's
    ranked = suggest_units(staff["street"], history)
    assert [s.unit_id for s in ranked][:2] == [hall["zjj"].pk, hall["gaj"].pk]
    assert hall["rsj"].pk not in [s.unit_id for s in ranked]
    # the district's clerk sees both streets
    assert hall["rsj"].pk in [s.unit_id for s in suggest_units(staff["clerk"], history)]
    # who does not dispatch gets none
    assert suggest_units(staff["zjj"], history) == [] and suggest_units(users["community_staff"], history) == []


def test_text_similarity_weighs_in(staff, hall, categories):
    clerk = staff["clerk"]
    t = T0 - dt.timedelta(days=30)
    for i in range(3):
        c = register(clerk, categories, t + i * H, title="邻居养狗扰民纠纷", description="邻居家的狗夜间吠叫、在楼道便溺，劝说无效后双方争吵")
        services.accept_and_dispatch(clerk, c.number, {"lead_unit": hall["gaj"].pk}, now=t + i * H + H / 2)
    for i in range(4):
        c = register(clerk, categories, t + (10 + i) * H)
        services.accept_and_dispatch(clerk, c.number, {"lead_unit": hall["zjj"].pk}, now=t + (10 + i) * H + H / 2)
    dog = register(clerk, categories, T0, title="楼下邻居的狗夜间吠叫", description="邻居家的狗夜间吠叫，在楼道便溺")
    leak = register(clerk, categories, T0 + H)
    assert suggest_units(clerk, dog)[0].unit_id == hall["gaj"].pk
    assert suggest_units(clerk, leak)[0].unit_id == hall["zjj"].pk


def test_the_local_office_is_the_new_cases_own(staff, hall, categories, district):
    """A past case sent to its own street's office suggests the office of the new case's street."""
    s2_office = Organisation.objects.create(code="so-2", name="大虞街道办事处", org_type="street_office", region=district["s2"])
    clerk = staff["clerk"]
    t = T0 - dt.timedelta(days=20)
    for i in range(3):
        c = register(clerk, categories, t + i * H)  # street 1
        services.accept_and_dispatch(clerk, c.number, {"lead_unit": hall["s1_office"].pk}, now=t + i * H + H / 2)
    in_s2 = register(clerk, categories, T0, lon=119.145, lat=36.705)
    top = suggest_units(clerk, in_s2)[0]
    assert (top.unit_id, top.local) == (s2_office.pk, True)
    assert "属地" in top.reason
    in_s1 = register(clerk, categories, T0 + H)
    assert suggest_units(clerk, in_s1)[0].unit_id == hall["s1_office"].pk


# ---------------------------------------------------------------- the page

def test_the_case_page_offers_one_step_with_suggestions_and_a_searchable_list(staff, hall, history):
    c = login(staff["clerk"])
    page = c.get(f"/cases/{history.number}/").content.decode()
    assert 'id="form-accept_dispatch"' in page and 'data-testid="unit-suggestions"' in page
    assert "近一年同类案件" in page and "data-unit-filter" in page
    # the top suggestion is chosen in the list
    top = suggest_units(staff["clerk"], history)[0]
    form = page[page.index('id="form-accept_dispatch"'):page.index("</form>", page.index('id="form-accept_dispatch"'))]
    assert re.search(rf'<option value="{top.unit_id}"\s+selected', form)
    # every active unit is in the list
    select = form[form.index('name="lead_unit"'):form.index("</select>", form.index('name="lead_unit"'))]
    assert select.count("<option value=") - 1 == Organisation.objects.filter(
        active=True, org_type__in=("department", "street_office", "community_office", "mediation_committee", "centre")).count()
    r = c.post(f"/cases/{history.number}/accept-dispatch/", {"lead_unit": str(hall["zjj"].pk), "comment": "按建议分派"})
    assert r.status_code == 302
    history.refresh_from_db()
    assert history.state == "dispatched" and history.lead_unit_id == hall["zjj"].pk
    assert rollups.check() == []


def test_the_one_step_form_says_what_is_missing(staff, hall, categories, users):
    case = register(staff["clerk"], categories, T0)
    r = login(staff["clerk"]).post(f"/cases/{case.number}/accept-dispatch/", {"lead_unit": ""})
    assert r.status_code == 400
    body = r.content.decode()
    assert "必填" in body and 'id="form-accept_dispatch"' in body
    case.refresh_from_db()
    assert case.state == "registered"
    # community staff may accept, not dispatch: no one-step form, and posting it is refused
    page = login(users["community_staff"]).get(f"/cases/{case.number}/").content.decode()
    assert 'data-action="accept"' in page and "form-accept_dispatch" not in page
    assert login(users["community_staff"]).post(f"/cases/{case.number}/accept-dispatch/",
                                                {"lead_unit": str(hall["zjj"].pk)}).status_code == 403


# ---------------------------------------------------------------- the API

def test_api_suggestions_and_one_step(staff, hall, history, district):
    c = login(staff["clerk"])
    r = c.get(f"/api/v1/cases/{history.number}/unit-suggestions")
    assert r.status_code == 200
    body = r.json()
    assert body and {"unit_id", "name", "reason", "sent", "on_time", "returned"} <= set(body[0])
    assert login(staff["zjj"]).get(f"/api/v1/cases/{history.number}/unit-suggestions").status_code in (403, 404)
    r = c.post(f"/api/v1/cases/{history.number}/accept-and-dispatch", json.dumps({"lead_unit": body[0]["unit_id"]}),
               content_type="application/json")
    assert r.status_code == 200, r.content
    out = r.json()
    assert [e["action"] for e in out["events"]] == ["accept", "dispatch"]
    assert out["case"]["state"] == "dispatched"
    # again: the case is no longer registered
    r = c.post(f"/api/v1/cases/{history.number}/accept-and-dispatch", json.dumps({"lead_unit": hall["zjj"].pk}),
               content_type="application/json")
    assert r.status_code == 400 and r.json()["errors"][0]["field"] == "state"
    # another street's staff: the case is not in their scope
    assert login(staff["street2"]).post(f"/api/v1/cases/{history.number}/accept-and-dispatch",
                                        json.dumps({"lead_unit": hall["zjj"].pk}),
                                        content_type="application/json").status_code == 404
    assert rollups.check() == []


# ---------------------------------------------------------------- search by a resident's name

def test_search_by_a_residents_name(staff, categories):
    clerk = staff["clerk"]
    a = register(clerk, categories, T0, name="张秀英")
    b = register(clerk, categories, T0 + H, name="王建华", phone="13805360002")
    secret = register(clerk, categories, T0 + 2 * H, name="赵敏", phone="13805360003", confidential=True)
    services.accept_and_dispatch(clerk, secret.number, {"lead_unit": staff["zjj"].organisation_id}, now=T0 + 3 * H)
    c = login(clerk)

    def found(client, q):
        page = client.get("/cases/search/", {"name": q}).content.decode()
        return {n for n in (a.number, b.number, secret.number) if n in page}

    assert found(c, "张秀英") == {a.number}
    assert found(c, "张秀") == {a.number}  # the start of the name
    assert found(c, "李建国") == {a.number, b.number, secret.number}  # a party, not the reporter
    assert found(c, "王五") == set()
    assert found(c, "赵敏") == {secret.number}
    # a department does not find out who reported a confidential case
    assert found(login(staff["zjj"]), "赵敏") == set()
    # the API
    r = c.get("/api/v1/cases", {"name": "王建华"})
    assert [x["number"] for x in r.json()["items"]] == [b.number]
    assert login(staff["zjj"]).get("/api/v1/cases", {"name": "赵敏"}).json()["items"] == []
