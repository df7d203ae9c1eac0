"""The case office pages (/cases/…) through Django's test client: intake at the window and the
receipt, the to-do tabs, search with keyset pages and the Excel export, the case page with the
buttons of the workflow table, refusals, attachments, the agreement, the inbox and its badge."""

from __future__ import annotations

import copy
import datetime as dt
import io
import json
import re
import shutil
import subprocess
from pathlib import Path

import pytest
from django.test import Client
from django.utils import timezone, translation

from zhili.cases import forms as case_forms
from zhili.cases import services
from zhili.cases.models import Attachment, Case, Notification
from zhili.core.models import AuditEvent

pytestmark = pytest.mark.django_db

LOCALE = Path(__file__).resolve().parent.parent / "src" / "zhili" / "locale"
PROCESSOR = "zhili.cases.context.inbox"


# ---------------------------------------------------------------- settings as the lead configures them


@pytest.fixture(scope="session")
def drafts_catalogue(tmp_path_factory):
    """The main catalogue with locale/drafts/*.po merged in, compiled into a temporary directory
    (only used while the drafts are not merged into zh_Hans yet)."""
    if not (shutil.which("msgcat") and shutil.which("msgfmt")):
        return None
    root = tmp_path_factory.mktemp("locale")
    out = root / "zh_Hans" / "LC_MESSAGES"
    out.mkdir(parents=True)
    subprocess.run(
        [
            "msgcat",
            "--use-first",
            str(LOCALE / "zh_Hans" / "LC_MESSAGES" / "django.po"),
            *map(str, sorted((LOCALE / "drafts").glob("*.po"))),
            "-o",
            str(out / "django.po"),
        ],
        check=True,
    )
    subprocess.run(["msgfmt", "-o", str(out / "django.mo"), str(out / "django.po")], check=True)
    return root


@pytest.fixture(autouse=True)
def office_settings(settings, drafts_catalogue):
    """The inbox badge's context processor and the office translations: a no-op once the lead has
    added ``zhili.cases.context.inbox`` to TEMPLATES and merged locale/drafts/office.po."""
    if PROCESSOR not in settings.TEMPLATES[0]["OPTIONS"]["context_processors"]:
        templates = copy.deepcopy(settings.TEMPLATES)
        templates[0]["OPTIONS"]["context_processors"].append(PROCESSOR)
        settings.TEMPLATES = templates
    with translation.override("zh-hans"):
        merged = translation.gettext("Earlier requests") != "Earlier requests"
    if not merged:
        if drafts_catalogue is None:
            pytest.skip("the office translations are not merged and gettext is not installed")
        settings.LOCALE_PATHS = [str(drafts_catalogue)]


# ---------------------------------------------------------------- helpers

APPLICANT = {"name": "张秀英", "phone": "13805361234", "role": "applicant"}
RESPONDENT = {"name": "李建国", "phone": "13905362222", "role": "respondent"}


def login(user) -> Client:
    c = Client()
    c.force_login(user)
    return c


def html(response) -> str:
    return response.content.decode()


def intake_form(**kw) -> dict:
    data = {
        "party_phone": ["13805361234", "13905362222"],
        "party_name": ["张秀英", "李建国"],
        "party_role": ["applicant", "respondent"],
        "case_type": "dispute",
        "category": "T.neighbour",
        "category_text": "矛盾纠纷 › 邻里纠纷",
        "title": "",
        "description": "楼上卫生间漏水，天花板发霉脱落，多次协商未果。",
        "request": "请协调楼上住户维修",
        "address": "东关街道幸福小区3号楼2单元502",
        "lon": "119.105",
        "lat": "36.705",
        "grid": "",
        "urgency": "normal",
        "tier": "complex",
        "channel": "window",
        "op": "register",
    }
    data.update(kw)
    return data


def register(actor, categories, **kw) -> Case:
    data = dict(
        channel="window",
        case_type="dispute",
        category=categories["neighbour"].code,
        title="楼上漏水引发邻里纠纷",
        description="楼上住户卫生间漏水，多次协商未果。",
        lon=119.105,
        lat=36.705,
        tier="complex",
        parties=[APPLICANT, RESPONDENT],
    )
    data.update(kw)
    return services.register_case(actor, **data)


def to_state(staff, hall, categories, state: str, **kw) -> Case:
    case = register(staff["clerk"], categories, **kw)
    steps = {
        "registered": [],
        "accepted": [("clerk", "accept", {})],
        "dispatched": [
            ("clerk", "accept", {}),
            ("clerk", "dispatch", {"lead_unit": hall["zjj"].pk, "cooperating_units": [hall["gaj"].pk]}),
        ],
    }
    path = steps.get(state)
    if path is None:
        path = steps["dispatched"] + [("zjj", "sign", {})]
        if state in ("feedback", "callback", "closed"):
            path += [
                ("gaj", "record_part", {"part": "民警到场调解"}),
                ("zjj", "submit_result", {"result": "已维修"}),
            ]
        if state in ("callback", "closed"):
            path += [("clerk", "check_pass", {})]
        if state == "closed":
            path += [("clerk", "callback", {"solved": True, "satisfaction": "satisfied"})]
    for who, action, data in path:
        case = services.act(staff[who], case, action, data).case
    assert case.state == state
    return case


def bucket_counts(page: str) -> dict[str, int]:
    return {k: int(n) for k, n in re.findall(r'data-bucket="(\w+)".*?data-count="(\d+)"', page, re.S)}


# ---------------------------------------------------------------- intake and receipt


def test_clerk_registers_at_the_window_and_gets_a_printable_receipt_with_a_qr_code(staff, hall, categories):
    c = login(staff["clerk"])
    page = html(c.get("/cases/new/"))
    assert 'name="party_phone"' in page and "autofocus" in page
    assert (
        page.index('name="party_phone"') < page.index('name="party_name"') < page.index('name="description"')
    )
    assert 'value="window" selected' in page  # a window clerk's channel is 窗口来访
    cats = json.loads(
        re.search(r'<script id="category-data" type="application/json">(.*?)</script>', page, re.S).group(1)
    )
    assert {"code": "T.neighbour", "label": "邻里纠纷", "path": "矛盾纠纷 › 邻里纠纷"}.items() <= next(
        c for c in cats if c["code"] == "T.neighbour"
    ).items()  # every category with its path, for the picker

    r = c.post(
        "/cases/new/", intake_form(category="", category_text="矛盾纠纷 › 邻里纠纷")
    )  # typed, not picked
    assert r.status_code == 302, html(r)
    case = Case.objects.get()
    assert r["Location"] == f"/cases/{case.number}/receipt/"
    assert case.state == "registered" and case.channel == "window" and case.tier == "complex"
    assert case.category.code == "T.neighbour" and case.grid.code == "370705001001001"
    assert sorted(case.parties.values_list("role", flat=True)) == ["applicant", "respondent"]

    receipt = html(c.get(r["Location"]))
    assert "群众诉求受理回执" in receipt and case.number in receipt
    today = timezone.localtime()
    assert f"{today.year}年{today.month}月{today.day}日" in receipt
    assert "矛盾纠纷 › 邻里纠纷" in receipt
    assert re.search(r'data-testid="receipt-qr"><svg[^>]*class="qr"', receipt)
    assert f"/track/?number={case.number}" in receipt  # the public lookup page
    assert "打印回执" in receipt


def test_the_phone_number_shows_the_residents_earlier_requests(staff, hall, categories):
    register(staff["clerk"], categories, title="楼上漏水", at=timezone.now() - dt.timedelta(days=3))
    c = login(staff["clerk"])
    part = html(c.get("/cases/new/history/", {"party_phone": "138 0536 1234"}))
    month = timezone.localtime(timezone.now() - dt.timedelta(days=3)).month
    assert f"{month}月来过：楼上漏水" in part
    assert "首次来访" in html(c.get("/cases/new/history/", {"party_phone": "13700000000"}))
    assert "请继续输入" in html(c.get("/cases/new/history/", {"party_phone": "138"}))


def test_likely_duplicates_appear_beside_the_form_and_can_be_merged_after_registering(
    staff, hall, categories
):
    first = register(staff["clerk"], categories)
    c = login(staff["clerk"])
    part = html(
        c.get(
            "/cases/new/duplicates/",
            {"category": "T.neighbour", "lon": "119.1051", "lat": "36.7049", "description": "楼上漏水"},
        )
    )
    assert first.number in part and "同类别、位置相近" in part

    r = c.post(
        "/cases/new/", intake_form(party_phone=["13700001111"], party_name=["王五"], party_role=["applicant"])
    )
    new = Case.objects.exclude(pk=first.pk).get()
    receipt = html(c.get(r["Location"]))
    assert 'data-testid="merge-candidates"' in receipt and first.number in receipt
    r = c.post(f"/cases/{new.number}/act/merge/", {"master": first.number, "comment": "登记时合并"})
    assert r.status_code == 302 and r["Location"] == f"/cases/{first.number}/"
    new.refresh_from_db()
    assert new.state == "merged" and new.master_id == first.pk


def test_errors_keep_what_was_typed_and_name_the_field_in_chinese(staff, hall, categories):
    c = login(staff["clerk"])
    r = c.post(
        "/cases/new/", intake_form(description="", party_phone=["12", "13905362222"], address="幸福小区3号楼")
    )
    assert r.status_code == 400
    page = html(r)
    assert Case.objects.count() == 0
    box = page[page.index('data-testid="form-errors"') :]
    box = box[: box.index("</div>\n  </div>") if "</div>\n  </div>" in box else 2000]
    assert "诉求内容" in box and "请填写诉求内容" in box
    # kept: the address, the names, the picked category, the tier
    assert 'value="幸福小区3号楼"' in page and 'value="张秀英"' in page and 'value="李建国"' in page
    assert 'value="T.neighbour"' in page and 'value="complex" checked' in page
    assert 'aria-invalid="true">' in page.split('name="description"')[1][:120]

    r = c.post("/cases/new/", intake_form(party_phone=["12", "13905362222"]))
    page = html(r)
    assert r.status_code == 400 and "第1位当事人的联系电话" in page and "电话号码格式不正确" in page
    assert Case.objects.count() == 0

    r = c.post("/cases/new/", intake_form(category="", category_text="邻"))
    assert r.status_code == 400 and "请从列表中选择问题类别" in html(r)


def test_resolved_on_the_spot_shows_the_confirmation_qr_and_is_simple_only(staff, hall, categories):
    c = login(staff["clerk"])
    r = c.post("/cases/new/", intake_form(op="resolve", tier="complex", result="当场联系物业维修"))
    assert r.status_code == 400 and "只有简单纠纷可以当场办结" in html(r)
    assert Case.objects.count() == 0  # all or nothing
    r = c.post("/cases/new/", intake_form(op="resolve", tier="simple", result=""))
    assert r.status_code == 400 and "请填写当场办理的结果" in html(r) and Case.objects.count() == 0

    r = c.post("/cases/new/", intake_form(op="resolve", tier="simple", result="当场联系物业维修"))
    assert r.status_code == 302
    case = Case.objects.get()
    assert case.state == "callback" and case.result == "当场联系物业维修"
    receipt = html(c.get(r["Location"]))
    assert 'data-testid="confirm-panel"' in receipt and "已当场办结" in receipt
    link = re.search(r'data-testid="confirm-url"[^>]*>([^<]+)<', receipt).group(1)
    assert "/c/" in link
    assert services.token_case(link.rsplit("/c/", 1)[1]).case_id == case.pk
    page = html(c.get(f"/cases/{case.number}/"))
    assert link in page and 'data-action="callback"' in page  # and 电话回访 for the clerk


# ---------------------------------------------------------------- to-do list


def test_to_do_tabs_show_the_right_counts(staff, hall, categories):
    for _ in range(2):
        to_state(staff, hall, categories, "registered")
    to_state(staff, hall, categories, "accepted")
    dispatched = to_state(staff, hall, categories, "dispatched")
    to_state(staff, hall, categories, "feedback")

    page = html(login(staff["clerk"]).get("/cases/"))
    counts = bucket_counts(page)
    assert counts["to_accept"] == 2 and counts["to_dispatch"] == 1 and counts["to_check"] == 1
    assert counts["to_callback"] == 0
    assert "待受理" in page and "待核查" in page and 'class="badge badge-red"' in page
    assert page.count("<tr data-number=") == 2  # the first bucket with something in it: 待受理

    page = html(login(staff["clerk"]).get("/cases/?bucket=to_check"))
    assert page.count("<tr data-number=") == 1

    page = html(login(staff["zjj"]).get("/cases/"))
    counts = bucket_counts(page)
    assert counts["to_sign"] == 1 and counts["to_handle"] == 0
    assert dispatched.number in page and "剩余" in page  # time left, coloured
    page = html(login(staff["gaj"]).get("/cases/?bucket=to_cooperate"))
    assert bucket_counts(page)["to_cooperate"] == 0  # 公安 cooperates once 住建局 has signed


def test_home_page_to_do_card_counts_are_real(staff, hall, categories):
    from zhili.web import homepage

    to_state(staff, hall, categories, "registered")
    cards = homepage.context(staff["clerk"])["cases"]
    tabs = {t["key"]: t["count"] for t in cards["tabs"]}
    assert tabs["to_accept"] == 1 and cards["intake_url"] == "/cases/new/"
    assert homepage.context(staff["leader"])["cases"] is None
    # the cards for web/home.html: {% include "cases/_home_cards.html" %}
    from django.template.loader import render_to_string

    with translation.override("zh-hans"):
        card = render_to_string("cases/_home_cards.html", {"cases": cards})
    assert 'data-bucket="to_accept"' in card and "待受理" in card and 'badge-red">1<' in card
    assert 'href="/cases/new/"' in card and "即将超期与已超期" in card


# ---------------------------------------------------------------- the case page and its actions


def test_department_handler_gets_404_on_a_case_not_dispatched_to_it(staff, hall, categories):
    case = to_state(staff, hall, categories, "dispatched")
    assert login(staff["rsj"]).get(f"/cases/{case.number}/").status_code == 404
    assert login(staff["rsj"]).get(f"/cases/{case.number}/receipt/").status_code == 404
    assert login(staff["zjj"]).get(f"/cases/{case.number}/").status_code == 200
    assert login(staff["gaj"]).get(f"/cases/{case.number}/").status_code == 200  # cooperating
    assert login(staff["clerk"]).get("/cases/KW2026-999999/").status_code == 404


def test_case_page_shows_only_the_allowed_buttons(staff, hall, categories):
    case = to_state(staff, hall, categories, "registered")
    page = html(login(staff["clerk"]).get(f"/cases/{case.number}/"))
    buttons = set(re.findall(r'data-action="(\w+)"', page))
    assert {"accept", "reject", "merge"} <= buttons and "sign" not in buttons and "dispatch" not in buttons
    assert ">受理</a>" in page and ">不予受理</a>" in page and ">签收<" not in page
    # the forms are drawn from the FieldSpecs: reject asks for a reason and the proper channel
    form = page[page.index('id="form-reject"') :]
    form = form[: form.index("</form>")]
    assert 'name="reason"' in form and 'name="proper_channel"' in form and "<textarea" in form

    case = to_state(staff, hall, categories, "dispatched")
    page = html(login(staff["zjj"]).get(f"/cases/{case.number}/"))
    assert set(re.findall(r'data-action="(\w+)"', page)) == {"sign", "return"}
    page = html(login(staff["gaj"]).get(f"/cases/{case.number}/"))
    assert 'data-testid="actions"' not in page  # 公安 cooperates: nothing to do before 住建局 signs


def test_dispatch_form_has_unit_selects_and_records_the_units(staff, hall, categories):
    case = to_state(staff, hall, categories, "accepted")
    c = login(staff["clerk"])
    page = html(c.get(f"/cases/{case.number}/"))
    form = page[page.index('id="form-dispatch"') :]
    form = form[: form.index("</form>")]
    assert '<select id="f-dispatch-lead_unit" name="lead_unit"' in form and "住建局" in form
    assert 'type="checkbox" name="cooperating_units"' in form
    r = c.post(
        f"/cases/{case.number}/act/dispatch/",
        {
            "lead_unit": hall["zjj"].pk,
            "cooperating_units": [hall["gaj"].pk],
            "tier": "complex",
            "comment": "请住建局牵头",
        },
    )
    assert r.status_code == 302 and r["Location"] == f"/cases/{case.number}/"
    case.refresh_from_db()
    assert case.state == "dispatched" and case.lead_unit == hall["zjj"]
    assert list(case.units.values_list("unit__name", flat=True)) == ["公安分局"]
    page = html(c.get(f"/cases/{case.number}/"))
    timeline = page[page.index('data-testid="timeline"') :]
    assert (
        "分派" in timeline and "住建局" in timeline and "公安分局" in timeline and "请住建局牵头" in timeline
    )
    assert "已完成：分派。" in page  # the message after the redirect


def test_the_dispatch_form_after_a_joint_meeting_says_what_stays(staff, hall, categories, monkeypatch):
    """Issue #12: after a joint meeting the dispatch form names the meeting's deadline and units
    (they stay, the units ticked are added); dispatched with none ticked, the case has both."""
    from zhili.core.calendar import SHANGHAI

    monkeypatch.setattr(timezone, "now", lambda: dt.datetime(2026, 11, 3, 14, tzinfo=SHANGHAI))
    case = register(staff["clerk"], categories, tier="major")
    services.act(staff["clerk"], case, "accept")
    services.act(staff["admin"], case, "hold_meeting", {
        "held_at": "2026-11-03T09:00", "attendees": "政法委、住建局、公安分局", "units": [hall["zjj"].pk, hall["gaj"].pk],
        "decisions": "住建局牵头，公安配合", "lead_unit": hall["zjj"].pk, "cooperating_units": [hall["gaj"].pk],
        "deadline": "2026-11-20T18:00"})
    c = login(staff["clerk"])
    page = html(c.get(f"/cases/{case.number}/"))
    form = page[page.index('id="form-dispatch"') :]
    form = form[: form.index("</form>")]
    assert "2026-11-03 09:00联席会议确定办理时限为2026-11-20 18:00、配合单位为公安分局，分派沿用会议决定" in form
    r = c.post(f"/cases/{case.number}/act/dispatch/", {"lead_unit": hall["zjj"].pk, "comment": "按会议决定分派"})
    assert r.status_code == 302
    case.refresh_from_db()
    assert case.due_at == dt.datetime(2026, 11, 20, 18, tzinfo=SHANGHAI)
    assert list(case.units.values_list("unit__name", flat=True)) == ["公安分局"]
    timeline = html(c.get(f"/cases/{case.number}/"))
    timeline = timeline[timeline.index('data-testid="timeline"') :]
    assert "按联席会议决定" in timeline and "公安分局" in timeline


def test_an_action_not_allowed_is_a_403_page_and_a_wrong_state_an_error(staff, hall, categories):
    case = to_state(staff, hall, categories, "dispatched")
    r = login(staff["clerk"]).post(f"/cases/{case.number}/act/sign/", {})
    assert r.status_code == 403 and "您的角色无权访问此页面" in html(r)
    r = login(staff["gaj"]).post(f"/cases/{case.number}/act/sign/", {})  # a handler, but not of the lead unit
    assert r.status_code == 403

    r = login(staff["clerk"]).post(f"/cases/{case.number}/act/accept/", {})
    assert r.status_code == 400
    assert "不能执行“受理”" in html(r) and 'data-testid="action-error"' in html(r)

    accepted = to_state(staff, hall, categories, "accepted")
    r = login(staff["clerk"]).post(f"/cases/{accepted.number}/act/dispatch/", {"comment": "没有选单位"})
    page = html(r)
    assert r.status_code == 400 and "责任单位：必填" in page
    assert (
        "x-data=\"{ open: 'dispatch' }\"" in page and "没有选单位" in page
    )  # the form stays open with the input
    assert login(staff["clerk"]).post(f"/cases/{accepted.number}/act/fly/", {}).status_code == 404
    accepted.refresh_from_db()
    assert accepted.state == "accepted"


def test_check_pass_shows_the_confirmation_link_and_the_callback_form(staff, hall, categories):
    case = to_state(staff, hall, categories, "feedback")
    c = login(staff["clerk"])
    r = c.post(f"/cases/{case.number}/act/check_pass/", {})
    assert r.status_code == 302
    page = html(c.get(f"/cases/{case.number}/"))
    assert 'data-testid="confirm-panel"' in page and "请群众确认办理结果" in page
    assert re.search(r'class="confirm-qr"><svg', page)
    assert 'id="form-callback"' in page and "电话联系群众" in page
    form = page[page.index('id="form-callback"') :]
    assert 'type="radio" name="solved" value="true"' in form and 'name="satisfaction"' in form
    r = c.post(
        f"/cases/{case.number}/act/callback/",
        {"solved": "true", "satisfaction": "satisfied", "comment": "已修好"},
    )
    case.refresh_from_db()
    assert case.state == "closed"
    page = html(c.get(f"/cases/{case.number}/"))
    assert 'data-testid="confirm-panel"' not in page  # the link is used up
    assert "已结案" in page and "tag-green" in page


def test_parties_are_masked_by_role_and_a_confidential_reporter_is_withheld(staff, hall, categories):
    whistle = {"name": "赵举报", "phone": "13800000001", "role": "reporter"}
    case = to_state(
        staff,
        hall,
        categories,
        "dispatched",
        case_type="report",
        confidential=True,
        parties=[whistle, RESPONDENT],
    )
    clerk = html(login(staff["clerk"]).get(f"/cases/{case.number}/"))
    assert "赵举报" in clerk and "13800000001" in clerk
    zjj = html(login(staff["zjj"]).get(f"/cases/{case.number}/"))
    assert "赵举报" not in zjj and "13800000001" not in zjj and "举报人保密" in zjj
    assert "139****2222" in zjj and "13905362222" not in zjj
    todo = html(login(staff["zjj"]).get("/cases/?bucket=to_sign"))
    assert "赵*报" not in todo and "保密" in todo
    clerk_list = html(login(staff["clerk"]).get("/cases/search/"))
    assert "赵*报" in clerk_list and "138****0001" in clerk_list and "13800000001" not in clerk_list


# ---------------------------------------------------------------- search and export


def test_search_pages_by_keyset_and_covers_every_case_exactly_once(staff, hall, categories, monkeypatch):
    monkeypatch.setattr(case_forms.filters, "PAGE_SIZE", 3)
    at = timezone.now() - dt.timedelta(hours=1)
    made = [
        register(staff["clerk"], categories, at=at if i % 3 else at - dt.timedelta(minutes=i)).number
        for i in range(8)
    ]  # ties on created_at: the id breaks them
    c = login(staff["clerk"])
    seen, url, pages = [], "/cases/search/", 0
    while url:
        page = html(c.get(url))
        pages += 1
        seen += re.findall(r'<tr data-number="([^"]+)"', page)
        nxt = re.search(r'href="\?([^"]+)" rel="next"', page)
        url = "/cases/search/?" + nxt.group(1).replace("&amp;", "&") if nxt else ""
        assert pages < 10
    assert pages == 3 and len(seen) == len(set(seen)) == 8 and set(seen) == set(made)

    # filters: state, phone, category, bad input
    services.act(staff["clerk"], made[0], "accept", {})
    page = html(c.get("/cases/search/", {"state": "accepted"}))
    assert re.findall(r'<tr data-number="([^"]+)"', page) == [made[0]]
    assert len(re.findall(r"<tr data-number=", html(c.get("/cases/search/", {"phone": "13905362222"}))))
    assert not re.findall(r"<tr data-number=", html(c.get("/cases/search/", {"phone": "13700000000"})))
    page = html(c.get("/cases/search/", {"phone": "12"}))
    assert "电话号码格式不正确" in page and "<tr data-number=" not in page
    assert "翻页链接已失效" in html(c.get("/cases/search/", {"after": "nonsense"}))


def test_excel_export_has_the_filtered_rows_masked_and_is_audited(staff, hall, categories):
    from openpyxl import load_workbook

    for _ in range(3):
        register(staff["clerk"], categories)
    accepted = register(staff["clerk"], categories)
    services.act(staff["clerk"], accepted, "accept", {})
    c = login(staff["clerk"])
    r = c.get("/cases/export.xlsx", {"state": "registered"})
    assert r.status_code == 200 and r["Content-Type"].startswith("application/vnd.openxmlformats")
    ws = load_workbook(io.BytesIO(r.content)).active
    rows = list(ws.iter_rows(values_only=True))
    assert rows[0][:4] == ("诉求编号", "标题", "问题类别", "状态")
    assert ws["A1"].font.b and ws.freeze_panes == "A2"
    assert len(rows) == 1 + 3 and accepted.number not in {row[0] for row in rows}
    assert {row[9] for row in rows[1:]} == {"138****1234"}  # masked, never the full number
    assert rows[1][2] == "矛盾纠纷 › 邻里纠纷" and rows[1][3] == "已登记"
    ev = AuditEvent.objects.filter(action="case.export").get()
    assert (
        ev.actor_id == staff["clerk"].pk
        and '"rows": 3' in ev.details
        and '"state": "registered"' in ev.details
    )

    # a department exports only what it may see
    r = login(staff["zjj"]).get("/cases/export.xlsx")
    assert len(list(load_workbook(io.BytesIO(r.content)).active.iter_rows())) == 1


# ---------------------------------------------------------------- attachments and the agreement


PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 64
PDF = b"%PDF-1.4\n" + b"0" * 64


def upload(c, number, name, content, content_type):
    from django.core.files.uploadedfile import SimpleUploadedFile

    return c.post(
        f"/cases/{number}/attach/", {"file": SimpleUploadedFile(name, content, content_type=content_type)}
    )


def test_attachments_are_checked_by_type_extension_and_size(staff, hall, categories, settings, tmp_path):
    settings.MEDIA_ROOT = str(tmp_path)
    case = to_state(staff, hall, categories, "dispatched")
    c = login(staff["zjj"])
    r = upload(c, case.number, "tool.exe", b"MZ" + b"\x00" * 10, "application/octet-stream")
    assert r.status_code == 400 and "只能上传 JPG、PNG、PDF、Word（.docx）和 Excel（.xlsx）文件" in html(r)
    r = upload(c, case.number, "photo.jpg", PNG, "image/jpeg")  # a PNG called .jpg
    assert r.status_code == 400 and "文件内容与扩展名（.jpg）不符" in html(r)
    r = upload(c, case.number, "photo.png", PNG, "application/pdf")
    assert r.status_code == 400 and "文件类型与扩展名（.png）不符" in html(r)
    r = upload(c, case.number, "big.pdf", PDF + b"0" * (10 * 1024 * 1024), "application/pdf")
    assert r.status_code == 400 and "文件超过 10 MB" in html(r)
    assert not Attachment.objects.exists()
    assert AuditEvent.objects.filter(action="case.attach", result="refused").count() == 4

    r = upload(c, case.number, "现场照片.png", PNG, "image/png")
    assert r.status_code == 302
    att = Attachment.objects.get()
    assert att.name == "现场照片.png" and att.uploaded_by == staff["zjj"] and att.size == len(PNG)
    assert AuditEvent.objects.filter(action="case.attach", result="ok").count() == 1
    page = html(c.get(f"/cases/{case.number}/"))
    assert "现场照片.png" in page
    r = c.get(f"/cases/{case.number}/attachments/{att.pk}/")
    assert r.status_code == 200 and b"".join(r.streaming_content) == PNG
    assert login(staff["rsj"]).get(f"/cases/{case.number}/attachments/{att.pk}/").status_code == 404


def test_agreement_as_word_and_print_page(staff, hall, categories):
    case = to_state(staff, hall, categories, "handling")
    services.act(
        staff["admin"],
        case,
        "record_agreement",
        {
            "committee": hall["committee"].pk,
            "facts": "楼上漏水导致楼下天花板损坏",
            "disputed_items": "维修费用",
            "responsibilities": "李建国负主要责任",
            "terms": "李建国承担维修费用3000元",
            "performance_method": "一次性支付",
            "performance_deadline": "2026-12-31",
            "signed_on": "2026-11-20",
        },
    )
    c = login(staff["clerk"])
    page = html(c.get(f"/cases/{case.number}/"))
    assert f"/cases/{case.number}/agreement.docx" in page and f"/cases/{case.number}/agreement/" in page
    r = c.get(f"/cases/{case.number}/agreement.docx")
    assert r.status_code == 200 and r.content[:2] == b"PK"
    printed = html(c.get(f"/cases/{case.number}/agreement/"))
    assert (
        "人民调解协议书" in printed and "李建国承担维修费用3000元" in printed and "2026年11月20日" in printed
    )
    assert AuditEvent.objects.filter(action="case.agreement_download").exists()
    # a department sees that there is an agreement, but not the parties' ID numbers and phones in it
    assert login(staff["zjj"]).get(f"/cases/{case.number}/agreement.docx").status_code == 403
    other = to_state(staff, hall, categories, "handling")
    assert c.get(f"/cases/{other.number}/agreement/").status_code == 404


# ---------------------------------------------------------------- inbox


def test_inbox_lists_unread_first_marks_read_and_the_top_bar_counts(staff, hall, categories):
    case = to_state(staff, hall, categories, "dispatched")
    note = Notification.objects.get(user=staff["zjj"])
    c = login(staff["zjj"])
    home = html(c.get("/"))
    assert re.search(r'data-testid="inbox-badge">1<', home)
    page = html(c.get("/cases/inbox/"))
    assert "新的待签收案件" in page and case.number in page and 'data-testid="unread"' in page
    r = c.post(f"/cases/inbox/{note.pk}/read/", {"open": "1"})
    assert r.status_code == 302 and r["Location"] == f"/cases/{case.number}/"
    note.refresh_from_db()
    assert note.read_at is not None
    page = html(c.get("/cases/inbox/"))
    assert 'data-testid="inbox-badge"' not in page and "没有未读消息" in page and 'data-testid="read"' in page
    # somebody else's notification is not found; a GET does not mark anything
    other = Notification.objects.get(user=staff["gaj"])
    assert c.post(f"/cases/inbox/{other.pk}/read/").status_code == 404
    assert c.get(f"/cases/inbox/{note.pk}/read/").status_code == 405
    g = login(staff["gaj"])
    g.post("/cases/inbox/read-all/")
    assert not Notification.objects.filter(user=staff["gaj"], read_at__isnull=True).exists()


# ---------------------------------------------------------------- who may open the pages


def test_pages_refuse_roles_that_do_not_handle_cases(users, staff):
    assert login(users["sys_admin"]).get("/cases/").status_code == 403
    assert login(users["supervision_officer"]).get("/cases/search/").status_code == 403
    assert login(staff["zjj"]).get("/cases/new/").status_code == 403  # departments do not register
    assert login(staff["leader"]).get("/cases/search/").status_code == 200  # a leader reads
    assert Client().get("/cases/").status_code == 302  # to the login page


def test_navigation_leads_to_the_case_pages(staff):
    page = html(login(staff["clerk"]).get("/cases/"))
    for url in ("/cases/", "/cases/new/", "/cases/search/", "/cases/inbox/"):
        assert f'href="{url}"' in page
    assert 'data-nav="cases"' in page and "is-active" in page.split('data-nav="cases"')[0][-200:]
    dept = html(login(staff["zjj"]).get("/cases/"))
    assert 'data-nav="case_new"' not in dept and 'data-nav="inbox"' in dept
