"""The residents' door in a real browser (Debian chromium via playwright): an anonymous visitor opens
``/`` on a 390×844 phone and on a desktop, follows 我要反映, files a request, comes back to the door
and tracks it with 查询进度. Writes docs/screenshots/door-phone.png and door-desktop.png.

The database is touched only in fixtures, before the browser starts."""

from __future__ import annotations

import pytest
from browserkit import SCREENSHOTS

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

PHONE = {"viewport": {"width": 390, "height": 844}, "device_scale_factor": 2, "is_mobile": True, "has_touch": True}
DESKTOP = {"viewport": {"width": 1440, "height": 900}}


@pytest.fixture
def hall_open(district, hall):
    from zhili.core.codes_seed import seed_codes
    from zhili.core.models import Organisation

    seed_codes()
    Organisation.objects.filter(pk=hall["centre"].pk).update(phone="0536-8196000", address="奎文区胜利东街100号")
    return hall


def _no_sideways_scroll(page):
    assert page.evaluate("document.documentElement.scrollWidth <= window.innerWidth"), page.url


@pytest.mark.parametrize("device, shot", [(PHONE, "door-phone.png"), (DESKTOP, "door-desktop.png")])
def test_a_visitor_finds_the_door_files_and_tracks(hall_open, live_server, browser, device, shot):
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    base = live_server.url
    errors: list[str] = []
    context = browser.new_context(locale="zh-CN", **device)
    page = context.new_page()
    page.on("pageerror", lambda exc: errors.append(str(exc)))

    page.goto(f"{base}/")
    assert page.url == f"{base}/"  # the door itself, no redirect to the staff login
    main = page.inner_text("main")
    for words in ("我要反映", "查询进度", "工作人员登录", "群众诉求服务中心", "0536-8196000", "奎文区胜利东街100号"):
        assert words in main, words
    assert page.evaluate("document.documentElement.lang") == "zh-Hans"
    _no_sideways_scroll(page)
    # the two ways in are big enough to tap, and on a desktop they stand side by side
    report, track = (page.locator(f"[data-door={k}]").bounding_box() for k in ("report", "track"))
    assert report["height"] >= 80 and track["height"] >= 80
    if device is DESKTOP:
        assert abs(report["y"] - track["y"]) < 2 and track["x"] > report["x"] + report["width"]
    else:
        assert track["y"] > report["y"] + report["height"] and report["width"] >= 340
    page.screenshot(path=str(SCREENSHOTS / shot), full_page=True)

    # 我要反映: file a request (no point on the map: it goes to the district)
    page.click("[data-door=report]")
    page.wait_for_url(f"{base}/report/")
    page.fill("#id_name", "张秀英")
    page.fill("#id_phone", "138 0536 1234")
    page.click("label.tile:has-text('投诉')")
    page.click("label.tile:has-text('民生事件')")
    page.select_option("#id_category", "livelihood.property")
    page.fill("#id_description", "幸福小区3号楼楼顶防水层破损，下雨天我家天花板一直漏水。")
    page.fill("#id_address", "东关街道幸福小区3号楼2单元501")
    page.click("[data-submit]")
    page.wait_for_url(f"{base}/report/done/")
    number = page.inner_text("#case-number").strip()
    assert number

    # back to the door (the brand), then 查询进度 with the number and the phone
    page.click("a.brand")
    page.wait_for_url(f"{base}/")
    page.click("[data-door=track]")
    page.wait_for_url(f"{base}/track/")
    page.fill("#id_number", number)
    page.fill("#id_phone", "13805361234")
    page.click("form.pub-form button[type=submit]")
    page.wait_for_selector("[data-found]")
    assert number in page.inner_text("main") and "楼顶防水层破损" in page.inner_text("main")
    _no_sideways_scroll(page)

    # the staff's way in is there too, and the login page leads back
    page.goto(f"{base}/")
    page.click("[data-door=login]")
    page.wait_for_url(f"{base}/login/")
    page.click("[data-testid=resident-links] a:has-text('查询进度')")
    page.wait_for_url(f"{base}/track/")
    context.close()
    assert not errors, errors
