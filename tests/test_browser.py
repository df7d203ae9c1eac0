"""A real browser on the web shell: Debian's chromium driven by playwright.

Writes screenshots to docs/screenshots/ (desktop 1366×768 and a 390×844 phone).
Skips when /usr/bin/chromium or playwright is missing.
"""

from __future__ import annotations

import pytest
from browserkit import SCREENSHOTS, log_in

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def demo_data(users, district):
    """A little more than the shared fixture: both streets with boundaries, two organisations.

    Made before the browser starts, so that no database connection is opened inside
    playwright's event loop (it would outlive the test and block dropping the test database).
    """
    from zhili.core.models import Organisation, Region

    Region.objects.filter(code="370705002000").update(
        geometry={
            "type": "Polygon",
            "coordinates": [
                [[119.14, 36.70], [119.16, 36.70], [119.16, 36.715], [119.14, 36.715], [119.14, 36.70]]
            ],
        }
    )
    Organisation.objects.create(
        code="HALL-3", name="第三窗口", org_type="window", region=district["district"]
    )
    Organisation.objects.create(
        code="ZJJ",
        name="住房和城乡建设局",
        org_type="department",
        region=district["district"],
        stationed=True,
    )
    return users


def test_window_clerk_home_in_chinese_and_english_desktop_and_phone(demo_data, live_server, browser):
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    base = live_server.url
    clerk = demo_data["window_clerk"]
    errors: list[str] = []

    # desktop, a Chinese browser like the clerk's
    context = browser.new_context(viewport={"width": 1366, "height": 768}, locale="zh-CN")
    page = context.new_page()
    page.on("pageerror", lambda exc: errors.append(str(exc)))
    log_in(page, base, "window_clerk")
    body = page.inner_text("body")
    assert "首页" in body
    assert clerk.display_name in body
    assert "窗口受理员" in body
    assert page.is_visible("#sidenav")
    page.screenshot(path=str(SCREENSHOTS / "home-zh.png"))

    # the region browser: the district with its streets on a map without tiles
    page.goto(f"{base}/regions/")
    page.wait_for_selector(".region-map path.leaflet-interactive")
    assert "东关街道" in page.inner_text("main")
    assert page.locator(".region-map path.leaflet-interactive").count() >= 2
    page.screenshot(path=str(SCREENSHOTS / "region.png"), full_page=True)

    # organisations: the type filter swaps the table in place (htmx) and keeps the URL
    page.goto(f"{base}/organisations/")
    assert page.locator("#org-results tbody tr").count() == 2
    page.select_option("#org-type", "department")
    page.wait_for_url("**/organisations/?type=department**")
    page.wait_for_function("document.querySelectorAll('#org-results tbody tr').length === 1")
    assert "住房和城乡建设局" in page.inner_text("#org-results")

    # switch to English
    page.goto(f"{base}/")
    page.click(".lang-switch button[value=en]")
    page.wait_for_load_state()
    page.wait_for_function("document.documentElement.lang === 'en'")
    body = page.inner_text("body")
    assert "Home" in body and "Log out" in body
    assert "首页" not in body
    page.screenshot(path=str(SCREENSHOTS / "home-en.png"))
    context.close()

    # a 390×844 phone: the navigation folds away behind the menu button
    phone = browser.new_context(
        viewport={"width": 390, "height": 844},
        device_scale_factor=2,
        is_mobile=True,
        has_touch=True,
        locale="zh-CN",
    )
    page = phone.new_page()
    page.on("pageerror", lambda exc: errors.append(str(exc)))
    log_in(page, base, "window_clerk")
    assert "首页" in page.inner_text("main")
    nav_box = page.locator("#sidenav").bounding_box()
    assert nav_box is None or nav_box["x"] + nav_box["width"] <= 1, (
        "the navigation should be folded on a phone"
    )
    no_scroll = page.evaluate("document.documentElement.scrollWidth <= window.innerWidth")
    assert no_scroll, "the phone page scrolls sideways"
    page.screenshot(path=str(SCREENSHOTS / "home-phone.png"))
    page.click(".nav-toggle")
    page.wait_for_function("document.querySelector('#sidenav').getBoundingClientRect().x >= 0")
    assert page.is_visible("#sidenav a[data-nav=regions]")
    page.click("#sidenav a[data-nav=regions]")
    page.wait_for_url(f"{base}/regions/")
    assert "东关街道" in page.inner_text("main")
    phone.close()

    assert not errors, errors


@pytest.fixture
def newcomer(users, district):
    """An account the security administrator has just made (made before the browser starts)."""
    from zhili.core import services

    _user, password = services.create_staff(users["security_admin"], username="xinren", display_name="新人",
                                            role="street_staff", region_code=district["s1"].code)
    return password


def test_a_newcomer_chooses_a_password_before_anything_else(newcomer, live_server, browser):
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    base = live_server.url
    context = browser.new_context(viewport={"width": 1366, "height": 768}, locale="zh-CN")
    page = context.new_page()
    errors: list[str] = []
    page.on("pageerror", lambda exc: errors.append(str(exc)))
    page.goto(f"{base}/regions/")
    page.fill("#id_username", "xinren")
    page.fill("#id_password", newcomer)
    page.click("button[type=submit].btn-primary")
    page.wait_for_url("**/password/?next=**")
    assert "您的密码是管理员设置的" in page.inner_text("[data-testid=password-forced]")
    page.screenshot(path=str(SCREENSHOTS / "password.png"))
    page.fill("#id_old_password", newcomer)
    page.fill("#id_new_password1", "Xin-ren-2026")
    page.fill("#id_new_password2", "Xin-ren-2026")
    page.click("button[type=submit].btn-primary")
    page.wait_for_url(f"{base}/regions/")
    assert "密码已修改" in page.inner_text("body")
    assert not errors
    context.close()


@pytest.fixture
def audit_admin_with_new_device(users, settings):
    """Two-step verification on; the audit administrator's authenticator key made in advance (the
    page would make it on first view) so that the test can compute codes without the database."""
    from django_otp.plugins.otp_totp.models import TOTPDevice

    settings.ZHILI_OTP_REQUIRED_ROLES = ("sys_admin", "security_admin", "audit_admin")
    d = TOTPDevice.objects.create(user=users["audit_admin"], name="身份验证器", confirmed=False)
    return d.bin_key, d.step, d.digits


def test_an_administrator_scans_the_qr_code_and_gives_the_code(audit_admin_with_new_device, live_server, browser):
    from django_otp.oath import TOTP

    key, step, digits = audit_admin_with_new_device
    base = live_server.url
    context = browser.new_context(viewport={"width": 390, "height": 844}, locale="zh-CN", is_mobile=True)
    page = context.new_page()
    page.goto(f"{base}/login/")
    page.fill("#id_username", "audit_admin")
    page.fill("#id_password", "pass-Word-123")
    page.click("button[type=submit].btn-primary")
    page.wait_for_url("**/otp/?next=**")
    assert page.locator("[data-testid=otp-qr] svg").count() == 1
    assert len(page.inner_text("[data-testid=otp-secret]").replace(" ", "")) >= 16
    page.screenshot(path=str(SCREENSHOTS / "otp-phone.png"), full_page=True)
    page.fill("#id_code", f"{TOTP(key, step, digits=digits).token():0{digits}d}")
    page.click("button[type=submit].btn-primary")
    page.wait_for_url(f"{base}/")
    assert "首页" in page.inner_text("body")
    context.close()
