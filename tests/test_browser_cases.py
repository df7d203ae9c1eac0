"""The issue's story in a real browser (Debian's chromium driven by playwright):

a window clerk registers a neighbour dispute and dispatches it to 住建局 with 公安 cooperating; the
handler signs and submits a result (公安 records its part first: the case is complex); the clerk
checks it; the resident opens the confirmation link on a phone-sized screen and confirms,
satisfied; the case reads 结案 with its whole timeline.

Writes docs/screenshots/case-*.png (desktop 1366×768, a 390×844 phone). Skips when
/usr/bin/chromium or playwright is missing.
"""

from __future__ import annotations

import copy
import datetime as dt
import shutil
import subprocess
from pathlib import Path

import pytest
from browserkit import PASSWORD, SCREENSHOTS
from django.utils import timezone, translation

LOCALE = Path(__file__).resolve().parent.parent / "src" / "zhili" / "locale"
PROCESSOR = "zhili.cases.context.inbox"

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.fixture(scope="session")
def drafts_catalogue(tmp_path_factory):
    """The main catalogue with locale/drafts/*.po merged in (only used until the lead merges them)."""
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
    """As in test_case_pages: the inbox context processor and the merged translations (no-op once merged)."""
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


@pytest.fixture
def scene(staff, hall, district):
    """The hall on an ordinary morning, made before the browser starts: the resident came in May
    about a leak (closed since), and a few other cases wait at various steps."""
    from zhili.cases import services

    clerk, zjj, gaj = staff["clerk"], staff["zjj"], staff["gaj"]
    now = timezone.now()

    def register(title, category, phone, name, *, days_ago=0, tier="simple", **kw):
        return services.register_case(
            clerk,
            channel=kw.pop("channel", "window"),
            case_type=kw.pop("case_type", "dispute"),
            category=category,
            title=title,
            description=kw.pop("description", title),
            lon=kw.pop("lon", 119.115),
            lat=kw.pop("lat", 36.705),
            tier=tier,
            parties=[{"name": name, "phone": phone, "role": "applicant"}],
            at=now - dt.timedelta(days=days_ago, hours=1),
            **kw,
        )

    may = register(
        "楼上卫生间漏水，天花板发霉",
        "dispute.neighbour",
        "13805361234",
        "张秀英",
        days_ago=180,
        lon=119.1052,
        lat=36.7051,
    )
    for who, action, data in [
        (clerk, "resolve_on_spot", {"result": "联系楼上住户当场维修"}),
        (clerk, "callback", {"solved": True, "satisfaction": "satisfied"}),
    ]:
        services.act(who, may, action, data)
    near = register(
        "3号楼楼道顶棚渗水",
        "dispute.neighbour",
        "13905360009",
        "周红",
        days_ago=5,
        lon=119.1051,
        lat=36.7053,
        description="3号楼2单元楼道顶棚渗水，墙皮脱落",
    )
    register(
        "小区门口占道经营，影响通行", "city.0402", "13905360001", "王建华", days_ago=0, case_type="complaint"
    )
    register("工地夜间施工噪声扰民", "city.0301", "13905360002", "刘芳", days_ago=1, case_type="complaint")
    late = register(
        "拖欠三个月工资未发",
        "labour.wage_arrears",
        "13905360003",
        "陈立强",
        days_ago=2,
        tier="complex",
        case_type="dispute",
    )
    services.act(clerk, late, "accept", {})
    fb = register(
        "单元门禁损坏无法关闭", "livelihood.property", "13905360004", "赵丽", days_ago=3, case_type="help"
    )
    for who, action, data in [
        (clerk, "accept", {}),
        (clerk, "dispatch", {"lead_unit": hall["zjj"].pk}),
        (zjj, "sign", {}),
        (zjj, "submit_result", {"result": "已联系物业更换门禁锁"}),
    ]:
        services.act(who, fb, action, data)
    cb = register(
        "路灯不亮，夜间出行不便", "livelihood.road", "13905360005", "孙伟", days_ago=4, case_type="help"
    )
    for who, action, data in [
        (clerk, "accept", {}),
        (clerk, "dispatch", {"lead_unit": hall["zjj"].pk}),
        (zjj, "sign", {}),
        (zjj, "submit_result", {"result": "已更换灯泡"}),
        (clerk, "check_pass", {}),
    ]:
        services.act(who, cb, action, data)
    return {"staff": staff, "hall": hall, "may": may, "near": near, "gaj": gaj}


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


def act(page, action: str, fill=None) -> None:
    """Open an action's form on the case page, fill it, confirm, and wait for the page to come back."""
    page.click(f"[data-action={action}]")
    form = page.locator(f"#form-{action}")
    form.wait_for(state="visible")
    if fill:
        fill(form)
    with page.expect_navigation():
        form.locator(f"[data-submit={action}]").click()
    assert not page.locator("[data-testid=action-error]").count(), page.inner_text(
        "[data-testid=action-error]"
    )


def test_a_neighbour_dispute_from_the_window_to_the_residents_confirmation(scene, live_server, browser):
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    base = live_server.url
    hall = scene["hall"]
    errors: list[str] = []
    desktop = {"viewport": {"width": 1366, "height": 768}, "locale": "zh-CN"}

    # ------------------------------------------------------------ 小王 registers at the window
    clerk_ctx = browser.new_context(**desktop)
    page = log_in(clerk_ctx, base, "clerk")
    page.on("pageerror", lambda exc: errors.append(str(exc)))
    page.click("#sidenav a[data-nav=case_new]")
    page.wait_for_url(f"{base}/cases/new/")
    assert page.evaluate("document.activeElement.id") == "id_phone"  # phone number first, no mouse
    page.keyboard.type("13805361234")
    page.wait_for_selector("#history [data-testid=history-lead]")
    assert "来过：楼上卫生间漏水" in page.inner_text("#history")
    page.keyboard.press("Tab")
    page.keyboard.type("张秀英")
    page.click("[data-add-party]")  # the neighbour upstairs
    page.keyboard.type("13905362222")
    page.keyboard.press("Tab")
    page.keyboard.type("李建国")
    page.locator("#parties select[name=party_role]").nth(1).select_option("respondent")
    page.click("#id_category_text")
    page.keyboard.type("邻里")
    page.wait_for_selector("#category-list li[role=option]")
    page.keyboard.press("Enter")
    assert page.input_value("#id_category") == "dispute.neighbour"
    assert page.input_value("#id_category_text") == "矛盾纠纷 › 邻里纠纷"
    page.fill("#id_description", "楼上卫生间又漏水，我家天花板发霉脱落，找楼上协商多次未果，双方发生争吵。")
    page.fill("#id_request", "请协调楼上住户维修并赔偿损失")
    page.fill("#id_address", "东关街道幸福小区3号楼2单元502")
    # the point on the map fills the grid
    point = page.evaluate("""() => {
        const el = document.querySelector('[data-pick-map]');
        el.scrollIntoView({block: 'center'});
        const p = el.zhiliMap.latLngToContainerPoint([36.7052, 119.1053]);
        const r = el.getBoundingClientRect();
        return {x: r.left + p.x, y: r.top + p.y};
    }""")
    page.mouse.click(point["x"], point["y"])
    page.wait_for_function("document.querySelector('#id_grid').value === '370705001001001'")
    assert "网格111" in page.inner_text("#locate-note")
    page.check("input[name=tier][value=complex]")
    page.wait_for_selector("#duplicates [data-testid=duplicates]")
    assert scene["near"].number in page.inner_text("#duplicates")  # the same spot, 5 days ago
    shot(page, "case-intake.png")
    page.focus("#id_request")
    with page.expect_navigation():
        page.keyboard.press("Control+Enter")
    assert page.url.endswith("/receipt/")
    number = page.inner_text("[data-testid=receipt-number]").strip()
    assert page.locator("[data-testid=receipt-qr] svg").is_visible()
    assert "群众诉求受理回执" in page.inner_text("[data-testid=receipt]")
    shot(page, "case-receipt.png")

    # ------------------------------------------------------------ accepts and dispatches: 住建局 leads, 公安 cooperates
    page.click("[data-testid=open-case]")
    page.wait_for_url(f"{base}/cases/{number}/")
    act(page, "accept")
    assert page.inner_text("[data-testid=case-state]") == "已受理"

    def dispatch(form):
        form.locator("select[name=lead_unit]").select_option(str(hall["zjj"].pk))
        form.locator(f"input[name=cooperating_units][value='{hall['gaj'].pk}']").check()
        form.locator("textarea[name=comment]").fill("住建局牵头维修，公安分局配合稳控")

    act(page, "dispatch", dispatch)
    assert page.inner_text("[data-testid=case-state]") == "待签收"
    assert page.inner_text("[data-testid=lead-unit]") == "住建局"
    assert "公安分局" in page.inner_text("[data-testid=coop-units]")

    page.goto(f"{base}/cases/")
    assert page.locator(".tab[data-bucket=to_accept] .badge").inner_text() == "3"
    shot(page, "case-todo.png")

    # ------------------------------------------------------------ 李科长 of 住建局 signs
    zjj_ctx = browser.new_context(**desktop)
    zjj = log_in(zjj_ctx, base, "zjj_handler")
    zjj.on("pageerror", lambda exc: errors.append(str(exc)))
    assert zjj.locator("[data-testid=inbox-badge]").is_visible()
    zjj.goto(f"{base}/cases/?bucket=to_sign")
    with zjj.expect_navigation():
        zjj.click(f"tr[data-number='{number}'] a >> nth=0")
    act(zjj, "sign")
    assert zjj.inner_text("[data-testid=case-state]") == "办理中"

    # ------------------------------------------------------------ 公安 records its part (a complex case)
    gaj_ctx = browser.new_context(**desktop)
    gaj = log_in(gaj_ctx, base, "gaj_handler")
    gaj.on("pageerror", lambda exc: errors.append(str(exc)))
    gaj.goto(f"{base}/cases/?bucket=to_cooperate")
    assert gaj.locator(f"tr[data-number='{number}']").count() == 1
    gaj.goto(f"{base}/cases/{number}/")
    act(gaj, "record_part", lambda f: f.locator("textarea[name=part]").fill("民警到场调解，稳控双方情绪"))
    assert "民警到场调解" in gaj.inner_text("[data-testid=coop-units]")
    gaj_ctx.close()

    # ------------------------------------------------------------ 李科长 submits the result
    zjj.reload()
    act(
        zjj,
        "submit_result",
        lambda f: f.locator("textarea[name=result]").fill("已组织维修楼上卫生间防水层，双方达成和解。"),
    )
    assert zjj.inner_text("[data-testid=case-state]") == "待核查"
    zjj_ctx.close()

    # ------------------------------------------------------------ 小王 checks it: the resident's link and its QR code
    page.goto(f"{base}/cases/?bucket=to_check")
    with page.expect_navigation():
        page.click(f"tr[data-number='{number}'] a >> nth=0")
    act(page, "check_pass")
    assert page.inner_text("[data-testid=case-state]") == "待回访"
    panel = page.locator("[data-testid=confirm-panel]")
    assert panel.is_visible() and panel.locator("svg").is_visible()
    link = page.get_attribute("[data-testid=confirm-url]", "href")
    assert "/c/" in link
    assert page.locator("[data-action=callback]").is_visible()  # 电话回访, for residents without a smartphone
    shot(page, "case-page.png")

    # ------------------------------------------------------------ 张阿姨 confirms on her phone
    phone_ctx = browser.new_context(
        viewport={"width": 390, "height": 844},
        device_scale_factor=2,
        is_mobile=True,
        has_touch=True,
        locale="zh-CN",
    )
    phone = phone_ctx.new_page()
    phone.on("pageerror", lambda exc: errors.append(str(exc)))
    phone.goto(link)
    assert number in phone.inner_text("body")
    phone.check("input[name=solved][value=yes]")
    phone.check("input[name=satisfaction][value=satisfied]")
    assert phone.evaluate("document.documentElement.scrollWidth <= window.innerWidth"), (
        "the phone page scrolls sideways"
    )
    shot(phone, "case-confirm-phone.png")
    with phone.expect_navigation():
        phone.click("form[data-confirm-form] button[type=submit]")
    assert "/confirmed/" in phone.url
    phone_ctx.close()

    # ------------------------------------------------------------ the case reads 结案 with its whole timeline
    page.reload()
    assert page.inner_text("[data-testid=case-state]") == "已结案"
    assert not page.locator("[data-testid=confirm-panel]").count()
    events = page.eval_on_selector_all("[data-testid=timeline] li", "els => els.map(e => e.dataset.event)")
    assert events == [
        "register",
        "accept",
        "dispatch",
        "sign",
        "record_part",
        "submit_result",
        "check_pass",
        "callback",
    ]
    timeline = page.inner_text("[data-testid=timeline]")
    assert "群众" in timeline and "满意" in timeline and "已结案" in timeline
    shot(page, "case-closed.png")
    clerk_ctx.close()

    assert not errors, errors
