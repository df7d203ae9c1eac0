"""The analysis page, the warnings page, the exports and the big screen's data, on real cases."""

import datetime as dt
import io

import pytest

from zhili.cases import services
from zhili.core.calendar import SHANGHAI
from zhili.insight import figures as fg
from zhili.insight.models import Warning, WarningRule

pytestmark = pytest.mark.django_db

NOV = "start=2026-11-01&end=2026-11-30"
GRID_S1 = "370705001001001"
GRID_S2 = "370705002001001"


def at(month, day, hour=9, minute=0, year=2026):
    return dt.datetime(year, month, day, hour, minute, tzinfo=SHANGHAI)


def register(staff, cat, when=None, grid=GRID_S1, lon=119.105, lat=36.705, title="", **kw):
    return services.register_case(staff["clerk"], channel=kw.pop("channel", "window"), case_type="dispute", category=cat.code,
                                  description=kw.pop("description", "楼上漏水"), title=title, grid=grid, lon=lon, lat=lat, at=when,
                                  address=kw.pop("address", ""), parties=[{"name": "张三", "phone": "13805360001"}], **kw)


@pytest.fixture
def november(staff, hall, categories):
    """Four cases in November 2026: three in street 001 (two finished, one open), one in street 002."""
    a = register(staff, categories["neighbour"], at(11, 2), title="楼道堆物", address="东关街道幸福小区3号楼")
    services.act(staff["clerk"], a, "resolve_on_spot", {"result": "已调解"}, now=at(11, 2, 10))
    b = register(staff, categories["leak"], at(11, 3), title="楼道堆物", address="东关街道幸福小区3号楼", channel="phone")
    services.act(staff["clerk"], b, "accept", now=at(11, 3, 10))
    services.act(staff["clerk"], b, "dispatch", {"lead_unit": hall["zjj"].pk}, now=at(11, 3, 10))
    c = register(staff, categories["wages"], at(11, 4), lon=119.135, lat=36.705, grid="370705001002002")
    d = register(staff, categories["leak"], at(11, 5), grid=GRID_S2, lon=119.145, lat=36.705, title="大虞漏水")
    return {"a": a, "b": b, "c": c, "d": d}


def login(client, user):
    client.force_login(user)
    return client


def test_analysis_page_shows_exactly_the_figures(client, staff, november):
    login(client, staff["leader"])
    r = client.get(f"/insight/?{NOV}")
    assert r.status_code == 200
    html = r.content.decode()
    f = fg.Filter(staff["leader"], start=dt.date(2026, 11, 1), end=dt.date(2026, 11, 30))
    figs = fg.figures(f)
    assert figs.received == 4
    cards = {c["name"]: c for c in r.context["cards"]}
    assert cards["received"]["value"] == "4"
    assert cards["completion_rate"]["value"] == str(figs.completion_rate)
    assert f'<div class="kpi-value">{figs.completion_rate}</div>' in html
    assert f'<div class="kpi-value">{figs.on_time_rate}</div>' in html
    assert f'<div class="kpi-value">{figs.satisfaction_rate}</div>' in html  # "—": no callbacks yet
    assert str(figs.satisfaction_rate) == "—"
    assert "环比" in html and "同比" in html
    assert "下载分析研判报告" in html or "Download analysis report" in html
    # the charts and tables are there, with the same numbers
    assert r.context["tables"]["category"].rows[0][1] == max(row.figures.received for row in fg.by_category(f))
    assert sum(h["n"] for h in r.context["hexes"]) == 4
    assert ["楼道堆物", 2] in r.context["tables"]["recurring_title"].rows


def test_filters_narrow_the_figures(client, staff, november, categories):
    login(client, staff["leader"])
    r = client.get(f"/insight/?{NOV}&region=370705002000")
    assert {c["name"]: c["value"] for c in r.context["cards"]}["received"] == "1"
    r = client.get(f"/insight/?{NOV}&category=T")
    f = fg.Filter(staff["leader"], start=dt.date(2026, 11, 1), end=dt.date(2026, 11, 30), category="T")
    assert {c["name"]: c["value"] for c in r.context["cards"]}["received"] == str(fg.figures(f).received) == "2"
    r = client.get("/insight/?period=last_month")
    assert r.status_code == 200


def test_a_community_has_its_hotspot_map_and_recurring_tables(staff, november):
    """The month × street rollups cannot answer for a community (its report, a community's own scope):
    its map and recurring tables count its own cases — by the whole months the period touches — instead
    of showing nothing. Its figures count the exact dates (the day × grid rollup, #12)."""
    from zhili.cases.models import Case
    from zhili.insight import views

    f = fg.Filter(staff["leader"], region="370705001001", start=dt.date(2026, 11, 3), end=dt.date(2026, 11, 20))
    exact = Case.objects.filter(region_code__startswith="370705001001", created_at__gte=at(11, 3, 0),
                                created_at__lt=at(11, 21, 0)).count()
    assert fg.figures(f).received == exact == 1  # b alone: a was registered on 2 November
    hexes, note = views.hexagons(f)  # the map and the recurring tables: the whole of November
    assert sum(h["n"] for h in hexes) == 2 and "整月" in note
    assert views.table_recurring(f, "title").rows == [["楼道堆物", 2]]
    assert views.table_recurring(f, "address").rows == [["东关街道幸福小区3号楼", 2]]
    # the other community of the street: case c alone, nothing recurs
    other = fg.Filter(staff["leader"], region="370705001002", start=f.start, end=f.end)
    assert sum(fg.by_cell(other).values()) == fg.figures(other).received == 1 and fg.recurring(other, "title") == []
    # October has nothing there
    october = f.period(dt.date(2026, 10, 1), dt.date(2026, 10, 31))
    assert fg.by_cell(october) == {} and fg.recurring(october, "title") == []
    # a street user of the other street gets nothing of this community
    assert fg.by_cell(fg.Filter(staff["street2"], region="370705001001", start=f.start, end=f.end)) == {}
    # the category × street table holds the community's street, from the grid rollup (was a FieldError)
    heat = fg.by_street_category(f)
    assert list(heat) == ["370705001"] and sum(r.figures.received for r in heat["370705001"]) == exact  # exact dates


def test_the_page_drills_down_to_a_community(client, staff, november):
    """The region choice holds each street and, under it, its communities: a community's page counts
    its own cases, and every chart, export and the report follow it."""
    login(client, staff["leader"])
    r = client.get(f"/insight/?{NOV}&region=370705001001")
    assert r.status_code == 200
    html = r.content.decode()
    assert '<option value="370705001001" selected>第一社区</option>' in html
    assert '<optgroup label="东关街道">' in html and "东关街道（全街道）" in html
    assert '<span class="page-sub-item" data-testid="region">第一社区</span>' in html
    trend = r.context["tables"]["trend"]  # a community's days, from the day × grid rollup (#12)
    assert trend.title.endswith("（按日）") and len(trend.rows) == 30 and not trend.note
    per_day = {row[0]: row[1] for row in trend.rows}
    assert sum(per_day.values()) == 2 and per_day["2026-11-02"] == per_day["2026-11-03"] == 1
    assert {c["name"]: c["value"] for c in r.context["cards"]}["received"] == "2"  # a and b, not c
    assert sum(h["n"] for h in r.context["hexes"]) == 2
    heat = r.context["tables"]["heat"]
    assert heat.header == ["类别", "东关街道"] and sum(row[1] for row in heat.rows) == 2
    assert "按渠道" in r.context["tables"]["channel"].note  # kept per street: said, not guessed
    for chart in ("figures", "trend", "category", "channel", "heat", "units", "recurring_title", "hex", "clusters"):
        assert client.get(f"/insight/export.xlsx?chart={chart}&{NOV}&region=370705001001").status_code == 200, chart
    from docx import Document

    r = client.get(f"/insight/report.docx?{NOV}&region=370705001001")
    assert r.status_code == 200
    text = "\n".join(p.text for p in Document(io.BytesIO(r.content)).paragraphs)
    assert "第一社区" in text and "共受理群众诉求 2 件" in text
    # a street user picks among its own street's communities; another street's is not offered nor taken
    login(client, staff["street"])
    r = client.get(f"/insight/?{NOV}&region=370705001002")
    assert {c["name"]: c["value"] for c in r.context["cards"]}["received"] == "1"
    assert "第三社区" not in r.content.decode()
    r = client.get(f"/insight/?{NOV}&region=370705002001")
    assert {c["name"]: c["value"] for c in r.context["cards"]}["received"] == "3"  # its own street instead


def test_street_user_sees_only_its_street(client, staff, november):
    login(client, staff["street"])
    r = client.get(f"/insight/?{NOV}")
    assert r.status_code == 200
    assert {c["name"]: c["value"] for c in r.context["cards"]}["received"] == "3"
    assert [s["code"] for s in r.context["streets"]] == ["370705001000"]
    # asking for the other street falls back to its own scope
    r = client.get(f"/insight/?{NOV}&region=370705002000")
    assert {c["name"]: c["value"] for c in r.context["cards"]}["received"] == "3"
    assert sum(h["n"] for h in r.context["hexes"]) == 3
    data = client.get("/screen/data.json").json()
    assert all(code.startswith("370705001") for code in data["grids"])


@pytest.mark.parametrize("role", ["grid", "clerk", "zjj"])
def test_other_roles_get_403(client, staff, role):
    login(client, staff[role])
    for url in ("/insight/", "/insight/warnings/", "/screen/", "/screen/data.json", f"/insight/export.xlsx?chart=trend&{NOV}",
                f"/insight/report.docx?{NOV}"):
        assert client.get(url).status_code == 403, url


def test_anonymous_is_sent_to_login(client):
    r = client.get("/insight/")
    assert r.status_code == 302 and "/login/" in r["Location"]


@pytest.mark.parametrize("chart", ["figures", "trend", "category", "channel", "heat", "units", "satisfaction", "recurring_title",
                                   "recurring_address", "hex", "clusters"])
def test_export_xlsx_opens_with_the_rows(client, staff, november, chart):
    from openpyxl import load_workbook

    login(client, staff["leader"])
    r = client.get(f"/insight/export.xlsx?chart={chart}&{NOV}")
    assert r.status_code == 200
    ws = load_workbook(io.BytesIO(r.content)).active
    rows = [[c for c in row] for row in ws.iter_rows(values_only=True)]
    assert "2026年11月" in rows[0][0]
    if chart == "category":
        body = {row[0]: row[1] for row in rows[2:]}
        assert body == {"矛盾纠纷": 2, "房屋漏水": 2}
    if chart == "figures":
        f = fg.Filter(staff["leader"], start=dt.date(2026, 11, 1), end=dt.date(2026, 11, 30))
        body = {row[0]: row[1] for row in rows[2:]}
        figs = fg.figures(f)
        assert body["受理量"] == "4" and body["受理办结率"] == str(figs.completion_rate)
        assert body["期内办结量"] == str(figs.closed) and body["按期办结率"] == str(figs.on_time_rate)
    # every export carries the 口径 of the figures it shows, in Chinese, from Figure.caliber
    book = load_workbook(io.BytesIO(r.content))
    assert book.sheetnames[1] == "指标口径"
    calibers = {row[0]: row[1] for row in book["指标口径"].iter_rows(min_row=2, values_only=True) if row and row[0]}
    header = rows[1]
    for figure in (*fg.FIGURES, fg.OVERDUE_NOW):
        named = figure.label in header or (chart in ("figures", "satisfaction") and figure.label in [r[0] for r in rows])
        if named:
            assert calibers[figure.label] == figure.caliber, (chart, figure.name)
    if chart == "figures":
        assert len([k for k in calibers if k != "说明"]) == len(fg.FIGURES) + 1
    if chart == "trend":
        assert len(rows) == 2 + 30


def test_export_unknown_chart_is_404(client, staff):
    login(client, staff["leader"])
    assert client.get("/insight/export.xlsx?chart=nope").status_code == 404


def test_report_downloads_and_opens(client, staff, november):
    from docx import Document

    login(client, staff["leader"])
    r = client.get(f"/insight/report.docx?{NOV}")
    assert r.status_code == 200
    doc = Document(io.BytesIO(r.content))
    text = "\n".join(p.text for p in doc.paragraphs)
    assert "分析研判报告" in text and "共受理群众诉求 4 件" in text


def test_hex_endpoint_returns_only_in_scope_cases(client, staff, november):
    import h3

    cell = h3.latlng_to_cell(36.705, 119.145, 8)  # street 002's case
    login(client, staff["street"])
    assert client.get(f"/insight/hex/{cell}/?{NOV}").json()["count"] == 0
    own = h3.latlng_to_cell(36.705, 119.105, 8)
    data = client.get(f"/insight/hex/{own}/?{NOV}").json()
    assert {c["number"] for c in data["cases"]} == {november["a"].number, november["b"].number}
    assert data["cases"][0]["url"].startswith("/cases/")
    login(client, staff["leader"])
    assert client.get(f"/insight/hex/{cell}/?{NOV}").json()["cases"][0]["number"] == november["d"].number
    assert client.get(f"/insight/hex/{'0' * 15}/").status_code == 404


def _warning(case, level="red"):
    rule = WarningRule.objects.get(code="handle-overdue")
    w = Warning.objects.create(rule=rule, level=level, key=f"case:{case.number}:handle", title=f"{case.number} 已超期",
                               reason="已超过办理时限2天", region_code=case.region_code, subject_case=case)
    w.cases.add(case)
    return w


def test_warnings_page_lists_and_acknowledges(client, staff, november):
    w = _warning(november["b"])
    login(client, staff["admin"])
    r = client.get("/insight/warnings/")
    html = r.content.decode()
    assert r.status_code == 200
    assert "已超过办理时限2天" in html and f'href="/cases/{november["b"].number}/"' in html
    assert '>红</span>' in html
    r = client.post(f"/insight/warnings/{w.pk}/acknowledge/", {"next": "/insight/warnings/"})
    assert r.status_code == 302
    w.refresh_from_db()
    assert w.state == "acknowledged" and w.acknowledged_by == staff["admin"]
    assert client.get("/insight/warnings/?state=new").context["items"] == []
    assert len(client.get("/insight/warnings/?state=acknowledged&level=red").context["items"]) == 1
    assert client.get("/insight/warnings/?level=yellow").context["items"] == []
    client.post(f"/insight/warnings/{w.pk}/handle/", {"note": "已督办"})
    w.refresh_from_db()
    assert w.state == "handled" and w.note == "已督办"


def test_home_page_shows_this_months_figures_and_the_open_warnings(client, staff, hall, categories):
    """The leader's and the centre's home: the key figures of this month so far (the analysis page's
    numbers) and the open warnings by level, newest first — no "later release" placeholders left."""
    from zhili.web import homepage

    now_cases = [register(staff, categories["leak"], title="楼上漏水"), register(staff, categories["neighbour"], grid=GRID_S2)]
    red, orange = _warning(now_cases[0]), _warning(now_cases[1], level="orange")
    Warning.objects.create(rule=red.rule, level="yellow", key="handled-one", title="已处理的预警", reason="已处理",
                           region_code=now_cases[0].region_code, state="handled")
    WarningRule.objects.filter(code="handle-overdue").update(recipients=["leader", "centre_admin", "street_staff"])
    today = fg.filters.today()
    figs = fg.figures(fg.Filter(staff["leader"], start=today.replace(day=1), end=today))
    assert figs.received == 2

    page = login(client, staff["leader"]).get("/").content.decode()
    assert 'data-testid="home-figures"' in page and 'data-testid="home-warnings"' in page
    assert "后续版本" not in page.split('<div class="cards">')[1].split("快捷入口")[0]
    cards = homepage.context(staff["leader"])["insight"]
    assert dict((k, str(v)) for k, _l, v, _t in cards["figures"]["items"]) == {
        "received": "2", "closed": str(figs.closed), "completion_rate": str(figs.completion_rate), "on_time_rate": str(figs.on_time_rate),
        "satisfaction_rate": str(figs.satisfaction_rate), "overdue_now": str(figs.overdue_now)}
    assert f'data-figure="completion_rate">\n          <span class="stat-value">{figs.completion_rate}</span>' in page
    # each figure named by its label, its 口径 in Chinese as the tooltip
    for key, label, _v, tip in cards["figures"]["items"]:
        figure = fg.OVERDUE_NOW if key == "overdue_now" else fg.BY_NAME[key]
        assert label == figure.label and tip == f"{figure.label}：{figure.caliber}"
        assert f'<span class="stat-label" title="{tip}">{label}</span>' in page
    warnings = cards["warnings"]
    assert warnings["total"] == 2 and dict(warnings["counts"]) == {"red": 1, "orange": 1, "yellow": 0}
    assert [w["title"] for w in warnings["latest"]] == [orange.title, red.title]  # newest first, handled left out
    # a street user: its street only (case 2 is in street 002)
    street = homepage.context(staff["street"])["insight"]
    assert street["figures"]["items"][0][2] == 1 and street["warnings"]["total"] == 1
    # roles without the analysis pages get none of its cards
    assert homepage.context(staff["clerk"])["insight"] == {}


def test_a_departments_home_shows_its_place_in_the_on_time_ranking(client, staff, hall, categories):
    from zhili.web import homepage

    case = register(staff, categories["leak"])
    services.act(staff["clerk"], case, "accept")
    services.act(staff["clerk"], case, "dispatch", {"lead_unit": hall["zjj"].pk})
    other = register(staff, categories["leak"])
    services.act(staff["clerk"], other, "accept")
    services.act(staff["clerk"], other, "dispatch", {"lead_unit": hall["gaj"].pk})
    ranking = homepage.context(staff["zjj"])["insight"]["ranking"]
    assert (ranking["of"], ranking["received"]) == (2, 1) and ranking["place"] in (1, 2)
    page = login(client, staff["zjj"]).get("/").content.decode()
    assert 'data-testid="home-ranking"' in page and f"{ranking['place']} / 2" in page
    assert "gaj" not in str(ranking) and "公安" not in page.split('data-testid="home-ranking"')[1].split("</section>")[0]
    # a unit that led nothing this month says so
    idle = homepage.context(staff["rsj"])["insight"]["ranking"]
    assert idle["place"] is None and idle["of"] == 2
    assert "本月本单位尚未牵头办理案件" in login(client, staff["rsj"]).get("/").content.decode()


def test_leader_reads_warnings_but_cannot_act(client, staff, november):
    w = _warning(november["b"])
    WarningRule.objects.filter(code="handle-overdue").update(recipients=["leader", "centre_admin"])
    login(client, staff["leader"])
    r = client.get("/insight/warnings/")
    assert len(r.context["items"]) == 1 and not r.context["writable"]
    assert client.post(f"/insight/warnings/{w.pk}/acknowledge/").status_code == 403
    assert client.get(f"/insight/warnings/{w.pk}/acknowledge/").status_code == 405
    w.refresh_from_db()
    assert w.state == "new"


def test_screen_data_has_today_month_year_and_grid_colours(client, staff, categories, district):
    register(staff, categories["leak"])  # now: today's figures
    login(client, staff["leader"])
    data = client.get("/screen/data.json").json()
    today = fg.figures(fg.Filter(staff["leader"], start=dt.datetime.now(SHANGHAI).date(), end=dt.datetime.now(SHANGHAI).date()))
    assert data["figures"]["today"]["received"] == str(today.received) == "1"
    assert data["figures"]["month"]["received"] == "1" and data["figures"]["year"]["received"] == "1"
    assert data["figures"]["today"]["completion_rate"] == str(today.completion_rate)
    assert data["grids"][GRID_S1]["n"] == 1 and data["grids"][GRID_S1]["colour"] != data["grids"]["370705001001002"]["colour"]
    assert data["feed"][0]["title"]
    r = client.get("/screen/")
    assert r.status_code == 200 and "screen-data" in r.content.decode()


def test_screen_works_with_zero_cases(client, staff):
    login(client, staff["leader"])
    data = client.get("/screen/data.json").json()
    assert data["figures"]["today"]["received"] == "0"
    assert data["figures"]["year"]["completion_rate"] == "—"
    assert data["feed"] == [] and data["open_total"] == 0
    assert all(g["n"] == 0 for g in data["grids"].values()) and data["grids"]
    assert client.get("/screen/").status_code == 200
    assert client.get("/insight/").status_code == 200


def test_open_cases_per_grid_from_the_rollup_equal_the_cases(staff, hall, categories, november):
    """The screen's map counts open cases per grid from RegionRollup (received − completed); the same as counting them."""
    from django.db.models import Count

    from zhili.cases.models import Case
    from zhili.cases.workflow import OPEN_STATES
    from zhili.insight import views

    rejected = register(staff, categories["leak"])
    services.act(staff["clerk"], rejected, "reject", {"reason": "不属于受理范围", "proper_channel": "法院"})
    register(staff, categories["leak"])
    want = dict(Case.objects.filter(state__in=OPEN_STATES).values_list("region_code").annotate(n=Count("id")).order_by())
    assert sum(want.values()) >= 2
    for who in ("leader", "street", "admin"):
        regions = views.map_regions(staff[who])
        drawn = {r["prefix"] for r in regions}
        assert views.open_per_region(staff[who], regions) == {k: v for k, v in want.items() if k in drawn}, who
    # a department counts the open cases it leads, from the cases
    led = dict(Case.objects.filter(state__in=OPEN_STATES, lead_unit=hall["zjj"]).values_list("region_code")
               .annotate(n=Count("id")).order_by())
    assert views.open_per_region(staff["zjj"], views.map_regions(staff["admin"])) == led


# ---------------------------------------------------------------- the warnings a leader sees (issue #12)

@pytest.fixture
def routed_to_handlers(staff, hall, categories, monkeypatch):
    """Two cases dispatched to 住建局 on 2 November, one in each street, their handling deadlines
    approached (办理即将超期, yellow: routed only to the department's handler and head) and passed
    (办理超期, red: routed to the department's head and the centre) — by sweeps at explicit times.
    Neither rule is routed to the leader or to a street."""
    from zhili.insight import warnings as wn
    from zhili.insight.views import base

    monkeypatch.setattr(fg.filters, "today", lambda: dt.date(2026, 11, 20))
    monkeypatch.setattr(base, "today", lambda: dt.date(2026, 11, 20))
    WarningRule.objects.exclude(code__in=("handle-soon", "handle-overdue")).update(enabled=False)
    assert set(WarningRule.objects.get(code="handle-soon").recipients) == {"dept_handler", "dept_head"}
    cases = {}
    for key, grid, lon, title in (("s1", GRID_S1, 119.105, "东关路灯不亮"), ("s2", GRID_S2, 119.145, "大虞井盖缺失")):
        c = register(staff, categories["leak"], at(11, 2), grid=grid, lon=lon, title=title)
        services.act(staff["clerk"], c, "accept", now=at(11, 2, 10))
        cases[key] = services.act(staff["clerk"], c, "dispatch", {"lead_unit": hall["zjj"].pk}, now=at(11, 2, 10)).case
    due = cases["s1"].due_at
    assert cases["s2"].due_at == due
    assert wn.sweep(now=due - dt.timedelta(hours=12))["handle-soon"] == 2
    assert wn.sweep(now=due + dt.timedelta(hours=1))["handle-overdue"] == 2
    by = {(w.subject_case_id, w.rule.code): w for w in Warning.objects.select_related("rule")}
    return {"cases": cases, **{f"{k}_{code.split('-')[1]}": by[(c.pk, code)]
                                for k, c in cases.items() for code in ("handle-soon", "handle-overdue")}}


def test_the_leader_and_a_street_see_their_regions_open_warnings_everywhere(client, staff, routed_to_handlers):
    """Routing decides who must act, not who may see: the leader sees the district's open warnings
    and a street user his street's, by level, on the home page, the warnings page and the big screen
    — though no rule routes them there (before: 暂无预警 beside 当前超期). Another street's warning,
    its case number and title, appear on none of a street user's."""
    from zhili.web import homepage

    t = routed_to_handlers
    other = t["cases"]["s2"]
    for who, red, yellow, mine in (("leader", 2, 2, ("s1", "s2")), ("street", 1, 1, ("s1",))):
        user = staff[who]
        titles = {t[f"{k}_{x}"].title for k in mine for x in ("soon", "overdue")}
        # the home page's card
        card = homepage.context(user)["insight"]["warnings"]
        assert card["counts"] == [("red", red), ("orange", 0), ("yellow", yellow)], who
        assert card["total"] == red + yellow and {w["title"] for w in card["latest"]} == titles, who
        home = login(client, user).get("/").content.decode()
        assert 'data-testid="home-warnings"' in home and "没有待处理的预警" not in home
        # the warnings page: every open warning, the same counts by level
        r = client.get("/insight/warnings/")
        assert {it["w"].title for it in r.context["items"]} == titles, who
        assert [(v, n) for v, _s, _c, n in r.context["open_by_level"]] == card["counts"]
        assert len(client.get("/insight/warnings/?state=open&level=red").context["items"]) == red
        # the big screen's data: the same warnings and counts
        data = client.get("/screen/data.json").json()
        assert {w["title"] for w in data["warnings"]} == titles, who
        assert [(lv["level"], lv["n"]) for lv in data["warning_levels"]] == card["counts"]
        assert data["warnings_open"] == red + yellow
        if who == "street":
            for text in (home, r.content.decode(), client.get("/screen/").content.decode(),
                         client.get("/screen/data.json").content.decode("utf-8")):
                assert other.number not in text and "大虞井盖缺失" not in text


def test_who_must_act_on_the_warnings_they_see(client, staff, routed_to_handlers):
    """Seeing is not acting: the leader reads only; a street user sees his street's red warning but
    it is routed to the department's head and the centre (403), and another street's is not found
    (404); the centre acts on its red one, not on the yellow one routed to the department only."""
    t = routed_to_handlers
    login(client, staff["leader"])
    page = client.get("/insight/warnings/")
    assert not page.context["writable"] and len(page.context["items"]) == 4
    assert client.post(f"/insight/warnings/{t['s1_overdue'].pk}/acknowledge/").status_code == 403

    login(client, staff["street"])
    page = client.get("/insight/warnings/")
    assert page.context["writable"] and not any(it["can_act"] for it in page.context["items"])
    html = page.content.decode()
    assert f'data-testid="ack-{t["s1_overdue"].pk}"' not in html and f'data-testid="not-routed-{t["s1_overdue"].pk}"' in html
    assert "部门负责人" in html  # whom the rule routes it to
    assert client.post(f"/insight/warnings/{t['s1_overdue'].pk}/acknowledge/").status_code == 403
    assert client.post(f"/insight/warnings/{t['s2_overdue'].pk}/handle/", {"note": "已督办"}).status_code == 404

    login(client, staff["admin"])
    page = client.get("/insight/warnings/")
    acting = {it["w"].pk for it in page.context["items"] if it["can_act"]}
    assert acting == {t["s1_overdue"].pk, t["s2_overdue"].pk}
    assert f'data-testid="ack-{t["s1_overdue"].pk}"' in page.content.decode()
    assert client.post(f"/insight/warnings/{t['s1_soon'].pk}/acknowledge/").status_code == 403
    assert client.post(f"/insight/warnings/{t['s1_overdue'].pk}/acknowledge/").status_code == 302
    states = dict(Warning.objects.values_list("pk", "state"))
    assert states == {t["s1_overdue"].pk: "acknowledged", t["s2_overdue"].pk: "new", t["s1_soon"].pk: "new",
                      t["s2_soon"].pk: "new"}
