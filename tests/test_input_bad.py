"""Issue #13: bad input answers a 4xx naming the field and stores nothing (item 12), and the
repeat-filer warning names only what its viewers may see (item 4)."""

from __future__ import annotations

import json

import pytest

from zhili.cases.models import Case
from zhili.core.errors import Invalid
from zhili.core.models import Resident
from zhili.core.services import issue_api_token

pytestmark = pytest.mark.django_db


def _fields(resp) -> list[str]:
    return [e["field"] for e in resp.json()["errors"]]


@pytest.fixture
def token(staff):
    return {"HTTP_AUTHORIZATION": f"Bearer {issue_api_token(staff['admin'], name='t', days=1)}"}


# ---------------------------------------------------------------- the one check

def test_text_check_names_the_field_and_never_cuts():
    from zhili.core import inputs

    assert inputs.text_error("title", "楼上漏水\n二楼", 120) is None
    assert inputs.text_error("title", "楼上漏水\n", 120, multiline=False)["field"] == "title"
    for bad in ("a\x00b", "a\x07b", "a\x7fb", "a\x85b", "a\ud800b"):
        e = inputs.text_error("address", bad, 200)
        assert e["field"] == "address" and "控制字符" in e["message"], bad
    e = inputs.text_error("title", "x" * 121, 120)
    assert "120" in e["message"] and "121" in e["message_en"]
    with pytest.raises(Invalid) as exc:
        inputs.int_param("unit", "9" * 20)
    assert exc.value.errors[0]["field"] == "unit"
    assert inputs.int_param("unit", " 12 ") == 12 and inputs.int_param("unit", "") is None
    assert inputs.value_error("q", "9" * 19)["field"] == "q" and inputs.value_error("q", "13805361234") is None


# ---------------------------------------------------------------- what issue #13 found

@pytest.mark.parametrize("start", ["0001-01-01T00:00:00+08:00", "9999-12-31T23:59:59+08:00"])
def test_deadline_near_year_1_or_9999_is_a_4xx(client, token, start):
    r = client.get("/api/v1/calendar/deadline", {"working_days": 30, "start": start}, **token)
    assert r.status_code == 422 and _fields(r) == ["start"]


def test_insight_unit_with_20_digits_is_a_4xx(client, staff):
    client.force_login(staff["admin"])
    r = client.get("/insight/", {"unit": "9" * 20})
    assert r.status_code == 400 and b"unit" in r.content


def test_a_21_mb_json_body_gets_the_apis_error_format(client, token):
    body = json.dumps({"description": "x" * (21 * 1024 * 1024)})
    r = client.post("/api/v1/cases", body, content_type="application/json", **token)
    assert r.status_code == 413 and r["Content-Type"].startswith("application/json")
    assert _fields(r) == ["body"] and "MB" in r.json()["errors"][0]["message"]


def _intake(client, staff, **over):
    data = {"channel": "window", "case_type": "dispute", "category": "T.neighbour", "title": "楼上漏水",
            "description": "楼上住户卫生间漏水，多次协商未果。", "request": "请协调维修", "address": "幸福小区3号楼",
            "grid": "370705001001001", "urgency": "normal", "tier": "simple",
            "party_name": "张秀英", "party_phone": "13805361234", "party_role": "applicant"}
    data.update(over)
    client.force_login(staff["clerk"])
    return client.post("/cases/new/", data)


@pytest.mark.parametrize(("field", "value"), [
    ("party_name", "张\x00秀英"), ("address", "幸福小区\x00"), ("title", "楼上\x00漏水"), ("description", "漏水\x00"),
    ("party_name", "张" * 61), ("address", "幸" * 201), ("title", "楼" * 121), ("request", "请" * 100_000),
], ids=lambda v: v if len(v) < 20 and "\x00" not in v else f"{len(v)} chars")
def test_the_intake_form_refuses_nul_and_over_long_values(client, staff, categories, field, value):
    cases, residents = Case.objects.count(), Resident.objects.count()
    r = _intake(client, staff, **{field: value})
    assert r.status_code == 400
    assert Case.objects.count() == cases and Resident.objects.count() == residents


def test_the_intake_form_keeps_a_whole_title(client, staff, categories):
    r = _intake(client, staff, title="楼" * 120)
    assert r.status_code == 302
    assert Case.objects.get().title == "楼" * 120


def test_the_api_refuses_what_the_form_refuses(client, token, staff, categories):
    from zhili.cases.api.schemas import _CASE_EXAMPLE

    for field, value in (("request", "请" * 2001), ("title", "楼" * 121), ("address", "a\x00")):
        r = client.post("/api/v1/cases", {**_CASE_EXAMPLE, field: value}, content_type="application/json", **token)
        assert r.status_code == 422 and _fields(r) == [field], field
    assert Case.objects.count() == 0


@pytest.mark.parametrize("path", ["/cases/search/", "/cases/export.xlsx", "/regions/", "/organisations/",
                                  "/api/v1/regions", "/api/v1/organisations", "/api/v1/cases"])
def test_nul_in_search_export_region_and_organisation_queries(client, staff, path):
    client.force_login(staff["admin"])
    for name in ("q", "region", "type", "org_type", "level", "parent", "number", "phone"):
        r = client.get(path, {name: "水\x00"})
        assert 400 <= r.status_code < 500 and name.encode() in r.content, (path, name, r.status_code)


def test_a_form_value_with_nul_is_refused_before_any_view(client, staff):
    client.force_login(staff["admin"])
    r = client.post("/i18n/setlang/", {"language": "en\x00"})
    assert r.status_code == 400 and "<code>language</code>" in r.content.decode()


# ---------------------------------------------------------------- item 4: the warning crosses streets

def test_repeat_filer_warning_names_only_its_regions_cases(staff, categories):
    import datetime as dt

    from zhili.cases import services
    from zhili.cases.models import Notification
    from zhili.core.calendar import SHANGHAI
    from zhili.insight import warnings as wn
    from zhili.insight.models import Warning, WarningRule

    WarningRule.objects.exclude(code="repeat-filer").update(enabled=False)
    when = lambda day: dt.datetime(2026, 11, day, 9, tzinfo=SHANGHAI)  # noqa: E731

    def register(grid, title, day):
        return services.register_case(staff["clerk"], channel="window", case_type="hazard", category=categories["leak"].code,
                                      title=title, description="屋顶漏水", grid=grid, at=when(day),
                                      parties=[{"name": "张三", "phone": "13805360001"}])

    away = [register("370705002001001", "大虞街道的秘密事由", 2), register("370705002001001", "大虞街道的另一件", 3)]
    home = register("370705001001001", "东关街道的漏水", 5)
    assert wn.sweep(now=when(5) + dt.timedelta(minutes=30))["repeat-filer"] == 1
    w = Warning.objects.get(rule__code="repeat-filer")
    assert w.region_code == "370705001001001"
    text = w.reason + " " + Notification.objects.get(kind="warning", user=staff["street"]).text
    for c in away:
        assert c.number not in text and c.title not in text
    assert home.number in w.reason and "另有2次在其他地区登记" in w.reason
    assert w.reason.startswith("近30天同一反映人登记诉求3次（阈值3次）")
