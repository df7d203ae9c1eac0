"""The hotspot map and the recurring matters and places come from rollups: their numbers equal a
count of the cases, spellings that differ only in spaces, punctuation or full-width forms are one,
and the analysis page reads no case rows for them."""

import datetime as dt

import h3
import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from test_insight_pages import GRID_S1, GRID_S2, NOV, at, login, register

from zhili.cases import keys, rollups, services
from zhili.cases.models import Case
from zhili.cases.rollups import MonthlyCellRollup, RecurringRollup, TextKey, recurring
from zhili.insight import figures as fg

pytestmark = pytest.mark.django_db

NOVEMBER = dict(start=dt.date(2026, 11, 1), end=dt.date(2026, 11, 30))


def test_normalised_spellings_are_one_key():
    assert keys.normalise("东关街道 幸福小区３号楼，") == "东关街道幸福小区3号楼"
    assert keys.text_key("幸福小区 3号楼") == keys.text_key("幸福小区3号楼。") == keys.text_key("幸福小区３号楼")
    assert keys.text_key("幸福小区3号楼") != keys.text_key("幸福小区4号楼")
    assert keys.text_key(" ，。 ") is None and keys.text_key("") is None
    assert keys.cell_of(None, None) == ""
    assert keys.cell_of(119.105, 36.705) == h3.latlng_to_cell(36.705, 119.105, keys.HEX_RES)


def test_a_key_turns_recurring_at_its_second_case(staff, categories):
    a = register(staff, categories["leak"], at(11, 2), title="楼上漏水", address="幸福小区 3号楼")
    assert a.cell == keys.cell_of(119.105, 36.705) and a.address_key == keys.text_key("幸福小区3号楼")
    key = TextKey.objects.get(kind="address", digest=a.address_key)
    assert (key.n, key.recurring, key.first_street) == (1, False, GRID_S1[:9])
    assert not RecurringRollup.objects.exists()  # one case: nothing in the rollup
    register(staff, categories["neighbour"], at(11, 3), title="噪音扰民", address="幸福小区３号楼。", channel="phone")
    key.refresh_from_db()
    assert (key.n, key.recurring) == (2, True)
    rows = {(r.month, r.street_code): r.received for r in RecurringRollup.objects.filter(key=key)}
    assert rows == {(dt.date(2026, 11, 1), GRID_S1[:9]): 2}
    # the two titles differ: no recurring matter
    assert fg.recurring(fg.Filter(staff["leader"], **NOVEMBER), "title") == []
    assert fg.recurring(fg.Filter(staff["leader"], **NOVEMBER), "address") == [("幸福小区 3号楼", 2)]
    # the other street, or October: nothing
    assert fg.recurring(fg.Filter(staff["leader"], region=GRID_S2[:9], **NOVEMBER), "address") == []
    assert fg.recurring(fg.Filter(staff["leader"], start=dt.date(2026, 10, 1), end=dt.date(2026, 10, 31)), "address") == []
    # not kept per category or channel: refused with the reason, not answered wrongly
    for kw in ({"category": categories["leak"].code}, {"channel": "phone"}):
        with pytest.raises(fg.Invalid) as exc:
            fg.recurring(fg.Filter(staff["leader"], **kw, **NOVEMBER), "address")
        assert exc.value.errors[0]["field"] in kw
    assert rollups.check() == []


def test_rejected_and_merged_cases_leave_the_counts(staff, hall, categories):
    a = register(staff, categories["leak"], at(11, 2), title="楼道堆物")
    b = register(staff, categories["leak"], at(11, 3), title="楼道 堆物")
    c = register(staff, categories["leak"], at(11, 4), title="楼道堆物！")
    f = fg.Filter(staff["leader"], **NOVEMBER)
    assert fg.recurring(f, "title") == [("楼道堆物", 3)]
    services.act(staff["clerk"], b, "reject", {"reason": "重复", "proper_channel": "无"}, now=at(11, 3, 10))
    assert fg.recurring(f, "title") == [("楼道堆物", 2)]
    services.act(staff["clerk"], c, "merge", {"master": a.number}, now=at(11, 4, 10))
    assert fg.recurring(f, "title") == []  # one case left
    key = TextKey.objects.get(kind="title", digest=a.title_key)
    assert (key.n, key.recurring) == (1, True)
    assert rollups.check() == []
    # a rebuild gives the same answer (the key with one case is no longer marked recurring)
    recurring.rebuild()
    assert fg.recurring(f, "title") == [] and rollups.check() == []
    assert TextKey.objects.get(kind="title", digest=a.title_key).recurring is False


def test_check_names_what_differs(staff, categories):
    a = register(staff, categories["leak"], at(11, 2), title="楼道堆物", address="幸福小区3号楼")
    register(staff, categories["leak"], at(11, 3), title="楼道堆物", address="幸福小区3号楼")
    assert rollups.check() == []
    TextKey.objects.filter(kind="title").update(n=5)
    RecurringRollup.objects.filter(kind="address").update(received=7)
    Case.objects.filter(pk=a.pk).update(cell="8831aa5551fffff", address_key=1)
    problems = rollups.check()
    assert any("TextKey title" in p and "stored n 5 vs recount 2" in p for p in problems)
    assert any(f"Case {a.number}: cell" in p for p in problems)
    assert any(f"Case {a.number}: address_key" in p for p in problems)
    assert any(p.startswith("MonthlyCellRollup") for p in problems)


def test_hotspot_counts_equal_the_case_points(staff, categories):
    points = [(119.105, 36.705), (119.1052, 36.7051), (119.135, 36.705), (119.145, 36.705)]
    grids = [GRID_S1, GRID_S1, "370705001002002", GRID_S2]
    for i, ((lon, lat), grid) in enumerate(zip(points, grids, strict=True)):
        register(staff, categories["leak"] if i % 2 else categories["neighbour"], at(11, 2 + i), lon=lon, lat=lat, grid=grid)
    register(staff, categories["leak"], at(10, 20), lon=119.105, lat=36.705)  # October: outside the period
    want: dict[str, int] = {}
    for lon, lat in points:
        cell = h3.latlng_to_cell(lat, lon, keys.HEX_RES)
        want[cell] = want.get(cell, 0) + 1
    assert fg.by_cell(fg.Filter(staff["leader"], **NOVEMBER)) == want
    # a street user sees its street's cells only; a category filter narrows them
    street = fg.by_cell(fg.Filter(staff["street"], **NOVEMBER))
    assert sum(street.values()) == 3
    assert sum(fg.by_cell(fg.Filter(staff["leader"], category=categories["leak"].code, **NOVEMBER)).values()) == 2
    # the month table: a period inside November still counts the whole of November, and says so
    f = fg.Filter(staff["leader"], start=dt.date(2026, 11, 3), end=dt.date(2026, 11, 4))
    assert sum(fg.by_cell(f).values()) == 4
    assert "按整月统计" in fg.months_note(f) and fg.months_note(fg.Filter(staff["leader"], **NOVEMBER)) == ""
    with pytest.raises(fg.Invalid) as exc:
        fg.by_cell(fg.Filter(staff["leader"], channel="phone", **NOVEMBER))
    assert exc.value.errors[0]["field"] == "channel"
    with pytest.raises(fg.Invalid) as exc:  # the map keeps top-level categories only
        fg.by_cell(fg.Filter(staff["leader"], category=categories["neighbour"].code, **NOVEMBER))
    assert exc.value.errors[0]["field"] == "category"
    assert sum(fg.by_cell(fg.Filter(staff["leader"], category=categories["root"].code, **NOVEMBER)).values()) == 2
    assert MonthlyCellRollup.objects.count() <= 5


def test_analysis_page_reads_no_case_rows_for_the_map_and_recurring(client, staff, categories):
    register(staff, categories["leak"], at(11, 2), title="楼道堆物", address="幸福小区3号楼")
    register(staff, categories["leak"], at(11, 3), title="楼道堆物", address="幸福小区3号楼")
    login(client, staff["leader"])
    with CaptureQueriesContext(connection) as ctx:
        r = client.get(f"/insight/?{NOV}")
    assert r.status_code == 200
    assert ["楼道堆物", 2] in r.context["tables"]["recurring_title"].rows
    assert ["幸福小区3号楼", 2] in r.context["tables"]["recurring_address"].rows
    assert sum(h["n"] for h in r.context["hexes"]) == 2
    table = Case._meta.db_table
    on_cases = [q["sql"] for q in ctx.captured_queries if table in q["sql"]]
    # no GROUP BY over the cases; one count — of today's deadlines already past, for "overdue now"
    # (the days before come from DueRollup) — and one read of the latest cases for the clusters
    assert not any("GROUP BY" in q for q in on_cases), on_cases
    counts = [q for q in on_cases if "COUNT(" in q]
    assert len(counts) == 1 and '"due_at" >=' in counts[0], counts
    assert len(on_cases) == 2 and "LIMIT 2000" in next(q for q in on_cases if q not in counts)
    # a filter the map and the recurring panels do not keep: the page says so instead of failing
    r = client.get(f"/insight/?{NOV}&channel=phone")
    html = r.content.decode()
    assert r.status_code == 200 and "热点图不按渠道区分" in html and "反复反映统计不按渠道区分" in html
