"""On the 3rd of a month (the clock frozen in the test and the live server alike, time-machine), the
leader opens her home page and the analysis page: 环比 compares the same days of the month before
(not the whole month, which read −91%), the district's open warnings are there though no rule routes
them to her, and every figure says its 口径 in Chinese — the names' tooltips and the 指标口径 panel.

Writes docs/screenshots/home-leader-3rd.png and docs/screenshots/analysis-calibers.png. Skips when
/usr/bin/chromium or playwright is missing."""

from __future__ import annotations

import datetime as dt
import re

import pytest
import time_machine
from browserkit import SCREENSHOTS, log_in

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

#: Latin words a Chinese page may keep: file formats, the map and its cells, the Open311 channel
ALLOWED_LATIN = {"Excel", "Word", "PNG", "H3", "OpenStreetMap", "Leaflet", "Open311"}


def third_of_a_month() -> dt.datetime:
    """10:00 on the 3rd of the month after next: in the future, so the browser (on the real clock)
    keeps the session cookie the frozen server sets (it lasts 30 minutes)."""
    from zhili.core.calendar import SHANGHAI
    from zhili.insight import figures as fg

    first = fg.add_months(dt.date.today().replace(day=1), 2)
    return dt.datetime(first.year, first.month, 3, 10, 0, tzinfo=SHANGHAI)


@pytest.fixture
def frozen():
    now = third_of_a_month()
    with time_machine.travel(now, tick=False):
        yield now


@pytest.fixture
def third(frozen, staff, hall, categories, district):
    """Last month: two cases in its first three days and twenty later; this month so far: three,
    two of them finished; two open warnings, one in each street, routed to the department only."""
    from zhili.cases import services
    from zhili.insight import figures as fg
    from zhili.insight.models import Warning, WarningRule
    from zhili.insight.warnings import seed_rules

    now = frozen
    this_month = now.date().replace(day=1)
    last_month = fg.add_months(this_month, -1)

    def at(day: dt.date, hour: int = 9) -> dt.datetime:
        return dt.datetime.combine(day, dt.time(hour), now.tzinfo)

    def register(when, i, grid="370705001001001", lon=119.105):
        return services.register_case(staff["clerk"], channel=("window", "phone", "online")[i % 3], case_type="dispute",
                                      category=(categories["leak"], categories["neighbour"])[i % 2].code,
                                      description="群众反映楼上漏水", title=("楼上漏水", "楼道堆放杂物")[i % 2], grid=grid,
                                      lon=lon, lat=36.705, at=when, address=f"幸福小区{i % 3 + 1}号楼",
                                      parties=[{"name": "张三", "phone": f"1380536{i:04d}"}])

    def finish(case, when):
        services.act(staff["clerk"], case, "resolve_on_spot", {"result": "已当场调解"}, now=when)
        services.act(staff["clerk"], case, "callback", {"solved": True, "satisfaction": "satisfied"},
                     now=when + dt.timedelta(hours=1))

    days = [last_month + dt.timedelta(days=d) for d in (0, 1)] + \
           [last_month + dt.timedelta(days=4 + d % 23) for d in range(20)]
    for i, day in enumerate(days):
        case = register(at(day), i)
        if i % 2:
            finish(case, at(day, 11))
    made = []
    for i, (day, hour) in enumerate(((1, 9), (2, 15), (3, 8))):
        made.append(register(at(this_month.replace(day=day), hour), 100 + i,
                             *(("370705002001001", 119.145) if i == 2 else ())))
    finish(made[0], at(this_month.replace(day=1), 11))
    finish(made[1], at(this_month.replace(day=2), 17))
    dispatched = register(at(this_month.replace(day=1), 10), 200, "370705002001001", 119.145)
    services.act(staff["clerk"], dispatched, "accept", now=at(this_month.replace(day=1), 10))
    services.act(staff["clerk"], dispatched, "dispatch", {"lead_unit": hall["zjj"].pk}, now=at(this_month.replace(day=1), 10))

    seed_rules()  # an earlier transactional test may have flushed the migration-seeded rules
    overdue, soon = WarningRule.objects.get(code="handle-overdue"), WarningRule.objects.get(code="handle-soon")
    assert "leader" not in overdue.recipients and "leader" not in soon.recipients
    warnings = [
        Warning.objects.create(rule=overdue, level="red", key=f"case:{made[2].number}:handle",
                               title=f"{made[2].number} 办理超期：楼上漏水", reason="已超过办理时限1天",
                               region_code=made[2].region_code, subject_case=made[2]),
        Warning.objects.create(rule=soon, level="yellow", key=f"case:{dispatched.number}:handle-soon",
                               title=f"{dispatched.number} 办理即将超期", reason="距办理时限不足24小时",
                               region_code=dispatched.region_code, subject_case=dispatched),
    ]
    # the expected figures, computed here: no database connection inside playwright's event loop
    leader = staff["leader"]
    cmp = fg.compare(fg.Filter(leader, start=this_month, end=now.date()))
    return {"now": now, "cmp": cmp, "warnings": [w.title for w in warnings], "this_month": this_month,
            "previous": cmp.previous_period}


def latin_words(text: str, user) -> set[str]:
    """Latin words of a page's text, but for case numbers and the test user's own names (测试leader, its username)."""
    for name in (user.username, user.get_full_name(), str(user)):
        text = text.replace(name, "") if name else text
    text = re.sub(r"[A-Z]{2}\d{4}-\d{6}", "", text)  # case numbers (KW2027-000001)
    return {w for w in re.findall(r"[A-Za-z][A-Za-z0-9]{2,}", text)} - ALLOWED_LATIN


def test_the_leader_reads_the_3rd_of_a_month(third, staff, live_server, browser):
    from zhili.insight import figures as fg

    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    base = live_server.url
    cmp, this_month = third["cmp"], third["this_month"]
    cur = cmp.current
    assert third["previous"] == (fg.add_months(this_month, -1), fg.add_months(third["now"].date(), -1))
    assert (cur.received, cmp.previous.received) == (4, 2)  # 1st–3rd against the same three days
    errors: list[str] = []
    context = browser.new_context(viewport={"width": 1440, "height": 900}, locale="zh-CN")
    page = context.new_page()
    page.on("pageerror", lambda exc: errors.append(str(exc)))
    log_in(page, base, staff["leader"].username)

    # the home page: this month so far, each figure's name with its 口径; the district's open warnings
    home = page.locator("[data-testid=home-figures]")
    assert f"{this_month.year}年{this_month.month}月（截至3日）" in home.inner_text()
    for name in (*fg.KEY_FIGURES, "overdue_now"):
        figure = fg.OVERDUE_NOW if name == "overdue_now" else fg.BY_NAME[name]
        stat = home.locator(f"[data-figure={name}]")
        assert stat.locator(".stat-value").inner_text() == str(cur.value(name)), name
        assert stat.locator(".stat-label").inner_text() == figure.label
        assert stat.locator(".stat-label").get_attribute("title") == f"{figure.label}：{figure.caliber}"
    warnings = page.locator("[data-testid=home-warnings]")
    text = warnings.inner_text()
    assert all(t[:28] in text or t[:25] in text for t in third["warnings"]), text
    assert warnings.locator("[data-level=red] .badge").inner_text() == "1"
    assert warnings.locator("[data-level=yellow] .badge").inner_text() == "1"
    leader = staff["leader"]
    assert not latin_words(page.locator("main").inner_text(), leader), latin_words(page.locator("main").inner_text(), leader)
    page.screenshot(path=str(SCREENSHOTS / "home-leader-3rd.png"), full_page=True)

    # the analysis page: this month so far by default, 环比 of the same days
    page.goto(f"{base}/insight/")
    page.wait_for_selector("html[data-insight-ready='1']")
    period = page.inner_text("[data-testid=period]")
    assert f"{this_month:%Y-%m-%d} 至 {third['now'].date():%Y-%m-%d}" in period
    received = page.locator("[data-figure=received]")
    assert received.locator(".kpi-value").inner_text() == "4"
    assert f"环比 {cmp.mom('received')}" in received.inner_text() and str(cmp.mom("received")) == "+100.00%"
    for card in page.locator("[data-testid=kpis] .kpi").all():
        label = card.locator(".kpi-label")
        assert "：" in (label.get_attribute("title") or ""), label.inner_text()
    on_time = fg.BY_NAME["on_time_rate"]
    assert page.locator("[data-figure=on_time_rate] .kpi-label").get_attribute("title") == f"{on_time.label}：{on_time.caliber}"
    # the 指标口径 panel: closed at first, every figure once opened
    panel = page.locator("[data-testid=calibers]")
    assert not panel.locator("dl").is_visible()
    panel.locator("summary").click()
    assert panel.locator("dl").is_visible()
    shown = panel.inner_text()
    for figure in (*fg.FIGURES, fg.OVERDUE_NOW):
        assert figure.label in shown and figure.caliber in shown, figure.name
    main = page.locator("main").inner_text()
    assert "docs/metrics.md" not in main and "退回率" not in main
    assert not latin_words(main, leader), latin_words(main, leader)
    page.wait_for_selector("#chart-trend canvas")
    page.wait_for_timeout(400)
    height = page.evaluate("document.documentElement.scrollHeight")
    page.set_viewport_size({"width": 1440, "height": height})
    page.evaluate("window.scrollTo(0, 0)")
    page.wait_for_timeout(500)
    page.screenshot(path=str(SCREENSHOTS / "analysis-calibers.png"))
    context.close()
    assert not errors, errors
