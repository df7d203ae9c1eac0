"""The analysis report opens in Word (python-docx) and carries the figures the pages show."""

import datetime as dt
import io
from pathlib import Path

import docx
import pytest
from django.conf import settings

from zhili.cases import services
from zhili.core.calendar import SHANGHAI
from zhili.core.errors import NotFound
from zhili.insight import figures as fg
from zhili.insight import reports
from zhili.insight import warnings as wn
from zhili.insight.models import Report

pytestmark = pytest.mark.django_db

NOV = (dt.date(2026, 11, 1), dt.date(2026, 11, 30))


def at(month, day, hour=9, year=2026):
    return dt.datetime(year, month, day, hour, tzinfo=SHANGHAI)


def register(staff, cat, when, grid="370705001001001", phone="13805360001", description="楼上漏水", **kw):
    return services.register_case(staff["clerk"], channel=kw.pop("channel", "window"), case_type="dispute",
                                  category=cat.code, description=description, grid=grid, at=when, address=kw.pop("address", ""),
                                  parties=[{"name": "张三", "phone": phone}], **kw)


def complete(staff, hall, case, when, satisfaction="satisfied"):
    services.act(staff["clerk"], case, "accept", now=when)
    services.act(staff["clerk"], case, "dispatch", {"lead_unit": hall["zjj"].pk}, now=when)
    services.act(staff["zjj"], case, "sign", now=when + dt.timedelta(hours=1))
    services.act(staff["zjj"], case, "submit_result", {"result": "已处理"}, now=when + dt.timedelta(hours=5))
    services.act(staff["clerk"], case, "check_pass", now=when + dt.timedelta(hours=6))
    services.act(staff["clerk"], case, "callback", {"solved": True, "satisfaction": satisfaction}, now=when + dt.timedelta(hours=7))


@pytest.fixture
def november(staff, hall, categories):
    a = register(staff, categories["leak"], at(11, 2), address="幸福小区3号楼")
    complete(staff, hall, a, at(11, 2, 10))
    b = register(staff, categories["wages"], at(11, 3), phone="13905360002", address="幸福小区3号楼",
                 description="工地拖欠工资，工人扬言集体上访")
    complete(staff, hall, b, at(11, 3, 10), satisfaction="basic")
    register(staff, categories["neighbour"], at(11, 4), phone="13905360003", grid="370705002001001", channel="phone")
    register(staff, categories["leak"], at(10, 15), phone="13905360004")  # October, for 环比
    wn.sweep(now=at(11, 3, 12))
    return a, b


def text_of(document) -> str:
    parts = [p.text for p in document.paragraphs]
    for table in document.tables:
        for row in table.rows:
            parts.append(" | ".join(c.text for c in row.cells))
    return "\n".join(parts)


def table_rows(document) -> list[list[str]]:
    return [[c.text for c in row.cells] for t in document.tables for row in t.rows]


def test_the_report_opens_and_carries_the_page_figures(november, staff):
    now = at(12, 1, 8)
    data = reports.analysis_report(staff["admin"], "370705000000", *NOV, now=now)
    document = docx.Document(io.BytesIO(data))
    text = text_of(document)
    assert document.paragraphs[0].text == "奎文区2026年11月分析研判报告"
    page = fg.compare(fg.Filter(staff["admin"], region="370705", start=NOV[0], end=NOV[1]), now=now)
    assert (page.current.received, page.current.completed) == (3, 2)
    rows = {r[0]: r for r in table_rows(document)}
    for figure, value in page.current.rows():
        assert rows[figure.label][1] == str(value), figure.name
        if figure.name != "overdue_now":
            assert rows[figure.label][3] == str(page.mom(figure.name))
            assert rows[figure.label][5] == str(page.yoy(figure.name))
    assert rows["受理办结率"][1] == "66.67%" and rows["满意率"][1] == "100.00%" and rows["受理量"][3] == "+200.00%"
    assert rows["受理量"][5] == "—"  # nothing a year before
    assert rows["期内办结量"][1] == str(page.current.closed) == "2"  # a and b were closed in November
    assert "共受理群众诉求 3 件，其中目前已办结 2 件（受理办结率 66.67%）；期内办结 2 件" in text
    # charts as images, top issues, warnings, rankings
    assert len(document.inline_shapes) >= 3
    assert "幸福小区3号楼 | 2" in text
    assert "敏感词预警" in text and "集体上访" in text
    assert "东关街道 | 2 | 2 | 100.00%" in text and "大虞街道 | 1 | 0 | 0.00%" in text
    assert "住建局 | 2 | 2 | 100.00% | 100.00%" in text
    # the appendix: every figure the key-figure table shows, with its 口径 from the one definition
    assert "docs/metrics.md" not in text
    paragraphs = [p.text for p in document.paragraphs]
    appendix = paragraphs[paragraphs.index("附：指标口径") + 1:]
    for figure, _value in page.current.rows():
        assert f"{figure.label}：{figure.caliber}" in appendix, figure.name
    assert fg.BY_NAME["on_time_rate"].caliber.startswith("按期办结量 ÷ 应办结量")


def test_a_street_report_stays_in_the_street(november, staff):
    data = reports.analysis_report(staff["street"], "370705001000", *NOV, now=at(12, 1, 8))
    document = docx.Document(io.BytesIO(data))
    text = text_of(document)
    assert document.paragraphs[0].text == "东关街道2026年11月分析研判报告"
    rows = {r[0]: r for r in table_rows(document)}
    assert rows["受理量"][1] == "2"
    assert "第一社区 | 2 | 2 | 100.00%" in text and "大虞街道" not in text
    assert "责任单位排名" in text and "住建局 | 2 | 2 | 100.00% | 100.00%" in text  # the street's cases only
    with pytest.raises(NotFound):
        reports.analysis_report(staff["street2"], "370705001000", *NOV)
    with pytest.raises(NotFound):
        reports.analysis_report(staff["street"], "370705000000", *NOV)  # the district is above the street's scope


def test_a_community_report_lists_its_recurring_places(november, staff):
    """The recurring rollup is kept per street; a community's report counts its own cases instead —
    by the whole months the period touches (it used to leave the section empty). The community's
    figures count the exact dates (the day × grid rollup, #12)."""
    from zhili.cases.models import Case

    community = "370705001001"
    register(staff, november[0].category, at(10, 31, 23), phone="13905360005", address="幸福小区 3号楼")  # October
    document = docx.Document(io.BytesIO(reports.analysis_report(staff["admin"], community, *NOV, now=at(12, 1, 8))))
    text = text_of(document)
    assert "幸福小区3号楼 | 2" in text
    f = fg.Filter(staff["admin"], region=community, start=NOV[0], end=NOV[1])
    assert fg.recurring(f, "address") == [("幸福小区3号楼", 2)]
    # part of a month: the figures count its exact dates, recounted here from the cases
    part = f.period(dt.date(2026, 11, 3), dt.date(2026, 11, 20))
    lo, hi = at(11, 3, 0), at(11, 21, 0)
    exact = Case.objects.filter(region_code__startswith=community, created_at__gte=lo, created_at__lt=hi).count()
    assert fg.figures(part).received == exact == 1 and fg.figures(f).received == 2
    # the recurring places still by the whole months it touches (figures.maps)
    assert fg.recurring(part, "address") == [("幸福小区3号楼", 2)]
    assert fg.recurring(f.period(dt.date(2026, 10, 31), NOV[1]), "address") == [("幸福小区3号楼", 3)]
    assert fg.recurring(f.period(dt.date(2026, 10, 1), dt.date(2026, 10, 31)), "address") == []
    # another community's report does not see them, nor does a street user outside the street
    assert fg.recurring(fg.Filter(staff["admin"], region="370705001002", start=NOV[0], end=NOV[1]), "address") == []
    assert fg.recurring(fg.Filter(staff["street2"], region=community, start=NOV[0], end=NOV[1]), "address") == []


def test_an_empty_period_shows_dashes(staff, district):
    document = docx.Document(io.BytesIO(reports.analysis_report(staff["admin"], "370705000000", *NOV)))
    rows = {r[0]: r for r in table_rows(document)}
    assert rows["受理量"][1] == "0" and rows["受理办结率"][1] == "—" and rows["满意率"][1] == "—"
    assert rows["按期办结率"][1] == "—" and rows["期内办结量"][1] == "0"


def test_monthly_report_is_written_once_on_the_first(november):
    made = reports.write_monthly_reports(now=dt.datetime(2026, 12, 1, 0, 5, tzinfo=SHANGHAI))
    assert len(made) == 1
    report = made[0]
    assert (report.region_code, report.period_start, report.period_end) == ("370705000000", *NOV)
    path = Path(report.file.path)
    assert path.is_relative_to(Path(settings.MEDIA_ROOT) / "reports") and path.exists()
    document = docx.Document(str(path))
    assert document.paragraphs[0].text == "奎文区2026年11月分析研判报告"
    assert reports.write_monthly_reports(now=dt.datetime(2026, 12, 1, 1, 5, tzinfo=SHANGHAI)) == []
    assert reports.write_monthly_reports(now=dt.datetime(2026, 12, 15, tzinfo=SHANGHAI)) == []
    assert Report.objects.count() == 1


def test_the_worker_knows_the_sweeps():
    from zhili.core.sweeps import REGISTRY
    from zhili.insight import sweeps  # noqa: F401

    assert REGISTRY["insight.warnings"].every == 60
    assert "insight.monthly_report" in REGISTRY
