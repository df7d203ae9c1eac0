"""The case API (/api/v1/cases, /api/v1/notifications): the contract a client sees — the whole
path through the action endpoints, refusals as 4xx with the field, filters and keyset pages,
phone search, what each role may see of the parties, authentication."""

from __future__ import annotations

import datetime as dt
import json

import pytest
from django.test import Client

from zhili.cases import services
from zhili.cases.models import Case, Notification
from zhili.cases.workflow import ACTIONS
from zhili.core.calendar import SHANGHAI

pytestmark = pytest.mark.django_db

BASE = "/api/v1"
APPLICANT = {"name": "张秀英", "phone": "13805361234", "role": "applicant", "gender": "女"}
RESPONDENT = {"name": "李建国", "phone": "13905362222", "role": "respondent", "gender": "男"}


def case_body(**kw) -> dict:
    body = {"channel": "window", "case_type": "dispute", "category": "T.neighbour", "title": "楼上漏水引发邻里纠纷",
            "description": "楼上住户卫生间漏水，导致天花板发霉脱落，多次协商未果，双方发生争吵。",
            "request": "请协调维修", "address": "东关街道幸福小区3号楼2单元502", "lon": 119.105, "lat": 36.705,
            "urgency": "normal", "tier": "simple", "confidential": False, "parties": [APPLICANT, RESPONDENT]}
    body.update(kw)
    return body


def login(user) -> Client:
    c = Client()
    c.force_login(user)
    return c


def post(c: Client, path: str, body=None, **kw):
    return c.post(BASE + path, data=json.dumps(body if body is not None else {}), content_type="application/json", **kw)


def get(c: Client, path: str, params=None, **kw):
    return c.get(BASE + path, params or {}, **kw)


def act(c: Client, number: str, action: str, body=None, status: int = 200) -> dict:
    r = post(c, f"/cases/{number}/actions/{action}", body)
    assert r.status_code == status, (action, r.status_code, r.content.decode())
    return r.json()


def field_of(r) -> str:
    return r.json()["errors"][0]["field"]


def register(actor, categories, at=None, **kw):
    data = dict(channel="window", case_type="dispute", category=categories["neighbour"].code, title="邻里纠纷",
                description="楼上漏水", lon=119.105, lat=36.705, parties=[APPLICANT, RESPONDENT])
    data.update(kw)
    return services.register_case(actor, at=at, **data)


# ---------------------------------------------------------------- the whole path

def test_complex_case_through_the_api(staff, hall, categories):
    clerk, zjj, gaj = login(staff["clerk"]), login(staff["zjj"]), login(staff["gaj"])

    r = post(clerk, "/cases", case_body(tier="complex"))
    assert r.status_code == 201, r.content
    created = r.json()
    number = created["number"]
    assert created["state"] == "registered" and created["tier"] == "complex"
    assert created["category"] == {"code": "T.neighbour", "label": "邻里纠纷", "path": "T/T.neighbour"}
    assert created["grid"]["code"] == "370705001001001"
    assert {p["phone"] for p in created["parties"]} == {"13805361234", "13905362222"}  # intake staff: full numbers
    assert {"accept", "reject", "merge"} <= {a["name"] for a in created["actions"]}

    listed = get(clerk, "/cases").json()
    assert [c["number"] for c in listed["items"]] == [number] and listed["next_cursor"] is None
    assert listed["items"][0]["reporter"] == {"name": "张*英", "phone": "138****1234"}  # lists are masked

    accept = next(a for a in get(clerk, f"/cases/{number}").json()["actions"] if a["name"] == "accept")
    assert accept["fields"][0]["name"] == "tier" and accept["fields"][0]["kind"] == "choice"
    assert {c["value"] for c in accept["fields"][0]["choices"]} == {"simple", "complex", "major"}
    assert act(clerk, number, "accept", {"comment": "受理"})["case"]["state"] == "accepted"

    res = act(clerk, number, "dispatch", {"lead_unit": hall["zjj"].pk, "cooperating_units": [hall["gaj"].pk],
                                          "comment": "住建局牵头，公安配合"})
    assert res["case"]["state"] == "dispatched" and res["case"]["lead_unit"]["name"] == "住建局"
    assert res["event"]["action"] == "dispatch" and res["event"]["from_state"] == "accepted"
    assert res["confirmation_url"] is None

    seen = get(zjj, f"/cases/{number}").json()
    assert {"sign", "return"} <= {a["name"] for a in seen["actions"]}
    assert seen["deadlines"]["due_at"] and seen["deadlines"]["sign_due_at"] and seen["deadlines"]["time_left"]
    assert {p["phone"] for p in seen["parties"]} == {"138****1234", "139****2222"}  # a department: masked
    assert [u["name"] for u in seen["cooperating_units"]] == ["公安分局"]

    act(zjj, number, "sign", {})
    r = post(zjj, f"/cases/{number}/actions/submit_result", {"result": "已处理"})
    assert r.status_code == 400 and field_of(r) == "result" and "公安分局" in r.json()["errors"][0]["message"]

    act(gaj, number, "record_part", {"part": "民警到场调解，稳控双方情绪"})
    part = get(gaj, f"/cases/{number}").json()["cooperating_units"][0]
    assert part["part"] == "民警到场调解，稳控双方情绪" and part["recorded_at"] and part["recorded_by"]

    assert act(zjj, number, "submit_result", {"result": "已维修，双方和解"})["case"]["state"] == "feedback"
    res = act(clerk, number, "check_pass", {"comment": "核查属实"})
    assert res["case"]["state"] == "callback"
    url = res["confirmation_url"]
    assert url and "/c/" in url
    done = services.confirm_by_resident(url.rsplit("/c/", 1)[1], solved=True, satisfaction="satisfied")
    assert done.case.state == "closed"

    closed = get(clerk, f"/cases/{number}").json()
    assert closed["state"] == "closed" and closed["satisfaction"] == "satisfied" and closed["solved"] is True
    assert closed["counts"]["events"] == 8
    assert {a["name"] for a in closed["actions"]} == {"archive"}

    events = get(clerk, f"/cases/{number}/timeline").json()
    assert [e["action"] for e in events] == ["register", "accept", "dispatch", "sign", "record_part", "submit_result",
                                             "check_pass", "callback"]
    assert events[2]["actor_org"] == "3号窗口" and events[2]["data"]["lead_unit"]["name"] == "住建局"
    assert events[4]["actor_org"] == "公安分局" and events[4]["comment"] == "民警到场调解，稳控双方情绪"
    assert events[-1]["actor_name"] == "群众" and events[-1]["to_state"] == "closed"
    assert all(e["action_label"] for e in events)


def test_resolve_on_spot_gives_the_confirmation_link(staff, categories):
    grid = login(staff["grid"])
    number = post(grid, "/cases", case_body(channel="grid")).json()["number"]
    res = act(grid, number, "resolve_on_spot", {"result": "当场劝解，双方和好"})
    assert res["case"]["state"] == "callback" and res["confirmation_url"]


# ---------------------------------------------------------------- refusals

def test_refusals_are_4xx_with_the_field(staff, hall, categories):
    clerk = login(staff["clerk"])
    number = post(clerk, "/cases", case_body()).json()["number"]
    act(clerk, number, "accept")

    r = post(login(staff["grid"]), f"/cases/{number}/actions/dispatch", {"lead_unit": hall["zjj"].pk})
    assert r.status_code == 403 and r.json()["errors"][0]["message"]  # wrong role

    for who in ("gaj", "street2"):  # another unit's / another street's case: it does not exist for them
        assert get(login(staff[who]), f"/cases/{number}").status_code == 404
        assert get(login(staff[who]), f"/cases/{number}/timeline").status_code == 404
        assert post(login(staff[who]), f"/cases/{number}/actions/accept").status_code == 404

    r = post(clerk, f"/cases/{number}/actions/check_pass", {})
    assert r.status_code == 400 and field_of(r) == "state"  # wrong state

    r = post(clerk, f"/cases/{number}/actions/dispatch", {})
    assert r.status_code == 422 and field_of(r) == "lead_unit" and "必填" in r.json()["errors"][0]["message"]
    r = post(clerk, f"/cases/{number}/actions/dispatch", {"lead_unit": 999999})
    assert r.status_code == 400 and field_of(r) == "lead_unit"
    r = post(clerk, f"/cases/{number}/actions/dispatch", {"lead_unit": "no-such-unit"})
    assert r.status_code == 400 and field_of(r) == "lead_unit"
    r = post(clerk, f"/cases/{number}/actions/dispatch", {"lead_unit": "99999999999999999999999"})
    assert r.status_code == 422 and field_of(r).startswith("lead_unit")
    r = post(clerk, f"/cases/{number}/actions/dispatch", {"lead_unit": hall["zjj"].pk, "tier": "huge"})
    assert r.status_code == 422 and field_of(r) == "tier"
    r = post(clerk, f"/cases/{number}/actions/dispatch", {"lead_unit": hall["zjj"].pk, "comment": "x" * 3000})
    assert r.status_code == 422 and field_of(r) == "comment"
    r = post(clerk, f"/cases/{number}/actions/urge", {"comment": "a\x00b"})
    assert r.status_code == 422 and field_of(r) == "comment"
    r = post(clerk, f"/cases/{number}/actions/hold_meeting", {"held_at": "yesterday"})
    assert r.status_code == 422 and "held_at" in {e["field"] for e in r.json()["errors"]}

    r = post(clerk, f"/cases/{number}/actions/fly_away", {})
    assert r.status_code == 404 and r.json()["errors"][0]["field"] == "action"
    assert post(clerk, "/cases/KW1999-999999/actions/accept").status_code == 404

    # bodies that are not a JSON object
    r = clerk.post(f"{BASE}/cases/{number}/actions/dispatch", data="lead_unit=3", content_type="application/x-www-form-urlencoded")
    assert r.status_code == 400 and r.json()["errors"]
    r = clerk.post(f"{BASE}/cases/{number}/actions/dispatch", data="{not json", content_type="application/json")
    assert r.status_code == 400
    r = clerk.post(f"{BASE}/cases/{number}/actions/dispatch", data="[1, 2]", content_type="application/json")
    assert r.status_code == 422
    r = clerk.post(f"{BASE}/cases/{number}/actions/dispatch", data="", content_type="application/json")
    assert r.status_code == 422
    assert Case.objects.get(number=number).state == "accepted"
    # an action without fields takes no body at all: here refused for the state, not the body
    r = clerk.post(f"{BASE}/cases/{number}/actions/archive", data="", content_type="application/json")
    assert r.status_code == 400 and field_of(r) == "state"


@pytest.mark.parametrize("who", ["clerk", "grid", "clerk-confidential"])
def test_create_answers_what_get_shows(staff, categories, who):
    """The create answer is made from the case just registered, without reading it again, and
    rendered without validating it again: it must be the document GET /cases/{number} gives (which
    is validated against CaseDetail), field for field."""
    c = login(staff[who.split("-")[0]])
    body = case_body(parties=[{"name": "张秀英", "phone": "13805361234", "role": "applicant"},
                              {"name": "赵六", "phone": "15005360000", "role": "respondent"}],
                     address="幸福小区3号楼", title="楼上漏水", confidential=who.endswith("confidential"))
    if who == "grid":
        body.update(channel="grid", case_type="help", lon=119.105, lat=36.705)
    r = post(c, "/cases", body)
    assert r.status_code == 201, r.content
    created = r.json()
    again = get(c, f"/cases/{created['number']}").json()
    for doc in (created, again):  # "time left" is worded from the clock, which moved between the two
        doc.pop("time_left")
        doc["deadlines"].pop("time_left")
    assert created == again
    assert created["category"]["label"] == "邻里纠纷" and created["counts"]["events"] == 1 and len(created["parties"]) == 2


def test_create_refusals(staff, categories):
    clerk = login(staff["clerk"])
    r = post(clerk, "/cases", case_body(category="nope"))
    assert r.status_code == 400 and field_of(r) == "category"
    r = post(clerk, "/cases", case_body(channel="fax"))
    assert r.status_code == 422 and field_of(r) == "channel"
    r = post(clerk, "/cases", case_body(parties=[]))
    assert r.status_code == 422 and field_of(r) == "parties"
    r = post(clerk, "/cases", case_body(parties=[{"name": "王", "phone": "abc"}]))
    assert r.status_code == 400 and field_of(r) == "parties.0.phone"
    r = post(clerk, "/cases", case_body(parties=[{"name": "王" * 61, "phone": "13805361234"}]))
    assert r.status_code == 422 and field_of(r) == "parties.0.name"
    r = post(clerk, "/cases", case_body(lon=500))
    assert r.status_code == 422 and field_of(r) == "lon"
    r = post(clerk, "/cases", case_body(lon=10.0, lat=10.0))
    assert r.status_code == 400 and field_of(r) == "lon"
    r = post(clerk, "/cases", case_body(description=""))
    assert r.status_code == 422 and field_of(r) == "description"
    r = post(clerk, "/cases", case_body(grid="999"))
    assert r.status_code == 400 and field_of(r) == "grid"
    r = post(login(staff["zjj"]), "/cases", case_body())
    assert r.status_code == 403  # a department does not register cases
    assert Case.objects.count() == 0


# ---------------------------------------------------------------- list, filters, pages

def test_keyset_pages_give_every_case_once_in_order(staff, categories):
    base = dt.datetime(2026, 3, 2, 9, 0, tzinfo=SHANGHAI)
    # pairs share a timestamp: the id breaks the tie
    for i in range(25):
        register(staff["clerk"], categories, at=base + dt.timedelta(minutes=i // 2), title=f"案件{i}")
    expected = list(Case.objects.order_by("-created_at", "-id").values_list("number", flat=True))
    clerk = login(staff["clerk"])
    got, cursor, pages = [], None, 0
    while True:
        params = {"limit": 10} | ({"cursor": cursor} if cursor else {})
        page = get(clerk, "/cases", params).json()
        got += [c["number"] for c in page["items"]]
        pages += 1
        cursor = page["next_cursor"]
        if cursor is None:
            break
    assert got == expected and len(set(got)) == 25 and pages == 3
    # a new case registered meanwhile does not shift the pages already handed out
    first = get(clerk, "/cases", {"limit": 10}).json()
    register(staff["clerk"], categories, title="新案件")
    second = get(clerk, "/cases", {"limit": 10, "cursor": first["next_cursor"]}).json()
    assert [c["number"] for c in second["items"]] == expected[10:20]


def test_list_filters(staff, hall, categories, district):
    clerk = login(staff["clerk"])
    t0 = dt.datetime(2026, 3, 2, 9, 0, tzinfo=SHANGHAI)
    a = register(staff["clerk"], categories, at=t0, title="楼上漏水")
    b = register(staff["clerk"], categories, at=t0 + dt.timedelta(days=1), category="T.wages", title="拖欠工资",
                 case_type="complaint", tier="complex")
    c = register(staff["clerk"], categories, at=t0 + dt.timedelta(days=2), category="L.leak", title="屋顶漏雨",
                 lon=119.145, lat=36.705, channel="phone")  # street 002
    services.act(staff["clerk"], b, "accept")
    past = dt.datetime(2026, 1, 5, 9, 0, tzinfo=SHANGHAI)
    services.act(staff["clerk"], b, "dispatch", {"lead_unit": hall["zjj"].pk}, now=past)  # long overdue

    def numbers(params):
        r = get(clerk, "/cases", params)
        assert r.status_code == 200, r.content
        return {x["number"] for x in r.json()["items"]}

    assert numbers({"category": "T"}) == {a.number, b.number}  # sub-categories included
    assert numbers({"category": "T.wages"}) == {b.number}
    assert numbers({"state": ["registered"]}) == {a.number, c.number}
    assert numbers({"state": ["registered", "dispatched"]}) == {a.number, b.number, c.number}
    assert numbers({"lead_unit": hall["zjj"].pk}) == {b.number}
    assert numbers({"region": "370705002000"}) == {c.number}
    assert numbers({"region": "370705001"}) == {a.number, b.number}
    assert numbers({"created_from": "2026-03-03", "created_to": "2026-03-03"}) == {b.number}
    assert numbers({"created_to": "2026-03-02"}) == {a.number}
    assert numbers({"grid": "370705002001001"}) == {c.number}
    assert numbers({"channel": "phone"}) == {c.number}
    assert numbers({"case_type": "complaint", "tier": "complex"}) == {b.number}
    assert numbers({"overdue": "true"}) == {b.number}
    assert numbers({"overdue": "false"}) == {a.number, c.number}
    assert numbers({"q": "漏"}) == {a.number, c.number}
    assert numbers({"number": a.number}) == {a.number}
    assert numbers({"bucket": "to_accept"}) == {a.number, c.number}
    assert numbers({"bucket": "overdue"}) == {b.number}
    item = get(clerk, "/cases", {"number": b.number}).json()["items"][0]
    assert item["overdue"] is True and item["time_left"].startswith("已超期") and item["lead_unit"]["name"] == "住建局"

    for params, field, status in [
        ({"category": "nope"}, "category", 400), ({"state": "flying"}, "state.0", 422),
        ({"region": "370705002000"}, "region", 400),  # outside the street's scope (checked below as s1 staff)
        ({"cursor": "not-a-cursor"}, "cursor", 400), ({"cursor": "MjAyNnwx"}, "cursor", 400),
        ({"limit": 100000}, "limit", 422), ({"limit": 0}, "limit", 422), ({"created_from": "2026-13-45"}, "created_from", 422),
        ({"created_to": "9999-12-31"}, "created_to", 400), ({"overdue": "maybe"}, "overdue", 422),
        ({"lead_unit": "x"}, "lead_unit", 422), ({"lead_unit": 10**30}, "lead_unit", 422),
        ({"bucket": "to_sign"}, "bucket", 400), ({"bucket": "nothing"}, "bucket", 422), ({"phone": "abc"}, "phone", 400),
        ({"q": "a\x00b"}, "q", 422), ({"created_from": "2026-03-05", "created_to": "2026-03-01"}, "created_to", 400),
    ]:
        who = login(staff["street"]) if field == "region" else clerk
        r = get(who, "/cases", params)
        assert r.status_code == status and field_of(r) == field, (params, r.status_code, r.content)
        assert r.json()["errors"][0]["message"] and r.json()["errors"][0]["message_en"]

    todo = {b["bucket"]: b for b in get(clerk, "/cases/todo").json()}
    assert todo["to_accept"]["count"] == 2 and todo["to_accept"]["label"] == "待受理" and todo["overdue"]["count"] == 1
    zjj_todo = {b["bucket"]: b["count"] for b in get(login(staff["zjj"]), "/cases/todo").json()}
    assert zjj_todo["to_sign"] == 1


def test_street_staff_lists_only_its_street(staff, categories):
    mine = register(staff["clerk"], categories)
    other = register(staff["clerk"], categories, lon=119.145, lat=36.705)
    numbers = {c["number"] for c in get(login(staff["street"]), "/cases").json()["items"]}
    assert mine.number in numbers and other.number not in numbers


def test_phone_search(staff, categories):
    a = register(staff["clerk"], categories)
    b = register(staff["clerk"], categories, parties=[{"name": "王芳", "phone": "13605367777", "role": "reporter"},
                                                      {"name": "张秀英", "phone": "13805361234", "role": "respondent"}])
    register(staff["clerk"], categories, parties=[{"name": "赵强", "phone": "13705368888"}])
    clerk = login(staff["clerk"])

    def numbers(phone):
        return {x["number"] for x in get(clerk, "/cases", {"phone": phone}).json()["items"]}

    assert numbers("13805361234") == {a.number, b.number}  # as reporter, and as a party
    assert numbers("138-0536-1234") == {a.number, b.number}
    assert numbers("13605367777") == {b.number}
    assert numbers("13000000000") == set()


def test_duplicates_for_the_intake_form(staff, categories):
    a = register(staff["clerk"], categories, description="楼上住户卫生间漏水，多次协商未果，双方发生争吵。")
    clerk = login(staff["clerk"])
    r = get(clerk, "/cases/duplicates", {"category": "T.neighbour", "lon": 119.1052, "lat": 36.7051,
                                         "phone": "13805361234", "text": "楼上卫生间漏水 多次协商未果 发生争吵"})
    assert r.status_code == 200, r.content
    found = r.json()
    assert found[0]["case"]["number"] == a.number and "同一反映人" in found[0]["reasons"]
    assert found[0]["case"]["reporter"]["phone"] == "138****1234"
    r = get(clerk, "/cases/duplicates", {"lon": 119.1})
    assert r.status_code == 400 and field_of(r) == "lon"
    assert get(clerk, "/cases/duplicates", {"phone": "x"}).status_code == 400
    r = get(clerk, "/cases/duplicates", {"lat": 100, "lon": 1})
    assert r.status_code == 422 and field_of(r) == "lat"


# ---------------------------------------------------------------- personal data

def test_confidential_case_hides_the_reporter_from_departments(staff, hall, categories):
    whistle = {"name": "王秘密", "phone": "13605367777", "role": "reporter"}
    other = {"name": "周被举", "phone": "13705368888", "role": "respondent"}
    clerk = login(staff["clerk"])
    r = post(clerk, "/cases", case_body(case_type="report", confidential=True, parties=[whistle, other]))
    assert r.status_code == 201
    number = r.json()["number"]
    # intake staff see everything
    parties = {p["role"]: p for p in get(clerk, f"/cases/{number}").json()["parties"]}
    assert parties["reporter"]["name"] == "王秘密" and parties["reporter"]["phone"] == "13605367777"
    act(clerk, number, "accept")
    act(clerk, number, "dispatch", {"lead_unit": hall["zjj"].pk})

    for who in ("zjj", "zjj_head"):
        c = login(staff[who])
        r = get(c, f"/cases/{number}")
        assert r.status_code == 200
        body = r.content.decode()
        for secret in ("王秘密", "王*密", "13605367777", "136****7777"):
            assert secret not in body, (who, secret)
        parties = {p["role"]: p for p in r.json()["parties"]}
        assert parties["reporter"] == {"role": "reporter", "role_label": parties["reporter"]["role_label"], "name": None,
                                       "phone": None, "gender": "", "withheld": True}
        assert parties["respondent"]["name"] == "周被举" and parties["respondent"]["phone"] == "137****8888"
        listed = get(c, "/cases").content.decode()
        assert number in listed and "王*密" not in listed and "136****7777" not in listed
        assert get(c, "/cases", {"number": number}).json()["items"][0]["reporter"] is None
        assert get(c, "/cases", {"phone": "13605367777"}).json()["items"] == []  # cannot find out who reported
        assert get(c, "/cases/duplicates", {"phone": "13605367777"}).json() == []
        assert "王" not in get(c, f"/cases/{number}/timeline").content.decode()

    # a case that is not confidential: the department sees names, phones masked
    plain = post(clerk, "/cases", case_body()).json()["number"]
    act(clerk, plain, "accept")
    act(clerk, plain, "dispatch", {"lead_unit": hall["zjj"].pk})
    parties = {p["role"]: p for p in get(login(staff["zjj"]), f"/cases/{plain}").json()["parties"]}
    assert parties["applicant"]["name"] == "张秀英" and parties["applicant"]["phone"] == "138****1234"
    assert not parties["applicant"]["withheld"]


def test_phones_masked_for_other_region_roles(staff, categories):
    number = register(staff["clerk"], categories).number
    for who in ("grid", "leader"):
        parties = get(login(staff[who]), f"/cases/{number}").json()["parties"]
        assert {p["phone"] for p in parties} == {"138****1234", "139****2222"}
    parties = get(login(staff["street"]), f"/cases/{number}").json()["parties"]
    assert {p["phone"] for p in parties} == {"13805361234", "13905362222"}


# ---------------------------------------------------------------- authentication

@pytest.mark.parametrize("method,path", [
    ("get", "/cases"), ("post", "/cases"), ("get", "/cases/KW2026-000001"), ("get", "/cases/KW2026-000001/timeline"),
    ("post", "/cases/KW2026-000001/actions/accept"), ("get", "/cases/duplicates"), ("get", "/cases/todo"),
    ("get", "/notifications"), ("post", "/notifications/1/read"),
])
def test_anonymous_gets_401(client, db, method, path):
    r = post(client, path, {}) if method == "post" else get(client, path)
    assert r.status_code == 401
    assert r.json()["errors"][0]["message_en"] == "authentication required"


def test_api_token(staff, hall, categories):
    r = post(login(staff["clerk"]), "/tokens", {"name": "热线对接"})
    assert r.status_code == 201
    token = r.json()["token"]
    api = Client(enforce_csrf_checks=True, HTTP_AUTHORIZATION=f"Bearer {token}")
    r = post(api, "/cases", case_body())
    assert r.status_code == 201, r.content
    number = r.json()["number"]
    assert act(api, number, "accept")["case"]["state"] == "accepted"
    assert get(api, "/cases").json()["items"][0]["number"] == number
    bad = Client(HTTP_AUTHORIZATION="Bearer zk_wrong")
    assert get(bad, "/cases").status_code == 401


def test_session_posts_need_the_csrf_token(staff, categories):
    c = Client(enforce_csrf_checks=True)
    c.force_login(staff["clerk"])
    assert get(c, "/cases").status_code == 200
    assert post(c, "/cases", case_body()).status_code == 403
    assert Case.objects.count() == 0


# ---------------------------------------------------------------- inbox

def test_inbox(staff, hall, categories):
    case = register(staff["clerk"], categories)
    services.act(staff["clerk"], case, "accept")
    services.act(staff["clerk"], case, "dispatch", {"lead_unit": hall["zjj"].pk})
    zjj = login(staff["zjj"])
    inbox = get(zjj, "/notifications").json()
    assert inbox["unread"] == 1 and inbox["items"][0]["case_number"] == case.number
    nid = inbox["items"][0]["id"]
    r = post(zjj, f"/notifications/{nid}/read")
    assert r.status_code == 200 and r.json()["read_at"]
    assert get(zjj, "/notifications").json()["unread"] == 0
    assert post(zjj, f"/notifications/{nid}/read").status_code == 200  # idempotent
    assert post(login(staff["gaj"]), f"/notifications/{nid}/read").status_code == 404  # not yours
    assert post(zjj, "/notifications/0/read").status_code == 422
    assert post(zjj, f"/notifications/{10**30}/read").status_code == 422
    assert post(zjj, "/notifications/abc/read").status_code == 422
    assert Notification.objects.get(pk=nid).read_at is not None


def test_every_workflow_action_has_an_endpoint(staff):
    schema = get(login(staff["clerk"]), "/openapi.json").json()
    for name in ACTIONS:
        assert f"/api/v1/cases/{{number}}/actions/{name}" in schema["paths"], name


# ---------------------------------------------------------------- attachments

def test_attachments_through_the_api(staff, categories, settings, tmp_path):
    from django.core.files.uploadedfile import SimpleUploadedFile

    from zhili.core.models import AuditEvent

    settings.MEDIA_ROOT = str(tmp_path)
    jpg = b"\xff\xd8\xff\xe0" + b"\x00" * 100
    number = register(staff["grid"], categories).number
    grid = Client(HTTP_AUTHORIZATION=f"Bearer {post(login(staff['grid']), '/tokens', {'name': 'phone'}).json()['token']}")

    def send(c, name, content, ctype):
        return c.post(f"{BASE}/cases/{number}/attachments", {"file": SimpleUploadedFile(name, content, content_type=ctype)})

    r = send(grid, "现场照片.jpg", jpg, "image/jpeg")
    assert r.status_code == 201, r.content
    out = r.json()
    assert out["name"] == "现场照片.jpg" and out["size"] == len(jpg) and out["content_type"] == "image/jpeg"
    r = grid.get(out["url"])
    assert r.status_code == 200 and b"".join(r.streaming_content) == jpg and r["Content-Type"] == "image/jpeg"
    assert [a["id"] for a in grid.get(f"{BASE}/cases/{number}/attachments").json()] == [out["id"]]

    for name, content, ctype in (("tool.exe", b"MZ\x00\x00", "application/octet-stream"),
                                 ("photo.jpg", b"\x89PNG\r\n\x1a\n" + b"\x00" * 10, "image/jpeg"),
                                 ("empty.pdf", b"", "application/pdf")):
        r = send(grid, name, content, ctype)
        assert r.status_code == 400 and field_of(r) == "file" and r.json()["errors"][0]["message_en"], name
    r = grid.post(f"{BASE}/cases/{number}/attachments", {})
    assert r.status_code in (400, 422)
    assert AuditEvent.objects.filter(action="case.attach", result="refused").count() == 3

    assert send(login(staff["leader"]), "x.jpg", jpg, "image/jpeg").status_code == 403  # reads, does not attach
    other = login(staff["street2"])  # another street: the case does not exist for it
    assert send(other, "x.jpg", jpg, "image/jpeg").status_code == 404
    assert other.get(out["url"]).status_code == 404
    assert grid.get(f"{BASE}/cases/{number}/attachments/999999").status_code == 404


# ---------------------------------------------------------------- a joint meeting and the dispatch after it (issue #12)

@pytest.fixture
def met_by_api(staff, hall, categories, monkeypatch):
    """Major cases accepted and met on (API calls pass no time: frozen here at 3 November 14:00):
    the joint meeting puts 住建局 in the lead, 公安分局 cooperating, to be settled by 20 November
    18:00 — before the policy's 30 days."""
    from django.utils import timezone

    from zhili.cases.models import DeadlinePolicy

    DeadlinePolicy.objects.all().delete()
    DeadlinePolicy.objects.create(name="重大纠纷 30 天", handle_value=30, handle_unit="d", sign_value=1, sign_unit="d")
    monkeypatch.setattr(timezone, "now", lambda: dt.datetime(2026, 11, 3, 14, tzinfo=SHANGHAI))
    clerk, admin = login(staff["clerk"]), login(staff["admin"])

    def meeting() -> str:
        number = register(staff["clerk"], categories, at=dt.datetime(2026, 11, 2, 9, tzinfo=SHANGHAI), tier="major").number
        act(clerk, number, "accept")
        act(admin, number, "hold_meeting", {
            "held_at": "2026-11-03T09:00:00+08:00", "attendees": "政法委、住建局、公安分局", "units": [hall["zjj"].pk, hall["gaj"].pk],
            "decisions": "住建局牵头，公安配合，11月20日前化解", "lead_unit": "dept-zjj", "cooperating_units": ["dept-gaj"],
            "deadline": "2026-11-20T18:00:00+08:00"})
        return number

    return clerk, meeting


def test_the_dispatch_after_a_joint_meeting_keeps_its_deadline_through_the_api(met_by_api, hall):
    """The dispatch's answer and the case read back carry the meeting's deadline — not the policy's
    3 December, and not a ``deadline`` sent in the body, which is no field of the dispatch."""
    clerk, meeting = met_by_api
    number = meeting()
    res = act(clerk, number, "dispatch", {"lead_unit": hall["zjj"].pk, "deadline": "2027-01-31T18:00:00+08:00"})
    assert res["case"]["state"] == "dispatched" and res["case"]["due_at"] == "2026-11-20T18:00:00+08:00"
    seen = get(clerk, f"/cases/{number}").json()["deadlines"]
    assert (seen["due_at"], seen["sign_due_at"]) == ("2026-11-20T18:00:00+08:00", "2026-11-04T14:00:00+08:00")


def test_the_dispatch_after_a_joint_meeting_keeps_its_units_through_the_api(met_by_api, hall):
    """Naming none keeps the meeting's cooperating units; naming some adds them."""
    clerk, meeting = met_by_api
    first, second = meeting(), meeting()
    res = act(clerk, first, "dispatch", {"lead_unit": hall["zjj"].pk})
    assert [u["name"] for u in res["event"]["data"]["cooperating_units"]] == ["公安分局"]
    assert [u["name"] for u in get(clerk, f"/cases/{first}").json()["cooperating_units"]] == ["公安分局"]
    act(clerk, second, "dispatch", {"lead_unit": "dept-zjj", "cooperating_units": ["dept-rsj"]})
    assert sorted(u["name"] for u in get(clerk, f"/cases/{second}").json()["cooperating_units"]) == ["人社局", "公安分局"]
