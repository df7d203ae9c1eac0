"""A leader opens the big screen at 1920×1080 and the analysis page with a filter (Debian chromium via playwright).

Writes docs/screenshots/screen.png and docs/screenshots/analysis.png. Skips when /usr/bin/chromium or playwright is missing.
"""

from __future__ import annotations

import datetime as dt

import pytest
import time_machine
from browserkit import SCREENSHOTS, log_in

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def mid_month() -> dt.datetime:
    """15:00 on the 18th of the month after next (China): "the month so far" has 17 days and today
    15 hours whatever the day the suite runs — on the wall clock's 1st at 03:00 the month so far
    was empty and every case fell on today or later. In the future, so the browser (on the real
    clock) keeps the cookies the frozen server sets."""
    from zhili.core.calendar import SHANGHAI
    from zhili.insight import figures as fg

    first = fg.add_months(dt.date.today().replace(day=1), 2)
    return dt.datetime(first.year, first.month, 18, 15, 0, tzinfo=SHANGHAI)


@pytest.fixture
def frozen():
    """The clock frozen for the fixture, the live server and the test alike (time-machine)."""
    now = mid_month()
    with time_machine.travel(now, tick=False):
        yield now


@pytest.fixture
def screen_data(frozen, staff, hall, categories, district):
    """Cases of this month in both streets (some today, some finished, some open) and a warning — made before
    the browser starts."""
    from zhili.cases import services
    from zhili.core.calendar import SHANGHAI
    from zhili.core.models import CodeItem, Region
    from zhili.insight.models import Warning, WarningRule

    Region.objects.filter(code="370705002000").update(
        geometry={
            "type": "Polygon",
            "coordinates": [
                [[119.14, 36.70], [119.16, 36.70], [119.16, 36.715], [119.14, 36.715], [119.14, 36.70]]
            ],
        }
    )
    Region.objects.filter(code="370705002001").update(
        geometry={
            "type": "Polygon",
            "coordinates": [
                [[119.14, 36.70], [119.15, 36.70], [119.15, 36.71], [119.14, 36.71], [119.14, 36.70]]
            ],
        }
    )
    env = CodeItem.objects.create(type="case_category", code="E", label="环境卫生", label_en="Environment")
    cats = [categories["neighbour"], categories["leak"], categories["wages"], env, categories["leak"]]
    grids = [
        ("370705001001001", 119.103),
        ("370705001001002", 119.114),
        ("370705001002001", 119.125),
        ("370705001002002", 119.136),
        ("370705002001001", 119.145),
    ]
    channels = ["window", "phone", "online", "grid", "phone"]
    titles = ["楼道堆放杂物", "楼上漏水", "工地拖欠工资", "垃圾清运不及时", "小区路灯不亮"]
    now = dt.datetime.now(SHANGHAI)
    start = now.replace(day=1, hour=8, minute=0, second=0, microsecond=0)
    span = max((now - start).total_seconds(), 3600)
    made = []
    today = now.replace(hour=0, minute=5, second=0, microsecond=0)
    for i in range(26):
        # the last four today, the others spread over the month so far
        when = (
            today + dt.timedelta(seconds=max((now - today).total_seconds() - 60, 60) * (i - 21) / 5)
            if i > 21
            else start + dt.timedelta(seconds=span * i / 26)
        )
        grid, lon = grids[i % 5 if i % 3 else 0]
        case = services.register_case(
            staff["clerk"],
            channel=channels[i % 5],
            case_type="dispute",
            category=cats[i % 5].code,
            description="群众反映" + titles[i % 5],
            title=titles[i % 5 if i % 4 else 0],
            grid=grid,
            lon=lon + (i % 3) * 0.002,
            lat=36.702 + (i % 4) * 0.002,
            at=when,
            address=f"幸福小区{i % 3 + 1}号楼",
            parties=[{"name": "张三", "phone": f"1380536{i:04d}"}],
        )
        made.append(case)
        if i % 3 == 0:
            services.act(
                staff["clerk"],
                case,
                "resolve_on_spot",
                {"result": "已当场解决"},
                now=when + dt.timedelta(seconds=20),
            )
            services.act(
                staff["clerk"],
                case,
                "callback",
                {"solved": True, "satisfaction": "satisfied" if i % 2 else "basic"},
                now=when + dt.timedelta(seconds=40),
            )
        elif i % 3 == 1:
            services.act(staff["clerk"], case, "accept", now=when + dt.timedelta(minutes=10))
            services.act(
                staff["clerk"],
                case,
                "dispatch",
                {"lead_unit": hall["zjj" if i % 2 else "gaj"].pk},
                now=when + dt.timedelta(minutes=10),
            )
    from zhili.insight.warnings import seed_rules

    seed_rules()  # an earlier transactional test may have flushed the migration-seeded rules
    rule = WarningRule.objects.get(code="handle-overdue")
    rule.recipients = ["leader", "centre_admin"]
    rule.save()
    w = Warning.objects.create(
        rule=rule,
        level="red",
        key=f"case:{made[1].number}:handle",
        title=f"{made[1].number} 已超期：楼上漏水",
        reason="已超过办理时限2天",
        region_code=made[1].region_code,
        subject_case=made[1],
    )
    w.cases.add(made[1])
    # the expected figures, computed here: no database connection inside playwright's event loop
    from zhili.insight import figures as fg

    leader, day = staff["leader"], now.date()
    month_end = fg.month_end(start.date())
    return {
        "cases": made,
        "start": start.date(),
        "month_end": month_end,
        "year": fg.figures(
            fg.Filter(leader, start=day.replace(month=1, day=1), end=day), with_overdue_now=False
        ),
        "street": fg.figures(fg.Filter(leader, region="370705001000", start=start.date(), end=month_end)),
    }


def test_leader_opens_the_screen_and_the_analysis_page(frozen, screen_data, staff, live_server, browser):
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    base = live_server.url
    leader = staff["leader"]
    start, month_end = screen_data["start"], screen_data["month_end"]
    year, street = screen_data["year"], screen_data["street"]
    errors: list[str] = []

    context = browser.new_context(viewport={"width": 1920, "height": 1080}, locale="zh-CN")
    page = context.new_page()
    page.clock.set_fixed_time(frozen)  # the screen's own clock (its timers keep running) says the server's time
    page.on("pageerror", lambda exc: errors.append(str(exc)))
    log_in(page, base, leader.username)

    # the big screen: no navigation, the map with its grids, the figures, and it refreshes by itself
    page.goto(f"{base}/screen/")
    page.wait_for_selector("body[data-ready='1']")
    page.wait_for_selector("#s-map path.leaflet-interactive")
    assert page.locator("#sidenav").count() == 0
    assert page.locator("#s-map path.leaflet-interactive").count() >= 5
    assert page.inner_text("[data-fig='year.received']") == str(year.received) == "26"
    assert page.inner_text("[data-fig='today.received']") == "4"
    assert page.inner_text("[data-fig='year.completion_rate']").strip() == str(year.completion_rate)
    assert "已超期" in page.inner_text("#s-warnings")
    assert "楼上漏水" in page.inner_text("#s-feed") or "工地拖欠工资" in page.inner_text("#s-feed")
    page.wait_for_function("document.body.dataset.refreshed >= 1", timeout=15000)
    page.wait_for_timeout(600)
    assert page.evaluate(
        "document.documentElement.scrollWidth <= 1920 && document.documentElement.scrollHeight <= 1080"
    )
    page.screenshot(path=str(SCREENSHOTS / "screen.png"))

    # the analysis page on her laptop, filtered to street 001
    page.goto(f"{base}/insight/?start={start}&end={month_end}&region=370705001000")
    page.wait_for_selector("html[data-insight-ready='1']")
    page.wait_for_selector("#chart-trend canvas")
    kpis = page.inner_text("[data-testid=kpis]")
    assert str(street.completion_rate) in kpis and str(street.received) in kpis
    assert page.inner_text("[data-figure=completion_rate] .kpi-value") == str(street.completion_rate)
    assert page.locator("#hex-map path.leaflet-interactive").count() >= 2
    page.locator("#hex-map path.leaflet-interactive").last.click()
    page.wait_for_selector("#hex-panel .hex-cases li")
    page.wait_for_timeout(300)
    # the whole page in one picture: a viewport as tall as the page (full_page would repeat the sticky top bar)
    height = page.evaluate("document.documentElement.scrollHeight")
    page.set_viewport_size({"width": 1440, "height": height})
    page.evaluate("window.scrollTo(0, 0)")
    page.wait_for_timeout(500)
    page.screenshot(path=str(SCREENSHOTS / "analysis.png"))
    context.close()
    assert not errors, errors
