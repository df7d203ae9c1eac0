"""Every surface that shows a figure says its 口径 in Chinese, from ``Figure.caliber`` (issue #12):
the analysis page (tooltips and the 指标口径 panel), the big screen, and the big screen's 在办 counts
every open case of the district — those no street holds included."""

import datetime as dt
import re

import pytest

from zhili.cases import services
from zhili.core.calendar import SHANGHAI
from zhili.insight import figures as fg

pytestmark = pytest.mark.django_db

GRID_S1 = "370705001001001"
GRID_S2 = "370705002001001"
NOV = "start=2026-11-01&end=2026-11-30"


def at(month, day, hour=9):
    return dt.datetime(2026, month, day, hour, 0, tzinfo=SHANGHAI)


def register(staff, cat, when=None, grid=GRID_S1, **kw):
    placed = {"grid": grid, "lon": 119.105, "lat": 36.705} if grid else {}
    return services.register_case(staff["clerk"], channel=kw.pop("channel", "window"), case_type="dispute", category=cat.code,
                                  description=kw.pop("description", "楼上漏水"), at=when,
                                  parties=[{"name": "张三", "phone": "13805360001"}], **placed, **kw)


def every_figure():
    out = []
    for figure in fg.FIGURES:
        out.append(figure)
        if figure.name == "overdue_ever":
            out.append(fg.OVERDUE_NOW)
    return out


def test_the_analysis_page_says_each_figures_caliber(client, staff, categories):
    register(staff, categories["leak"], at(11, 2))
    client.force_login(staff["leader"])
    r = client.get(f"/insight/?{NOV}")
    html = r.content.decode()
    # the panel: every figure, in order, with its 口径
    panel = html.split('data-testid="calibers"')[1].split("</details>")[0]
    assert "<summary>指标口径</summary>" in panel
    items = re.findall(r'data-caliber="(\w+)"><dt>(.*?)</dt><dd>(.*?)</dd>', panel)
    assert [(n, label) for n, label, _c in items] == [(f.name, f.label) for f in every_figure()]
    for (_n, _label, caliber), figure in zip(items, every_figure(), strict=True):
        assert caliber == figure.caliber.replace("\"", "&quot;")
    # the cards: named by the figure's label, its 口径 as the tooltip of the name
    cards = {c["name"]: c for c in r.context["cards"]}
    for name in ("received", "closed", "completed", "completion_rate", "due", "on_time_rate", "unreachable",
                 "avg_handling_hours", "return_rate"):
        figure = fg.BY_NAME[name]
        assert cards[name]["label"] == figure.label and cards[name]["title"] == f"{figure.label}：{figure.caliber}"
        assert f'<div class="kpi-label has-tip" title="{figure.label}：{figure.caliber}">{figure.label}</div>' in html
    assert fg.OVERDUE_NOW.caliber in cards["overdue"]["title"]
    # the tables' columns named after a figure carry its 口径 too
    assert f'title="按期办结率：{fg.BY_NAME["on_time_rate"].caliber}">按期办结率</span>' in html
    # no pointer to a file a civil servant cannot open, no second name for 退单率
    assert "docs/metrics.md" not in html and "退回率" not in html and "工作小时" not in html
    assert "Definitions" not in html


def test_the_screen_names_its_figures_by_label_with_their_caliber(client, staff):
    client.force_login(staff["leader"])
    data = client.get("/screen/data.json").json()
    for name in (*fg.KEY_FIGURES, "overdue_now"):
        figure = fg.OVERDUE_NOW if name == "overdue_now" else fg.BY_NAME[name]
        assert data["labels"][name] == figure.label and data["tips"][name] == f"{figure.label}：{figure.caliber}"
    html = client.get("/screen/").content.decode()
    closed = fg.BY_NAME["closed"]
    assert f'title="{closed.label}：{closed.caliber}"' in html and f'<div class="s-fig-l">{closed.label}</div>' in html
    assert "本年受理办结率" in html


def test_the_screens_open_cases_include_those_no_street_holds(client, staff, hall, categories):
    """在办诉求 is every open case of the viewer's scope (RegionRollup received − completed over every
    region code in it), not only those inside a grid on the map: a district-level registration without
    a point or a grid (region 370705000000) is open too."""
    from zhili.cases.models import Case
    from zhili.cases.workflow import OPEN_STATES

    register(staff, categories["leak"])  # open, in street 001
    register(staff, categories["leak"], grid=GRID_S2)  # open, in street 002
    unplaced = register(staff, categories["leak"], grid=None, channel="phone", description="电话反映，未说明地点")
    assert unplaced.region_code == "370705000000" and fg.unplaced(unplaced.region_code[:9])
    done = register(staff, categories["leak"])
    services.act(staff["clerk"], done, "resolve_on_spot", {"result": "已调解"})
    services.act(staff["clerk"], done, "callback", {"solved": True, "satisfaction": "satisfied"})
    rejected = register(staff, categories["leak"], grid=None)
    services.act(staff["clerk"], rejected, "reject", {"reason": "不属于受理范围", "proper_channel": "法院"})

    open_cases = Case.objects.filter(state__in=OPEN_STATES)
    for who, prefix in (("leader", "370705"), ("admin", "370705"), ("street", "370705001")):
        client.force_login(staff[who])
        data = client.get("/screen/data.json").json()
        mine = open_cases.filter(region_code__startswith=prefix)
        unplaced_n = sum(1 for code in mine.values_list("region_code", flat=True) if fg.unplaced(code[:9]))
        assert data["open_total"] == mine.count(), who
        assert data["open_unplaced"] == unplaced_n == (1 if prefix == "370705" else 0), who
        assert sum(g["n"] for g in data["grids"].values()) == mine.count() - unplaced_n, who
        assert f'<div class="s-big" id="s-open">{mine.count()}</div>' in client.get("/screen/").content.decode()
    assert open_cases.count() == 3  # the two placed and the unplaced one; the finished and the rejected are not open
