"""Periods a leader can read on the 3rd of a month (issue #12): the default view is this month so
far, 环比 of a part month compares the same days of the month before, and no day that has not come
is counted or drawn. The clock is frozen (time-machine): 3 December 2026, 10:00 China time."""

import datetime as dt
import io

import openpyxl
import pytest
import time_machine

from zhili.cases import services
from zhili.core.calendar import SHANGHAI
from zhili.insight import figures as fg

pytestmark = pytest.mark.django_db

NOW = dt.datetime(2026, 12, 3, 10, 0, tzinfo=SHANGHAI)
GRID = "370705001001001"


def at(month, day, hour=9):
    return dt.datetime(2026, month, day, hour, 0, tzinfo=SHANGHAI)


def register(staff, cat, when):
    return services.register_case(staff["clerk"], channel="window", case_type="dispute", category=cat.code,
                                  description="楼上漏水", grid=GRID, lon=119.105, lat=36.705, at=when,
                                  parties=[{"name": "张三", "phone": "13805360001"}])


@pytest.fixture
def frozen():
    with time_machine.travel(NOW, tick=False):
        yield


def test_part_periods_compare_the_same_days_before():
    # this month so far: the same three days of November, not all of November
    assert fg.previous_period(dt.date(2026, 12, 1), dt.date(2026, 12, 3)) == (dt.date(2026, 11, 1), dt.date(2026, 11, 3))
    # this quarter and this year so far: the same span of months before, to the same day
    assert fg.previous_period(dt.date(2026, 10, 1), dt.date(2026, 12, 3)) == (dt.date(2026, 7, 1), dt.date(2026, 9, 3))
    assert fg.previous_period(dt.date(2026, 1, 1), dt.date(2026, 12, 3)) == (dt.date(2025, 1, 1), dt.date(2025, 12, 3))
    # 30 March so far: February has no 30th, its last day stands in
    assert fg.previous_period(dt.date(2026, 3, 1), dt.date(2026, 3, 30)) == (dt.date(2026, 2, 1), dt.date(2026, 2, 28))
    # whole months and any other run of days: as before
    assert fg.previous_period(dt.date(2026, 11, 1), dt.date(2026, 11, 30)) == (dt.date(2026, 10, 1), dt.date(2026, 10, 31))
    assert fg.previous_period(dt.date(2026, 11, 10), dt.date(2026, 11, 16)) == (dt.date(2026, 11, 3), dt.date(2026, 11, 9))


def test_on_the_third_the_default_view_is_this_month_so_far_against_the_same_days(client, staff, categories, frozen):
    # November: two cases in its first three days, eight more later; December: two so far
    for day in (1, 2):
        register(staff, categories["leak"], at(11, day))
    for day in range(10, 18):
        register(staff, categories["leak"], at(11, day))
    for day in (1, 2):
        register(staff, categories["leak"], at(12, day))
    client.force_login(staff["leader"])
    r = client.get("/insight/")
    assert r.status_code == 200
    f = r.context["f"]
    form = r.context["form"]
    assert (form["start"], form["end"]) == ("2026-12-01", "2026-12-03")
    cards = {c["name"]: c for c in r.context["cards"]}
    assert cards["received"]["value"] == "2"
    # 环比 against 1–3 November (2 cases): ±0, not −80 % against the whole of November (10)
    assert cards["received"]["mom"] == "±0.00%"
    html = r.content.decode()
    assert "2026年11月1日至2026年11月3日" in html  # the base period is named on the page
    assert f.end == dt.date(2026, 12, 3) and r.context["cmp"].previous_period == (dt.date(2026, 11, 1), dt.date(2026, 11, 3))


def test_no_day_that_has_not_come_is_drawn_or_counted(client, staff, categories, frozen):
    register(staff, categories["leak"], at(12, 2))
    client.force_login(staff["leader"])
    # a range into the future is cut at today: the trend stops on the 3rd
    r = client.get("/insight/?start=2026-12-01&end=2026-12-31")
    assert (r.context["form"]["start"], r.context["form"]["end"]) == ("2026-12-01", "2026-12-03")
    trend = client.get("/insight/export.xlsx?chart=trend&start=2026-12-01&end=2026-12-31")
    assert trend.status_code == 200
    rows = list(openpyxl.load_workbook(io.BytesIO(trend.content)).active.iter_rows(values_only=True))
    days = [str(row[0]) for row in rows[2:] if row and str(row[0] or "").startswith("2026-")]
    assert days[0] == "2026-12-01" and days[-1] == "2026-12-03"
    # the quick picks end today too (上月 stays the whole month)
    quick = dict((k, q) for k, _label, q, _active in r.context["form"]["quick"])
    assert quick["month"] == "start=2026-12-01&end=2026-12-03"
    assert quick["year"] == "start=2026-01-01&end=2026-12-03"
    assert quick["last_month"] == "start=2026-11-01&end=2026-11-30"


def test_a_case_no_street_holds_has_a_row_of_its_own_so_streets_add_up_to_the_district(client, staff, categories):
    """A window clerk of the district registers without a point or grid: the case is the district's.
    By street it is a row named 未定位, not a code, and the rows add up to the district."""
    placed = register(staff, categories["leak"], at(11, 2))
    unplaced = services.register_case(staff["clerk"], channel="phone", case_type="dispute",
                                      category=categories["leak"].code, description="电话反映，未说明地点", at=at(11, 3),
                                      parties=[{"name": "李四", "phone": "13805360002"}])
    assert unplaced.region_code == "370705000000" and len(placed.region_code) == 15
    f = fg.Filter(staff["leader"], start=dt.date(2026, 11, 1), end=dt.date(2026, 11, 30))
    rows = fg.by_region(f, "street")
    assert {r.label: r.figures.received for r in rows} == {"东关街道": 1, fg.UNPLACED: 1}
    assert sum(r.figures.received for r in rows) == fg.figures(f).received == 2
    client.force_login(staff["leader"])
    html = client.get("/insight/?start=2026-11-01&end=2026-11-30").content.decode()
    assert fg.UNPLACED in html and ">370705000<" not in html
