"""The case list's Excel export (#13): formula injection (item 5) and the export job with its
progress, owner-only download and expiry (item 18)."""

from __future__ import annotations

import io

import pytest
from django.test import Client
from openpyxl import load_workbook

from zhili.cases import services
from zhili.core.spreadsheets import safe_cell

pytestmark = pytest.mark.django_db

EVIL_TITLE = '=HYPERLINK("http://evil.example/x","点击查看详情")'
EVIL_NAME = "=cmd|' /C calc'!A0"


def login(user) -> Client:
    c = Client()
    c.force_login(user)
    return c


def register(actor, categories, title="楼上漏水引发邻里纠纷", applicant="张秀英", **kw):
    data = dict(
        channel="window", case_type="dispute", category=categories["neighbour"].code, title=title,
        description="楼上住户卫生间漏水，多次协商未果。", lon=119.105, lat=36.705, tier="complex",
        parties=[{"name": applicant, "phone": "13805361234", "role": "applicant"},
                 {"name": "李建国", "phone": "13905362222", "role": "respondent"}],
    )
    data.update(kw)
    return services.register_case(actor, **data)


# ---------------------------------------------------------------- item 5: formula injection


def test_safe_cell_keeps_numbers_and_plain_text_and_neutralises_formula_starts():
    assert safe_cell(12) == 12 and safe_cell(-3.5) == -3.5 and safe_cell(None) is None
    assert safe_cell("邻里纠纷") == "邻里纠纷"
    for risky in ("=1+1", "+1", "-1", "@SUM(A1)", "\t=1", "\r=1"):
        assert safe_cell(risky) == "'" + risky  # csv: a quote first


def test_a_residents_formula_is_text_in_the_excel_export(staff, hall, categories):
    case = register(staff["clerk"], categories, title=EVIL_TITLE, applicant=EVIL_NAME)
    r = login(staff["clerk"]).get("/cases/export.xlsx")
    assert r.status_code == 200
    ws = load_workbook(io.BytesIO(r.content)).active
    rows = list(ws.iter_rows(min_row=2))
    assert [row[0].value for row in rows] == [case.number]
    title, reporter = rows[0][1], rows[0][8]
    assert title.value == EVIL_TITLE and title.data_type == "s"  # shown as text, never evaluated
    assert reporter.value.startswith("=") and reporter.data_type == "s"  # the masked name
    assert all(c.data_type != "f" for row in ws.iter_rows() for c in row)
