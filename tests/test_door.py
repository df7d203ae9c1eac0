"""Issue #13 items 13–17: the residents' door at ``/`` and the login page's way back to it; the
receipt's registrar for cases no staff member registered; the inbox's Chinese labels; links in
texts that are never relative, and ``zhili serve``/``up`` saying which address they carry."""

from __future__ import annotations

import os
import re

import pytest
from django.test import Client

from zhili.cases import notify, services
from zhili.cases.models import Notification, TextMessage
from zhili.core.models import Organisation

pytestmark = pytest.mark.django_db

PARTY = {"name": "张秀英", "phone": "13805361234", "role": "applicant"}


def no_served_address(monkeypatch) -> None:
    """Neither ZHILI_HOST nor ZHILI_PORT, restored afterwards even where `zhili serve` sets them."""
    for name in ("ZHILI_HOST", "ZHILI_PORT"):
        monkeypatch.setenv(name, "")
        monkeypatch.delenv(name)


def html(response) -> str:
    return response.content.decode()


def logged_in(user) -> Client:
    c = Client()
    c.force_login(user)
    return c


def register(actor, categories, channel="window", **kw):
    return services.register_case(actor, channel=channel, case_type="dispute", category=categories["neighbour"].code,
                                  title="楼上漏水引发邻里纠纷", description="楼上住户卫生间漏水，多次协商未果。",
                                  lon=119.105, lat=36.705, parties=[PARTY], **kw)


# ---------------------------------------------------------------- 13. the residents' door


def test_an_anonymous_visitor_finds_the_residents_pages_at_the_root(district, hall):
    Organisation.objects.filter(pk=hall["centre"].pk).update(phone="0536-8196000", address="奎文区文化路100号")
    r = Client().get("/")
    assert r.status_code == 200
    page = html(r)
    assert page.strip(), "the root is not a bare redirect"
    assert re.search(r'href="/report/"[^>]*data-door="report"', page) and "我要反映" in page
    assert re.search(r'href="/track/"[^>]*data-door="track"', page) and "查询进度" in page
    assert re.search(r'href="/login/"[^>]*data-door="login"', page) and "工作人员登录" in page
    # the hall to call or visit
    assert "群众诉求服务中心" in page and 'href="tel:0536-8196000"' in page and "奎文区文化路100号" in page
    assert '<html lang="zh-Hans">' in page and 'name="viewport"' in page
    for english in ("Report a problem", "Check progress", "Staff login", "Service hall"):
        assert english not in page


def test_the_door_says_nothing_of_a_phone_the_hall_has_not_got(district, hall):
    page = html(Client().get("/"))
    assert "群众诉求服务中心" in page and "tel:" not in page


def test_the_door_in_english(district, hall):
    c = Client()
    c.post("/i18n/setlang/", {"language": "en", "next": "/"})
    page = html(c.get("/"))
    assert "Report a problem" in page and "Check progress" in page and "Staff login" in page


def test_logged_in_staff_still_reach_their_home_at_the_root(staff):
    r = logged_in(staff["clerk"]).get("/")
    assert r.status_code == 200
    assert r.templates[0].name == "web/home.html"
    assert "我要反映" not in html(r).split("<main", 1)[1][:400]  # not the door


def test_the_login_page_links_back_to_the_residents_pages(district):
    page = html(Client().get("/login/"))
    links = page.split('data-testid="resident-links"', 1)[1].split("</p>", 1)[0]
    assert 'href="/report/"' in links and "我要反映" in links
    assert 'href="/track/"' in links and "查询进度" in links


def test_the_public_pages_brand_leads_to_the_door(district):
    page = html(Client().get("/track/"))
    assert re.search(r'<a class="brand brand-light" href="/">', page)


# ---------------------------------------------------------------- 14. the receipt's registrar


@pytest.mark.parametrize("channel, registrar", [
    ("online", "网上自助登记"), ("phone", "12345热线"), ("platform", "平台推送"), ("open311", "平台推送（Open311）"),
])
def test_the_receipt_of_a_case_nobody_registered_names_its_channel(staff, hall, categories, channel, registrar):
    case = register(None, categories, channel=channel)
    page = html(logged_in(staff["clerk"]).get(f"/cases/{case.number}/receipt/"))
    footer = page.split('data-testid="registrar"', 1)[1].split("</span>", 1)[0]
    assert f"登记人：{registrar}" in footer
    assert "None" not in footer


def test_the_receipt_of_a_window_case_names_the_window_and_the_clerk(staff, hall, categories):
    case = register(staff["clerk"], categories)
    page = html(logged_in(staff["clerk"]).get(f"/cases/{case.number}/receipt/"))
    footer = page.split('data-testid="registrar"', 1)[1].split("</span>", 1)[0]
    assert "登记人：3号窗口 测试window_clerk" in footer


# ---------------------------------------------------------------- 15. the inbox in Chinese


def test_a_warning_in_the_inbox_has_its_chinese_label(staff, hall, categories):
    case = register(staff["clerk"], categories)
    Notification.objects.create(user=staff["clerk"], kind="warning", case=case, text="【红色预警】反复来访：张秀英")
    Notification.objects.create(user=staff["clerk"], kind="something_new", case=case, text="新的提醒")
    page = html(logged_in(staff["clerk"]).get("/cases/inbox/"))
    badges = dict(re.findall(r'data-kind="([a-z_]+)">([^<]*)</span>', page))
    assert badges == {"warning": "预警", "something_new": "通知"}
    assert re.search(r'tag-red" data-kind="warning"', page)


def test_no_inbox_kind_is_shown_in_english_in_the_chinese_inbox(staff, hall, categories):
    from zhili.cases.views.notifications import NOTIFICATION_KINDS

    case = register(staff["clerk"], categories)
    kinds = [*NOTIFICATION_KINDS, "warning"]
    for kind in kinds:
        Notification.objects.create(user=staff["clerk"], kind=kind, case=case, text="测试")
    page = html(logged_in(staff["clerk"]).get("/cases/inbox/"))
    badges = re.findall(r'data-kind="[a-z_]+">([^<]*)</span>', page)
    assert len(badges) == len(kinds)
    assert not [b for b in badges if re.search(r"[A-Za-z]", b)], badges


# ---------------------------------------------------------------- 17. links in texts are never relative


def test_the_confirmation_text_carries_an_absolute_link_without_a_public_address(staff, hall, categories, settings,
                                                                                 monkeypatch):
    settings.ZHILI_PUBLIC_URL = ""
    no_served_address(monkeypatch)
    case = register(staff["clerk"], categories)
    services.act(staff["clerk"], case, "resolve_on_spot", {"result": "已当场协调解决"})
    text = TextMessage.objects.filter(case=case, text__contains="/c/").get().text
    assert re.search(r"：http://127\.0\.0\.1:8000/c/\S+$", text), text


def test_the_link_falls_back_to_the_served_address_and_prefers_the_public_one(settings, monkeypatch):
    settings.ZHILI_PUBLIC_URL = ""
    monkeypatch.setenv("ZHILI_HOST", "10.1.2.3")
    monkeypatch.setenv("ZHILI_PORT", "8080")
    assert notify.confirm_url("abc") == "http://10.1.2.3:8080/c/abc"
    settings.ZHILI_PUBLIC_URL = "https://zhili.example.gov.cn/"
    assert notify.confirm_url("abc") == "https://zhili.example.gov.cn/c/abc"


@pytest.mark.parametrize("public, expected", [
    ("", "http://127.0.0.1:8123"), ("https://zhili.example.gov.cn", "https://zhili.example.gov.cn"),
])
def test_zhili_serve_says_which_address_texts_will_carry(monkeypatch, capsys, public, expected):
    from zhili import cli

    served = []
    monkeypatch.setenv("ZHILI_PUBLIC_URL", public)
    no_served_address(monkeypatch)
    monkeypatch.setattr(cli, "_serve", lambda host, port, workers, threads=2: served.append((host, port)) or 0)
    monkeypatch.setattr("django.core.management.call_command", lambda *a, **kw: None)  # no collectstatic
    assert cli.main(["serve", "--port", "8123"]) == 0
    out = capsys.readouterr().out
    assert f"短信链接地址 / address in texts to residents: {expected}" in out
    assert ("ZHILI_PUBLIC_URL is not set" in out) == (not public)
    assert served == [("127.0.0.1", 8123)]
    assert os.environ["ZHILI_PORT"] == "8123"  # the server's processes and the worker fall back to it


def test_zhili_up_says_which_address_texts_will_carry(monkeypatch, capsys, district):
    from zhili import cli

    monkeypatch.setenv("ZHILI_PUBLIC_URL", "")
    no_served_address(monkeypatch)
    monkeypatch.setattr(cli, "_serve", lambda host, port, workers, threads=2: 0)
    monkeypatch.setattr(cli, "_migrate", lambda verbosity=0: None)
    monkeypatch.setattr("django.core.management.call_command", lambda *a, **kw: None)
    assert cli.main(["up", "--no-worker"]) == 0
    assert "短信链接地址 / address in texts to residents: http://127.0.0.1:8000" in capsys.readouterr().out


# ---------------------------------------------------------------- 15. no English left on the pages touched here


#: Latin a Chinese page may show: the language switch (EN, titled English), the case number's letters, the Open311
#: channel, API (API 令牌)
ALLOWED_LATIN = {"API", "EN", "English", "KW", "Open311"}


def visible_latin(page: str) -> set[str]:
    """Latin words in what a reader sees or hears: text outside scripts and styles, and the titles,
    placeholders and labels of elements (the case number and URLs left out)."""
    from html.parser import HTMLParser

    seen: list[str] = []

    class Reader(HTMLParser):
        hidden = 0

        def handle_starttag(self, tag, attrs):
            if tag in ("script", "style"):
                self.hidden += 1
            seen.extend(v or "" for k, v in attrs if k in ("title", "placeholder", "aria-label", "alt"))

        def handle_endtag(self, tag):
            if tag in ("script", "style"):
                self.hidden -= 1

        def handle_data(self, data):
            if not self.hidden:
                seen.append(data)

    Reader().feed(page)
    text = re.sub(r"https?://\S+|/\S*|KW\d{4}-\d+", " ", " ".join(seen))
    return set(re.findall(r"[A-Za-z]{2,}", text)) - ALLOWED_LATIN


def test_the_pages_touched_here_show_no_english_in_chinese(staff, hall, categories):
    staff["clerk"].display_name = "王小丽"  # (the fixtures' names carry the role's code)
    staff["clerk"].save(update_fields=["display_name"])
    online = register(None, categories, channel="online")
    Notification.objects.create(user=staff["clerk"], kind="warning", case=online, text="【红色预警】反复来访")
    clerk = logged_in(staff["clerk"])
    pages = {"/": Client(), "/login/": Client(), "/track/": Client(), "/cases/inbox/": clerk,
             f"/cases/{online.number}/receipt/": clerk}
    for url, client in pages.items():
        r = client.get(url)
        assert r.status_code == 200, url
        assert visible_latin(html(r)) == set(), url
