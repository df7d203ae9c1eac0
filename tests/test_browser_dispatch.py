"""智能派单 in a real browser: 小王 registers a neighbour dispute at the window, and on the case page
accepts and dispatches it in one step to the suggested unit (its reason shown), after trying the
unit list's filter; then finds the case by the resident's name. Tables fit a 1440 px screen
without scrolling sideways, and a 390×844 phone shows the header's subtitle.

Writes docs/screenshots/dispatch-*.png. Skips when /usr/bin/chromium or playwright is missing.
The past cases are placed relative to the time of the run (the browser registers the new one now)."""

from __future__ import annotations

import datetime as dt

import pytest
from browserkit import PASSWORD, SCREENSHOTS
from django.utils import timezone

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

WIDE = {"viewport": {"width": 1440, "height": 900}, "locale": "zh-CN"}
PHONE = {"viewport": {"width": 390, "height": 844}, "locale": "zh-CN", "is_mobile": True, "has_touch": True,
         "device_scale_factor": 2}


@pytest.fixture
def past(staff, hall):
    """The district's past year of 邻里纠纷: five to 住建局 (closed on time, satisfied), two to 公安分局
    (one of them returned), and some other open cases for the lists."""
    from zhili.cases import services

    clerk, zjj = staff["clerk"], staff["zjj"]
    now = timezone.now()
    h = dt.timedelta(hours=1)

    def register(title, days_ago, phone, name, category="dispute.neighbour", **kw):
        return services.register_case(clerk, channel="window", case_type=kw.pop("case_type", "dispute"), category=category,
                                      title=title, description=kw.pop("description", title), lon=119.105, lat=36.705,
                                      parties=[{"name": name, "phone": phone, "role": "applicant"}],
                                      at=now - dt.timedelta(days=days_ago), **kw)

    for i in range(5):
        c = register("楼上卫生间漏水引发邻里纠纷", 20 + 10 * i, f"1380536100{i}", f"居民{i}",
                     description="楼上卫生间渗水导致楼下天花板发霉脱落，双方就维修协商不成")
        t = c.created_at + h
        services.accept_and_dispatch(clerk, c.number, {"lead_unit": hall["zjj"].pk}, now=t)
        services.act(zjj, c.number, "sign", {}, now=t + h)
        services.act(zjj, c.number, "submit_result", {"result": "已维修"}, now=t + 2 * h)
        services.act(clerk, c.number, "check_pass", {}, now=t + 3 * h)
        services.act(clerk, c.number, "callback", {"solved": True, "satisfaction": "satisfied"}, now=t + 4 * h)
    for i in range(2):
        c = register("邻居装修噪声纠纷", 15 + i, f"1380536200{i}", f"住户{i}")
        services.accept_and_dispatch(clerk, c.number, {"lead_unit": hall["gaj"].pk}, now=c.created_at + h)
    services.act(staff["gaj"], c.number, "return", {"reason": "不属于本单位职责"}, now=c.created_at + 2 * h)
    register("小区门口占道经营，影响通行，早晚高峰车辆和行人无法通过", 1, "13905360001", "王建华", category="city.0402",
             case_type="complaint", address="东关街道幸福小区东门外人行道及非机动车道")
    return {"hall": hall}


def log_in(context, base: str, username: str):
    page = context.new_page()
    page.goto(f"{base}/login/")
    page.fill("#id_username", username)
    page.fill("#id_password", PASSWORD)
    page.click("button[type=submit].btn-primary")
    page.wait_for_url(f"{base}/")
    return page


def shot(page, name: str) -> None:
    page.evaluate("window.scrollTo(0, 0)")
    page.screenshot(path=str(SCREENSHOTS / name), full_page=True)


NO_SIDEWAYS = """() => {
    const out = [];
    if (document.documentElement.scrollWidth > window.innerWidth + 1) out.push('page ' + document.documentElement.scrollWidth);
    document.querySelectorAll('.table-wrap').forEach((w, i) => {
        if (w.scrollWidth > w.clientWidth + 1) out.push('table ' + i + ': ' + w.scrollWidth + ' > ' + w.clientWidth);
    });
    return out;
}"""


def test_register_and_dispatch_in_one_step_with_the_suggested_unit(past, live_server, browser):
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    base, hall = live_server.url, past["hall"]
    errors: list[str] = []
    ctx = browser.new_context(**WIDE)
    page = log_in(ctx, base, "clerk")
    page.on("pageerror", lambda exc: errors.append(str(exc)))

    # ------------------------------------------------------------ registers at the window
    page.goto(f"{base}/cases/new/")
    page.fill("#id_phone", "13805369999")
    page.keyboard.press("Tab")
    page.keyboard.type("张秀英")
    page.click("#id_category_text")
    page.keyboard.type("邻里")
    page.wait_for_selector("#category-list li[role=option]")
    page.keyboard.press("Enter")
    page.fill("#id_description", "楼上卫生间漏水，我家天花板发霉脱落，找楼上协商多次未果。")
    page.fill("#id_request", "请协调楼上住户维修")
    point = page.evaluate("""() => {
        const el = document.querySelector('[data-pick-map]');
        el.scrollIntoView({block: 'center'});
        const p = el.zhiliMap.latLngToContainerPoint([36.7052, 119.1053]);
        const r = el.getBoundingClientRect();
        return {x: r.left + p.x, y: r.top + p.y};
    }""")
    page.mouse.click(point["x"], point["y"])
    page.wait_for_function("document.querySelector('#id_grid').value === '370705001001001'")
    page.focus("#id_request")
    with page.expect_navigation():
        page.keyboard.press("Control+Enter")
    number = page.inner_text("[data-testid=receipt-number]").strip()
    page.click("[data-testid=open-case]")
    page.wait_for_url(f"{base}/cases/{number}/")

    # ------------------------------------------------------------ one step: the suggested unit, with its reason
    form = page.locator("#form-accept_dispatch")
    assert form.is_visible()  # a registered case opens on it
    top = form.locator("[data-testid=unit-suggestions] [data-pick-unit]").first
    assert "住建局" in top.inner_text()
    assert "近一年同类案件 5 件派往该单位，按期办结 100%" in top.inner_text()
    select = form.locator("select[name=lead_unit]")
    assert select.input_value() == str(hall["zjj"].pk)  # the top suggestion is chosen
    # the list filters as one types; the first match is taken
    form.locator("[data-unit-filter][data-for]").fill("公安")
    assert select.input_value() == str(hall["gaj"].pk)
    shown = select.evaluate("s => [...s.options].filter(o => !o.hidden && o.value).map(o => o.textContent.trim())")
    assert [s.split(" · ")[0] for s in shown] == ["公安分局"]
    top.click()  # back to the suggestion
    assert select.input_value() == str(hall["zjj"].pk)
    form.locator("[data-unit-filter][data-for]").fill("")
    form.locator("textarea[name=comment]").fill("按智能派单建议分派住建局")
    shot(page, "dispatch-one-step.png")
    assert page.evaluate(NO_SIDEWAYS) == []
    with page.expect_navigation():
        form.locator("[data-submit=accept_dispatch]").click()
    assert not page.locator("[data-testid=action-error]").count()
    assert page.inner_text("[data-testid=case-state]") == "待签收"
    assert page.inner_text("[data-testid=lead-unit]") == "住建局"
    events = page.eval_on_selector_all("[data-testid=timeline] [data-event]", "els => els.map(e => e.dataset.event)")
    assert events == ["register", "accept", "dispatch"]

    # ------------------------------------------------------------ found by the resident's name; tables fit 1440 px
    page.goto(f"{base}/cases/search/?name=张秀英")
    assert number in page.inner_text("#case-results")
    page.goto(f"{base}/cases/search/")
    assert page.evaluate(NO_SIDEWAYS) == []
    shot(page, "dispatch-search-1440.png")
    page.goto(f"{base}/cases/")
    assert page.evaluate(NO_SIDEWAYS) == []

    # ------------------------------------------------------------ on a phone: the header keeps its subtitle
    phone = log_in(browser.new_context(**PHONE), base, "clerk")
    phone.goto(f"{base}/cases/{number}/")
    sub = phone.locator(".topbar .brand-name")
    clear = """e => e.scrollWidth <= e.clientWidth + 1
        && e.getBoundingClientRect().right <= document.querySelector('.topbar-right').getBoundingClientRect().left"""
    assert sub.is_visible()
    assert sub.evaluate(clear), "the subtitle is cut or covered by the buttons"
    assert phone.evaluate("document.documentElement.scrollWidth <= window.innerWidth + 1")
    shot(phone, "dispatch-phone.png")
    for path in ("/", "/cases/", "/cases/search/", "/cases/new/"):
        phone.goto(f"{base}{path}")
        assert sub.is_visible() and sub.evaluate(clear), path
        if phone.locator(".page-head .page-sub").count():
            assert phone.locator(".page-head .page-sub").first.is_visible(), path
        # (on a phone a wide table scrolls inside its own frame; the page itself does not)
        assert phone.evaluate("document.documentElement.scrollWidth <= window.innerWidth + 1"), path
    shot(phone, "dispatch-phone-intake.png")
    phone.click(".nav-toggle")  # the password link is in the folded menu on a phone
    assert phone.locator(".sidenav-password").is_visible()
    assert errors == []
