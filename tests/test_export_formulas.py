"""Text that looks like a formula stays text in every export outside the case exports (those are in
tests/test_case_exports.py): the region table and the analysis page's tables."""

import io

import openpyxl
import pytest

from zhili.core import regions_io
from zhili.core.models import Region

pytestmark = pytest.mark.django_db

FORMULA = '=HYPERLINK("http://evil.example/x","点此查看")'


def test_a_region_named_like_a_formula_is_text_in_the_region_table(staff, district):
    Region.objects.filter(code="370705001001001").update(name=FORMULA)
    book = openpyxl.load_workbook(io.BytesIO(regions_io.export_excel(staff["admin"])))
    cells = [c for row in book.active.iter_rows() for c in row if c.value == FORMULA]
    assert cells and all(c.data_type == "s" for c in cells)


def test_a_recurring_title_like_a_formula_is_text_in_the_analysis_export(client, staff, categories):
    from zhili.cases import services

    for i in range(2):  # a title that recurs: the analysis page's recurring-matters table lists it
        services.register_case(staff["clerk"], channel="window", case_type="dispute", category=categories["leak"].code,
                               title=FORMULA, description="楼上漏水", grid="370705001001001",
                               parties=[{"name": "张三", "phone": f"1380536000{i}"}])
    client.force_login(staff["admin"])
    r = client.get("/insight/export.xlsx", {"chart": "recurring_title"})
    assert r.status_code == 200, r.content[:300]
    book = openpyxl.load_workbook(io.BytesIO(r.content))
    cells = [c for ws in book.worksheets for row in ws.iter_rows() for c in row if c.value == FORMULA]
    assert cells and all(c.data_type == "s" for c in cells)
