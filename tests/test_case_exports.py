"""The case list's Excel export (#13): formula injection (item 5) and the export job with its
progress, owner-only download and expiry (item 18)."""

from __future__ import annotations

import io
from pathlib import Path

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


def test_the_streaming_writer_keeps_types_and_never_writes_a_formula():
    import datetime as dt

    from zhili.core.xlsx import SheetWriter

    buf = io.BytesIO()
    with SheetWriter(buf, "案件清单/2026", ["编号", "数", "时间"], [16, 8, 18]) as sheet:
        sheet.append(["=1+1", 12, dt.datetime(2026, 11, 26, 9, 30)])
        sheet.append(["a\x07b <&>", -3.5, dt.date(2026, 11, 26)])
        sheet.append([None, "", True])
    ws = load_workbook(io.BytesIO(buf.getvalue())).active
    assert ws.title == "案件清单-2026" and ws.freeze_panes == "A2" and ws["A1"].font.b
    assert (ws["A2"].value, ws["A2"].data_type) == ("=1+1", "s")
    assert ws["B2"].value == 12 and ws["B3"].value == -3.5
    assert ws["C2"].value == dt.datetime(2026, 11, 26, 9, 30) and ws["C3"].value.date() == dt.date(2026, 11, 26)
    assert ws["A3"].value == "ab <&>" and ws["A4"].value is None and ws["C4"].value is True


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


# ---------------------------------------------------------------- item 18: long exports run as a job

DUMMY = {"default": {"BACKEND": "django_tasks.backends.dummy.DummyBackend"}}


@pytest.fixture
def jobs(settings, tmp_path, monkeypatch):
    """Exports of more than 2 rows run as jobs; the queue holds them until the test runs them."""
    from zhili.cases import exports

    settings.ZHILI_EXPORT_DIR = str(tmp_path / "exports")
    settings.TASKS = DUMMY
    monkeypatch.setattr(exports, "IMMEDIATE_MAX_ROWS", 2)
    return exports


def test_a_long_export_is_a_job_with_progress_and_a_download_for_its_owner_only(staff, hall, categories, jobs,
                                                                                 monkeypatch):
    from zhili.cases.models import CaseExport
    from zhili.core.models import AuditEvent

    made = [register(staff["clerk"], categories).number for _ in range(5)]
    c = login(staff["clerk"])
    r = c.get("/cases/export.xlsx", {"state": "registered"})
    job = CaseExport.objects.get()
    assert r.status_code == 302 and r["Location"] == f"/cases/exports/{job.key}/"
    assert job.owner == staff["clerk"] and job.state == "queued" and job.query == "state=registered"
    page = c.get(r["Location"]).content.decode()
    assert "正在等待后台任务开始导出" in page and 'hx-trigger="every 1s"' in page

    # the worker runs it: the page's fragment shows rows written / total while it writes
    seen = []
    report = jobs.report_progress

    def spy(pk, rows):
        report(pk, rows)
        seen.append(c.get(f"/cases/exports/{job.key}/progress/").content.decode())

    monkeypatch.setattr(jobs, "report_progress", spy)
    assert jobs.run(job.pk, every=2) == 5
    assert len(seen) == 2 and "已写入 2 / 共 5 行" in seen[0] and "已写入 4 / 共 5 行" in seen[1]
    assert all('hx-trigger="every 1s"' in s for s in seen)
    done = c.get(f"/cases/exports/{job.key}/progress/").content.decode()
    assert "hx-trigger" not in done and "已完成：5 行" in done and f"/cases/exports/{job.key}/download/" in done

    r = c.get(f"/cases/exports/{job.key}/download/")
    assert r.status_code == 200 and r["Content-Type"].startswith("application/vnd.openxmlformats")
    ws = load_workbook(io.BytesIO(b"".join(r.streaming_content))).active
    rows = list(ws.iter_rows(values_only=True))
    assert rows[0][:2] == ("诉求编号", "标题") and sorted(row[0] for row in rows[1:]) == sorted(made)
    assert {row[9] for row in rows[1:]} == {"138****1234"}
    assert AuditEvent.objects.filter(action="case.export", actor_id=staff["clerk"].pk).count() == 1
    assert AuditEvent.objects.filter(action="case.export.download", actor_id=staff["clerk"].pk).count() == 1

    # anyone else — even with the whole district in scope — gets 404, as for an export that does not exist
    other = login(staff["admin"])
    for path in ("", "progress/", "download/"):
        assert other.get(f"/cases/exports/{job.key}/{path}").status_code == 404
    assert c.get("/cases/exports/00000000-0000-0000-0000-000000000000/download/").status_code == 404

    # the file expires: the sweep deletes it a day after it was written
    job.refresh_from_db()
    path = jobs.export_dir() / job.file_name
    assert path.exists() and job.expires_at == job.finished_at + jobs.KEEP
    assert jobs.expire(now=job.expires_at - jobs.KEEP / 2) == 0 and path.exists()
    assert jobs.expire(now=job.expires_at) == 1 and not path.exists()
    assert jobs.expire(now=job.expires_at) == 0  # idempotent
    assert c.get(f"/cases/exports/{job.key}/download/").status_code == 404
    assert "已过期" in c.get(f"/cases/exports/{job.key}/").content.decode()


def test_a_download_past_its_expiry_is_refused_before_the_sweep_runs(staff, hall, categories, jobs):
    from zhili.cases.models import CaseExport

    for _ in range(3):
        register(staff["clerk"], categories)
    c = login(staff["clerk"])
    c.get("/cases/export.xlsx")
    job = CaseExport.objects.get()
    jobs.run(job.pk)
    job.refresh_from_db()
    assert jobs.file_of(job, now=job.expires_at - jobs.KEEP / 2).exists()
    with pytest.raises(Exception) as exc:
        jobs.file_of(job, now=job.expires_at)
    assert type(exc.value).__name__ == "NotFound"


def test_the_job_exports_the_owners_scope_and_a_formula_stays_text(staff, hall, categories, jobs, settings,
                                                                    monkeypatch):
    from zhili.cases.models import CaseExport

    settings.TASKS = {"default": {"BACKEND": "django_tasks.backends.immediate.ImmediateBackend"}}
    monkeypatch.setattr(jobs, "IMMEDIATE_MAX_ROWS", 0)
    for _ in range(2):
        register(staff["clerk"], categories)  # street 001
    theirs = register(staff["clerk"], categories, title=EVIL_TITLE, lon=119.145, lat=36.705)  # street 002
    c = login(staff["street2"])
    r = c.get("/cases/export.xlsx")
    job = CaseExport.objects.get(owner=staff["street2"])
    assert r.status_code == 302 and job.state == "done" and job.total == job.rows_written == 1
    ws = load_workbook(jobs.export_dir() / job.file_name).active
    rows = list(ws.iter_rows(min_row=2))
    assert [row[0].value for row in rows] == [theirs.number]
    assert rows[0][1].value == EVIL_TITLE and rows[0][1].data_type == "s"


@pytest.mark.browser
@pytest.mark.django_db(transaction=True)
def test_in_a_browser_the_export_page_polls_until_the_download_is_ready(staff, hall, categories, jobs, live_server,
                                                                         browser):
    from browserkit import log_in

    from zhili.cases.models import CaseExport

    made = [register(staff["clerk"], categories).number for _ in range(3)]
    base = live_server.url
    ctx = browser.new_context(viewport={"width": 1366, "height": 768}, locale="zh-CN", accept_downloads=True)
    page = ctx.new_page()
    errors: list[str] = []
    page.on("pageerror", lambda exc: errors.append(str(exc)))
    log_in(page, base, "clerk")
    page.goto(f"{base}/cases/search/")
    page.click("[data-testid=export]")
    page.wait_for_url(f"{base}/cases/exports/*/")
    assert "正在等待后台任务开始导出" in page.inner_text("#export-progress")
    jobs.run(CaseExport.objects.get().pk)  # what zhili worker does meanwhile
    page.wait_for_selector("[data-testid=export-download]", timeout=15_000)  # the next poll shows it
    assert "已完成：3 行" in page.inner_text("#export-progress")
    with page.expect_download() as download:
        page.click("[data-testid=export-download]")
    data = Path(download.value.path()).read_bytes()
    rows = list(load_workbook(io.BytesIO(data)).active.iter_rows(min_row=2, values_only=True))
    assert sorted(r[0] for r in rows) == sorted(made) and not errors
    ctx.close()
