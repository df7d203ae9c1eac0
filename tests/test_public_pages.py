"""The public pages for residents: file a request (/report/), look up progress (/track/),
confirm a result through the one-time link (/c/<token>/)."""

from __future__ import annotations

import datetime as dt
import re
import shutil
import subprocess
from pathlib import Path

import pytest
from django.core.cache import cache
from django.test import Client
from django.utils import timezone

from zhili.cases import public_views, services
from zhili.cases.models import Attachment, Case, ConfirmationToken, TextMessage
from zhili.core.models import Organisation

pytestmark = pytest.mark.django_db

LOCALE = Path(__file__).resolve().parent.parent / "src" / "zhili" / "locale"
PHONE = "13805361234"
PNG = (b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\x00\x00\x00\x01\x00\x00\x00\x01\x08\x06\x00\x00\x00\x1f\x15\xc4\x89"
       b"\x00\x00\x00\rIDATx\x9cc\xf8\xff\xff?\x00\x05\xfe\x02\xfe\xa75\x81\x84\x00\x00\x00\x00IEND\xaeB`\x82")


@pytest.fixture(scope="session")
def merged_locale(tmp_path_factory):
    """The Chinese catalogue with this page's draft merged in, as the lead will merge it."""
    if not (shutil.which("msgcat") and shutil.which("msgfmt")):
        return None
    out = tmp_path_factory.mktemp("locale")
    target = out / "zh_Hans" / "LC_MESSAGES"
    target.mkdir(parents=True)
    po = target / "django.po"
    subprocess.run(["msgcat", "--use-first", "-o", str(po), str(LOCALE / "zh_Hans" / "LC_MESSAGES" / "django.po"),
                    str(LOCALE / "drafts" / "public.po")], check=True)
    subprocess.run(["msgfmt", "-o", str(target / "django.mo"), str(po)], check=True)
    return out


@pytest.fixture(autouse=True)
def chinese(merged_locale, settings):
    if merged_locale is not None:
        settings.LOCALE_PATHS = [str(merged_locale)]
    cache.clear()
    yield
    cache.clear()


def the_form(categories, **kw) -> dict:
    data = {"name": "张秀英", "phone": PHONE, "case_type": "complaint", "category_root": "T",
            "category": categories["neighbour"].code, "description": "楼上卫生间漏水，天花板一直滴水。",
            "request": "请尽快维修", "address": "东关街道幸福小区3号楼2单元", "lon": "119.105", "lat": "36.705", "website": ""}
    data.update(kw)
    return data


def file(client, categories, ip="127.0.0.1", **kw):
    return client.post("/report/", the_form(categories, **kw), REMOTE_ADDR=ip)


def page(resp) -> str:
    return resp.content.decode()


def to_callback(staff, hall, categories, phone=PHONE, **kw) -> tuple[Case, str]:
    """A resident files online; staff accept, dispatch to 住建局, sign, submit the result, check: the link."""
    case = services.file_public_request(
        case_type="complaint", category=categories["neighbour"].code, description="楼上卫生间漏水，天花板一直滴水。",
        lon=119.105, lat=36.705, parties=[{"name": "张秀英", "phone": phone}], **kw)
    services.act(staff["clerk"], case, "accept", {"comment": "内部备注：此人多次来访，注意态度"})
    services.act(staff["clerk"], case, "dispatch", {"lead_unit": hall["zjj"].pk, "comment": "请住建局李科长重点关注"})
    services.act(staff["zjj"], case, "sign")
    services.act(staff["zjj"], case, "progress", {"comment": "已电话联系楼上住户王某"})
    services.act(staff["zjj"], case, "submit_result", {"result": "已更换楼上防水层，经检查不再漏水。"})
    res = services.act(staff["clerk"], case, "check_pass", {"comment": "核查通过，内部"})
    assert res.case.state == "callback" and res.confirmation_token
    return res.case, res.confirmation_token


def confirm(client, token, **data):
    return client.post(f"/c/{token}/", {"solved": "yes", "satisfaction": "satisfied", "comment": "", **data})


# ---------------------------------------------------------------- /report/

def test_report_page_is_chinese_phone_first_with_map_and_categories(district, categories):
    resp = Client().get("/report/")
    html = page(resp)
    assert resp.status_code == 200
    assert "我要反映" in html and 'name="viewport"' in html
    assert "投诉" in html and "求助" in html and "咨询" in html and "建议" in html and "举报" in html
    assert "矛盾纠纷" in html and "邻里纠纷" in html  # the two levels of the category table
    assert "data-pick-map" in html and "使用我的位置" in html
    assert 'name="csrfmiddlewaretoken"' in html and 'name="website"' in html
    assert "no-store" in resp["Cache-Control"]
    for ref in re.findall(r'<(?:script|link)[^>]+(?:src|href)="([^"]+)"', html):
        assert ref.startswith("/static/"), ref


def test_filing_creates_an_online_case_in_the_grid_of_the_point(district, categories):
    client = Client()
    resp = file(client, categories)
    assert resp.status_code == 302 and resp["Location"] == "/report/done/"
    case = Case.objects.get()
    assert case.channel == "online" and case.state == "registered" and case.registered_by is None
    assert case.grid.code == "370705001001001" and case.region_code == "370705001001001"
    assert case.case_type == "complaint" and case.category.code == "T.neighbour"
    assert case.request == "请尽快维修" and case.address.startswith("东关街道")
    assert case.reporter.name == "张秀英" and case.reporter.phone == PHONE
    assert TextMessage.objects.filter(case=case, text__contains=case.number).exists()
    done = client.get("/report/done/")
    html = page(done)
    assert done.status_code == 200
    assert f'<p class="case-number" id="case-number">{case.number}</p>' in html
    assert "请记下编号，并留意短信" in html
    assert f'href="/track/?number={case.number}"' in html
    lookup = client.get(f"/track/?number={case.number}")
    assert f'value="{case.number}"' in page(lookup)


def test_success_page_without_a_filing_goes_back_to_the_form(district):
    resp = Client().get("/report/done/")
    assert resp.status_code == 302 and resp["Location"] == "/report/"


def test_only_the_top_category_is_enough_and_no_point_goes_to_the_district(district, categories):
    resp = file(Client(), categories, category="", category_root="L.leak", lon="", lat="")
    assert resp.status_code == 302
    case = Case.objects.get()
    assert case.category.code == "L.leak"
    assert case.grid is None and case.region_code == "370705000000"


def test_a_report_of_wrongdoing_keeps_the_reporter_confidential(district, categories):
    file(Client(), categories, case_type="report")
    assert Case.objects.get().confidential is True


def test_a_photo_is_stored_as_an_attachment(district, categories):
    from django.core.files.uploadedfile import SimpleUploadedFile

    photo = SimpleUploadedFile("漏水.png", PNG, content_type="image/png")
    resp = Client().post("/report/", {**the_form(categories), "photo": photo})
    assert resp.status_code == 302
    att = Attachment.objects.get()
    assert att.case == Case.objects.get() and att.content_type == "image/png" and att.size == len(PNG)
    assert att.name == "漏水.png" and att.file.name.endswith(".png") and att.event.action == "register"
    with att.file.open("rb") as fh:
        assert fh.read() == PNG


def test_a_photo_that_is_not_an_image_or_too_big_is_refused_next_to_its_field(district, categories, monkeypatch):
    from django.core.files.uploadedfile import SimpleUploadedFile

    fake = SimpleUploadedFile("photo.jpg", b"<?php echo 1; ?>", content_type="image/jpeg")
    resp = Client().post("/report/", {**the_form(categories), "photo": fake})
    html = page(resp)
    assert resp.status_code == 400 and 'id="err-photo"' in html and "只能上传 JPG 或 PNG" in html
    assert "照片需要重新选择" in html
    monkeypatch.setattr(public_views.limits, "PHOTO_MAX_BYTES", 10)
    big = SimpleUploadedFile("big.png", PNG, content_type="image/png")
    resp = Client().post("/report/", {**the_form(categories), "photo": big})
    assert resp.status_code == 400 and "照片超过10MB" in page(resp)
    assert Case.objects.count() == 0 and Attachment.objects.count() == 0


def test_bad_input_keeps_what_was_typed_and_names_the_fields(district, categories):
    resp = file(Client(), categories, description="", phone="abc", case_type="", category="", category_root="",
                address="幸福小区3号楼")
    html = page(resp)
    assert resp.status_code == 400
    assert Case.objects.count() == 0
    assert 'value="张秀英"' in html and 'value="abc"' in html and 'value="幸福小区3号楼"' in html
    assert ">请尽快维修</textarea>" in html
    assert 'id="err-description"' in html and "请说明发生了什么" in html
    assert 'id="err-phone"' in html and "电话号码格式不正确" in html
    assert 'id="err-case_type"' in html and "请选择诉求类型" in html
    assert 'id="err-category"' in html and "请选择问题类别" in html
    assert 'id="err-name"' not in html
    assert 'aria-invalid="true"' in html


def test_service_errors_appear_next_to_their_fields(district, categories):
    # a point outside China: the service refuses it with field "lon", shown next to the map
    resp = file(Client(), categories, lon="2.35", lat="48.85", description="描述")
    html = page(resp)
    assert resp.status_code == 400 and 'id="err-location"' in html and "坐标不在中国范围内" in html
    assert 'value="2.35"' in html and ">描述</textarea>" in html


@pytest.mark.parametrize("bad", [
    {"lon": "abc", "lat": "36.7"}, {"lon": "nan", "lat": "inf"}, {"lon": "119.1"}, {"category": "nope", "category_root": "x"},
    {"case_type": "petition"}, {"description": "很" * 5001}, {"name": "张" * 61}, {"phone": "1" * 40},
    {"phone": "１３８０５３６１２３４"}, {"name": "张\x00秀英", "description": "漏水\x00", "category": "T.neighbour\x00"},
    {"address": "\x00", "request": "\x1b[31m"}, {"website": "\x00"},
])
def test_odd_input_never_makes_a_500(district, categories, bad):
    resp = file(Client(), categories, **bad)
    assert resp.status_code in (302, 400)
    if resp.status_code == 400:  # the form's own message, or the input guard's naming the field (core.middleware)
        html = page(resp)
        assert 'class="pub-error"' in html or 'class="pub-alert"' in html or any(f"<code>{k}</code>" in html for k in bad)


def test_the_form_is_csrf_protected(district, categories):
    client = Client(enforce_csrf_checks=True)
    assert file(client, categories).status_code == 403
    client.get("/report/")
    token = client.cookies["csrftoken"].value
    resp = client.post("/report/", {**the_form(categories), "csrfmiddlewaretoken": token})
    assert resp.status_code == 302 and Case.objects.count() == 1


def test_the_honeypot_refuses(district, categories):
    resp = file(Client(), categories, website="http://spam.example")
    assert resp.status_code == 400 and "提交失败" in page(resp)
    assert Case.objects.count() == 0


def test_filings_are_limited_per_phone_and_per_ip(district, categories, monkeypatch):
    monkeypatch.setattr(public_views.limits, "REPORT_LIMIT", 2)
    client = Client()
    assert file(client, categories).status_code == 302
    assert file(client, categories, phone="13900000002").status_code == 302
    resp = file(client, categories, phone="13900000003")  # a third phone from the same network
    assert resp.status_code == 429 and "每小时最多提交2次" in page(resp)
    assert 'value="张秀英"' in page(resp) and 'value="13900000003"' in page(resp)  # what she typed is kept
    assert file(Client(), categories, ip="10.0.0.3").status_code == 302  # the first phone, once more
    resp = file(Client(), categories, ip="10.0.0.4")  # the first phone a third time, from elsewhere
    assert resp.status_code == 429 and "同一手机号码或同一网络" in page(resp)
    assert file(Client(), categories, phone="13900000009", ip="10.0.0.9").status_code == 302
    assert Case.objects.count() == 4


def test_the_limits_are_counted_in_the_database_that_every_server_process_shares(district, categories, monkeypatch):
    """A per-process memory would let each of the server's processes count on its own (twice the limit
    with two) and forget at every restart: the counters are rows of the database cache's table."""
    from django.db import connection

    monkeypatch.setattr(public_views.limits, "REPORT_LIMIT", 1)
    assert file(Client(), categories, ip="10.0.0.7").status_code == 302
    with connection.cursor() as cur:
        cur.execute("SELECT COUNT(*) FROM zhili_cache")
        assert cur.fetchone()[0] >= 2  # this phone's and this network's counters
    cache.close()  # what a new process would see: only what the table holds
    assert file(Client(), categories, ip="10.0.0.7", phone="13900000077").status_code == 429


def test_failed_filings_do_not_count_towards_the_limit(district, categories, monkeypatch):
    monkeypatch.setattr(public_views.limits, "REPORT_LIMIT", 1)
    client = Client()
    for _ in range(3):
        assert file(client, categories, description="").status_code == 400
    assert file(client, categories).status_code == 302


def test_english_switch_on_the_report_page(district, categories):
    client = Client()
    client.cookies["django_language"] = "en"
    html = page(client.get("/report/"))
    assert "Report a problem" in html and "Neighbours" in html


# ---------------------------------------------------------------- /track/

def test_track_finds_with_number_and_phone_and_shows_plain_progress(staff, hall, categories):
    case, _ = to_callback(staff, hall, categories)
    resp = Client().post("/track/", {"number": case.number.lower(), "phone": "138-0536-1234"})
    html = page(resp)
    assert resp.status_code == 200 and "data-found" in html
    assert case.number in html and case.title in html
    assert "待回访" in html  # the state, from workflow.STATES
    assert "住建局" in html  # the handling unit
    created = timezone.localtime(case.created_at)
    assert f"{created.year}年{created.month}月{created.day}日" in html
    steps = re.findall(r'<span class="step-name">([^<]+)</span>', html)
    assert steps == ["登记", "受理", "交办至住建局", "办理", "办结", "回访确认", "结案"], steps
    assert "已更换楼上防水层" in html  # the result, once submitted
    # no internal comments, no staff
    for secret in ("内部备注", "李科长", "王某", "核查通过", "测试", "clerk", "zjj_handler"):
        assert secret not in html, secret
    assert "no-store" in resp["Cache-Control"]


def test_track_in_english(staff, hall, categories):
    case, _ = to_callback(staff, hall, categories)
    client = Client()
    client.cookies["django_language"] = "en"
    html = page(client.post("/track/", {"number": case.number, "phone": PHONE}))
    steps = re.findall(r'<span class="step-name">([^<]+)</span>', html)
    assert steps == ["Registered", "Accepted", "Passed to 住建局", "Being handled", "Result given", "Your confirmation", "Closed"]
    created = timezone.localtime(case.created_at)
    assert created.strftime("%b %Y") in html and "Neighbours" in html and "How it was handled" in html


def test_track_says_not_found_the_same_way_for_a_wrong_phone_or_a_wrong_number(staff, hall, categories):
    case, _ = to_callback(staff, hall, categories)
    other = "KW2000-000999"
    wrong_phone = Client().post("/track/", {"number": case.number, "phone": "13900001111"})
    wrong_number = Client().post("/track/", {"number": other, "phone": PHONE})
    assert wrong_phone.status_code == wrong_number.status_code == 404

    def norm(resp, number):
        html = page(resp).replace(f'value="{number}"', 'value="N"')
        return re.sub(r'name="csrfmiddlewaretoken" value="[^"]+"', "", html)

    assert norm(wrong_phone, case.number) == norm(wrong_number, other)
    assert "未找到" in page(wrong_phone)
    assert case.title not in page(wrong_phone) and "住建局" not in page(wrong_phone)


def test_track_with_the_phone_of_another_party(staff, hall, categories):
    case = services.register_case(staff["clerk"], channel="window", case_type="dispute", category=categories["neighbour"].code,
                                  description="邻里纠纷", lon=119.105, lat=36.705,
                                  parties=[{"name": "张秀英", "phone": PHONE}, {"name": "李建国", "phone": "13905362222", "role": "respondent"}])
    assert Client().post("/track/", {"number": case.number, "phone": "13905362222"}).status_code == 200
    assert Client().post("/track/", {"number": case.number, "phone": "13905362223"}).status_code == 404


def test_track_needs_both_fields(district):
    assert Client().post("/track/", {"number": "KW\x002026", "phone": "\x00"}).status_code in (400, 404)
    resp = Client().post("/track/", {"number": "", "phone": ""})
    html = page(resp)
    assert resp.status_code == 400 and "请填写诉求编号" in html and "请填写反映问题时留下的手机号码" in html


def test_failed_lookups_are_limited_per_ip(staff, hall, categories, monkeypatch):
    monkeypatch.setattr(public_views.limits, "TRACK_FAIL_LIMIT", 3)
    case, _ = to_callback(staff, hall, categories)
    client = Client()
    for i in range(3):
        assert client.post("/track/", {"number": f"KW2026-00009{i}", "phone": PHONE}).status_code == 404
    resp = client.post("/track/", {"number": case.number, "phone": PHONE})
    assert resp.status_code == 429 and "查询失败次数过多" in page(resp) and case.title not in page(resp)
    assert Client().post("/track/", {"number": case.number, "phone": PHONE}, REMOTE_ADDR="10.1.1.1").status_code == 200


def test_track_of_a_fresh_online_request_shows_the_steps_ahead(district, categories):
    file(Client(), categories)
    case = Case.objects.get()
    html = page(Client().post("/track/", {"number": case.number, "phone": PHONE}))
    assert "已登记" in html and "我们已收到您的诉求" in html
    assert html.count("step-todo") == 6  # accepted … closed still to come
    assert "已更换" not in html and "承办单位</dt>" not in html


def test_track_of_a_rejected_request_tells_her_where_to_turn(staff, categories):
    file(Client(), categories)
    case = Case.objects.get()
    services.act(staff["clerk"], case, "reject", {"reason": "属于法院受理范围", "proper_channel": "向奎文区人民法院起诉"})
    html = page(Client().post("/track/", {"number": case.number, "phone": PHONE}))
    assert "不予受理" in html and "属于法院受理范围" in html and "向奎文区人民法院起诉" in html
    assert "step-todo" not in html


def test_track_of_a_merged_request_points_to_the_other_one(staff, categories):
    file(Client(), categories)
    file(Client(), categories, phone="13900003333", ip="10.0.0.5")
    first, second = Case.objects.order_by("id")
    services.act(staff["clerk"], second, "merge", {"master": first.number, "comment": "内部：重复反映"})
    html = page(Client().post("/track/", {"number": second.number, "phone": "13900003333"}))
    assert "已合并" in html and f"已与诉求 {first.number} 合并办理" in html
    assert f'href="/track/?number={first.number}"' in html and "内部" not in html
    # she became a reporter of the first request, so she can follow it with her own phone
    assert Client().post("/track/", {"number": first.number, "phone": "13900003333"}).status_code == 200


# ---------------------------------------------------------------- /c/<token>/

def test_the_confirmation_page_shows_its_case_and_leaks_no_token(staff, hall, categories):
    case, token = to_callback(staff, hall, categories)
    for url in (f"/c/{token}", f"/c/{token}/"):  # the text message's link has no trailing slash
        resp = Client().get(url)
        html = page(resp)
        assert resp.status_code == 200
        assert case.number in html and case.title in html and "已更换楼上防水层" in html
        assert "问题是否已解决？" in html and "已解决" in html and "未解决" in html
        assert "您对办理结果是否满意？" in html and "基本满意" in html and "不满意" in html
        assert "您的意见" in html and "如问题未解决或您不满意，请务必填写" in html
        assert '<meta name="referrer" content="no-referrer">' in html
        assert "no-store" in resp["Cache-Control"] and resp["Referrer-Policy"] == "no-referrer"
        assert "内部" not in html and "测试" not in html


def test_satisfied_closes_the_case_and_says_thank_you(staff, hall, categories):
    case, token = to_callback(staff, hall, categories)
    client = Client()
    resp = confirm(client, token, satisfaction="basic")
    assert resp.status_code == 302 and resp["Location"] == "/confirmed/"
    case.refresh_from_db()
    assert case.state == "closed" and case.solved is True and case.satisfaction == "basic"
    thanks = client.get("/confirmed/")
    html = page(thanks)
    assert thanks.status_code == 200 and "已结案，感谢您的评价" in html and case.number in html
    assert 'data-outcome="closed"' in html
    # the same link a second time
    again = client.get(f"/c/{token}/")
    assert again.status_code == 410 and "已使用" in page(again) and case.number not in page(again)
    assert confirm(client, token).status_code == 410


def test_unsatisfied_with_a_comment_reopens_and_she_sees_it(staff, hall, categories):
    case, token = to_callback(staff, hall, categories)
    client = Client()
    resp = confirm(client, token, solved="no", satisfaction="unsatisfied", comment="还在漏水，楼下墙面发霉")
    assert resp.status_code == 302
    case.refresh_from_db()
    assert case.state == "handling" and case.rework_count == 1 and case.closed_at is None
    html = page(client.get("/confirmed/"))
    assert "您的诉求已重新交办，我们会尽快处理" in html and 'data-outcome="reopened"' in html
    track = page(client.post("/track/", {"number": case.number, "phone": PHONE}))
    steps = re.findall(r'<span class="step-name">([^<]+)</span>', track)
    assert steps[6:] == ["已重新办理", "办结", "回访确认", "结案"], steps
    assert "办理中" in track  # the state now
    assert "还在漏水" not in track  # her own words go to the unit, not back onto a public page


def test_not_solved_or_unsatisfied_needs_a_comment(staff, hall, categories):
    case, token = to_callback(staff, hall, categories)
    for data in ({"solved": "no", "satisfaction": "satisfied"}, {"solved": "yes", "satisfaction": "unsatisfied"}):
        resp = confirm(Client(), token, **data)
        html = page(resp)
        assert resp.status_code == 400 and 'id="err-comment"' in html and "请填写您的意见" in html
        assert 'value="no" checked' in html or 'value="unsatisfied" checked' in html
    resp = confirm(Client(), token, solved="", satisfaction="great", comment="")
    html = page(resp)
    assert resp.status_code == 400 and "请选择问题是否已解决" in html and "请选择您是否满意" in html
    resp = confirm(Client(), token, solved="yes", satisfaction="great\x00", comment="\x00")  # refused by the input guard
    assert resp.status_code == 400 and "<code>satisfaction</code>" in page(resp)
    case.refresh_from_db()
    assert case.state == "callback"
    assert Client().get(f"/c/{token}/").status_code == 200  # the link still works


def test_an_expired_link_is_410_and_says_so(staff, hall, categories):
    hall["centre"].phone = "0536-12345"
    hall["centre"].save()
    case, token = to_callback(staff, hall, categories)
    ConfirmationToken.objects.filter(case=case).update(expires_at=timezone.now() - dt.timedelta(minutes=1))
    resp = Client().get(f"/c/{token}")
    html = page(resp)
    assert resp.status_code == 410 and "链接已过期" in html
    assert "0536-12345" in html and 'href="/track/"' in html
    assert case.number not in html and case.title not in html and "住建局" not in html
    assert "no-store" in resp["Cache-Control"] and '<meta name="referrer" content="no-referrer">' in html
    assert confirm(Client(), token).status_code == 410
    case.refresh_from_db()
    assert case.state == "callback"


def test_an_unknown_link_is_404_and_reveals_nothing(staff, hall, categories):
    case, token = to_callback(staff, hall, categories)
    for bad in ("x" * 32, token[:-1], "%E4%B8%AD", "a.b", "%00"):
        resp = Client().get(f"/c/{bad}/")
        html = page(resp)
        assert resp.status_code == 404 and "链接无效" in html, bad
        assert case.number not in html and case.title not in html
    assert confirm(Client(), "x" * 32).status_code == 404
    case.refresh_from_db()
    assert case.state == "callback"


def test_a_link_shows_only_its_own_case(staff, hall, categories):
    a, token_a = to_callback(staff, hall, categories)
    b, token_b = to_callback(staff, hall, categories, phone="13900002222")
    html = page(Client().get(f"/c/{token_a}/"))
    assert a.number in html and b.number not in html
    confirm(Client(), token_a)
    a.refresh_from_db()
    b.refresh_from_db()
    assert a.state == "closed" and b.state == "callback"


def test_a_newer_link_replaces_the_older_one(staff, hall, categories):
    case, old = to_callback(staff, hall, categories)
    confirm(Client(), old, solved="no", satisfaction="unsatisfied", comment="没修好")
    services.act(staff["zjj"], case, "submit_result", {"result": "再次维修"})
    new = services.act(staff["clerk"], case, "check_pass").confirmation_token
    assert Client().get(f"/c/{old}/").status_code == 410
    assert "再次维修" in page(Client().get(f"/c/{new}/"))


def test_the_thank_you_page_needs_an_answer_first(district):
    resp = Client().get("/confirmed/")
    assert resp.status_code == 302 and resp["Location"] == "/track/"


def test_the_language_switch_on_a_link_page_is_a_plain_link(staff, hall, categories):
    _, token = to_callback(staff, hall, categories)
    client = Client()
    resp = client.get(f"/c/{token}/?lang=en")
    assert resp.status_code == 302 and resp["Location"] == f"/c/{token}/"
    assert client.cookies["django_language"].value == "en"
    html = page(client.get(f"/c/{token}/"))
    assert "Is the problem solved?" in html and 'href="?lang=zh-hans"' in html


def test_the_hall_phone_is_the_centre_with_a_phone(district, hall):
    assert public_views.hall_contact() == {"name": "群众诉求服务中心", "phone": ""}
    Organisation.objects.filter(pk=hall["centre"].pk).update(phone="0536-8888888")
    assert public_views.hall_contact()["phone"] == "0536-8888888"


# ---------------------------------------------------------------- a real phone browser (writes docs/screenshots/public-*.png)

from browserkit import CHROMIUM, CHROMIUM_ARGS, SCREENSHOTS  # noqa: E402


def _phone(p, **kw):
    browser = p.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
    context = browser.new_context(viewport={"width": 390, "height": 844}, device_scale_factor=2, is_mobile=True,
                                  has_touch=True, locale="zh-CN", **kw)
    return browser, context


def _no_sideways_scroll(page):
    assert page.evaluate("document.documentElement.scrollWidth <= window.innerWidth"), page.url


@pytest.mark.browser
@pytest.mark.django_db(transaction=True)
def test_a_resident_on_her_phone(district, staff, hall, live_server):
    """张阿姨 files on her phone, checks progress, answers the link: not solved — and sees it reopened.

    The database is touched only between the browser sessions (never inside playwright's event loop)."""
    if not Path(CHROMIUM).exists():
        pytest.skip(f"{CHROMIUM} is not installed")
    sync_api = pytest.importorskip("playwright.sync_api")
    from zhili.core.codes_seed import seed_codes

    seed_codes()
    Organisation.objects.filter(pk=hall["centre"].pk).update(phone="0536-8196000")
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    base = live_server.url
    errors: list[str] = []

    with sync_api.sync_playwright() as p:
        browser, context = _phone(p, geolocation={"latitude": 36.7052, "longitude": 119.1051}, permissions=["geolocation"])
        page = context.new_page()
        page.on("pageerror", lambda exc: errors.append(str(exc)))
        page.goto(f"{base}/report/")
        page.wait_for_selector(".pub-map path")
        _no_sideways_scroll(page)
        page.screenshot(path=str(SCREENSHOTS / "public-report.png"), full_page=True)

        # sent half-filled: the errors stand next to their fields, what she typed stays
        page.fill("#id_name", "张秀英")
        page.fill("#id_phone", "1380536")
        page.click("[data-submit]")
        page.wait_for_selector(".pub-error")
        assert page.input_value("#id_name") == "张秀英"
        assert "请说明发生了什么" in page.inner_text("main")
        page.screenshot(path=str(SCREENSHOTS / "public-report-errors.png"))

        page.fill("#id_phone", "138 0536 1234")
        page.click("label.tile:has-text('投诉')")
        page.click("label.tile:has-text('民生事件')")
        page.select_option("#id_category", "livelihood.property")
        assert page.locator("#id_category option").count() < 30  # only the details of 民生事件
        page.fill("#id_description", "幸福小区3号楼楼顶防水层破损，下雨天我家天花板一直漏水，墙皮已经脱落。")
        page.fill("#id_request", "请物业尽快维修楼顶防水。")
        page.fill("#id_address", "东关街道幸福小区3号楼2单元501")
        page.click("[data-locate]")
        page.wait_for_function("document.querySelector('[data-lon]').value !== ''")
        page.click("[data-submit]")
        page.wait_for_url(f"{base}/report/done/")
        number = page.inner_text("#case-number").strip()
        assert "请记下编号，并留意短信" in page.inner_text("main")
        _no_sideways_scroll(page)
        page.screenshot(path=str(SCREENSHOTS / "public-filed.png"))
        context.close()
        browser.close()

    case = Case.objects.get(number=number)
    assert case.channel == "online" and case.grid.code == "370705001001001" and case.category.code == "livelihood.property"
    services.act(staff["clerk"], case, "accept")
    services.act(staff["clerk"], case, "dispatch", {"lead_unit": hall["zjj"].pk})
    services.act(staff["zjj"], case, "sign")
    services.act(staff["zjj"], case, "submit_result", {"result": "已联系物业公司重新铺设3号楼楼顶防水层，并修补了您家天花板。"})
    token = services.act(staff["clerk"], case, "check_pass").confirmation_token

    with sync_api.sync_playwright() as p:
        browser, context = _phone(p)
        page = context.new_page()
        page.on("pageerror", lambda exc: errors.append(str(exc)))
        page.goto(f"{base}/track/?number={number}")
        assert page.input_value("#id_number") == number
        page.fill("#id_phone", "13805361235")  # one digit wrong
        page.click("form.pub-form button[type=submit]")
        page.wait_for_selector("[data-not-found]")
        assert "未找到" in page.inner_text("main") and page.input_value("#id_number") == number
        page.screenshot(path=str(SCREENSHOTS / "public-track-not-found.png"))
        page.fill("#id_phone", "13805361234")
        page.click("form.pub-form button[type=submit]")
        page.wait_for_selector("[data-found]")
        assert "住建局" in page.inner_text("main") and "回访确认" in page.inner_text("main")
        _no_sideways_scroll(page)
        page.screenshot(path=str(SCREENSHOTS / "public-track.png"), full_page=True)

        # the link from the text message (no trailing slash), answered in the real browser: the page's
        # no-referrer policy makes the browser send "Origin: null" with the form
        page.goto(f"{base}/c/{token}")
        assert page.evaluate("document.querySelector('meta[name=referrer]').content") == "no-referrer"
        _no_sideways_scroll(page)
        page.screenshot(path=str(SCREENSHOTS / "public-confirm.png"), full_page=True)
        page.click("label.tile:has-text('未解决')")
        page.click("label.tile:has-text('不满意')")
        assert page.evaluate("document.querySelector('#id_comment').required")
        page.fill("#id_comment", "下雨后还是漏水，卧室墙角发霉。")
        page.click("[data-submit]")
        page.wait_for_url(f"{base}/confirmed/")
        assert "您的诉求已重新交办，我们会尽快处理" in page.inner_text("main")
        _no_sideways_scroll(page)
        page.screenshot(path=str(SCREENSHOTS / "public-thanks.png"))

        page.goto(f"{base}/c/{token}/")
        assert "该链接已使用" in page.inner_text("main")
        page.screenshot(path=str(SCREENSHOTS / "public-link-used.png"))

        page.goto(f"{base}/track/?number={number}")
        page.fill("#id_phone", "13805361234")
        page.click("form.pub-form button[type=submit]")
        page.wait_for_selector("[data-found]")
        assert "已重新办理" in page.inner_text("main")
        page.screenshot(path=str(SCREENSHOTS / "public-track-reopened.png"), full_page=True)
        context.close()
        browser.close()

    case.refresh_from_db()
    assert case.state == "handling" and case.rework_count == 1
    assert not errors, errors
