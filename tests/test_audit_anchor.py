"""The audit chain's anchor in ZHILI_HOME (issue #13 item 6): a cut tail with the head rewritten, a
wiped log and a rewritten chain are found by ``zhili audit verify``; an untampered log verifies."""

from __future__ import annotations

from pathlib import Path

import pytest
from django.db import connection, transaction

from zhili.cli import cmd_audit
from zhili.core import audit, audit_anchor
from zhili.core.models import AuditEvent, AuditHead

pytestmark = pytest.mark.django_db


@pytest.fixture
def filled(django_capture_on_commit_callbacks):
    """Six audit rows, committed (their anchors written)."""
    with django_capture_on_commit_callbacks(execute=True):
        return [audit.record(None, "test.action", object_type="thing", object_id=str(i), details={"i": i})
                for i in range(6)]


def _sql(sql, params=()):
    with connection.cursor() as c:
        c.execute(sql, params)


def _verify_cli(capsys) -> tuple[int, str]:
    code = cmd_audit(None)
    return code, capsys.readouterr().out


def test_an_untampered_log_verifies_against_its_anchor(filled, capsys):
    best, problems = audit_anchor.read()
    assert (best.seq, best.hash, problems) == (filled[-1].seq, filled[-1].hash, [])
    res = audit.verify()
    assert res.ok and not res.notes, (res.problems, res.notes)
    code, out = _verify_cli(capsys)
    assert code == 0 and "审计日志完整" in out and "intact" in out


def test_a_cut_tail_with_the_head_rewritten_is_found(filled, capsys):
    keep = filled[3]
    _sql("DELETE FROM core_auditevent WHERE seq > %s", (keep.seq,))
    AuditHead.objects.filter(pk=1).update(seq=keep.seq, hash=keep.hash)  # the head made to match
    code, out = _verify_cli(capsys)
    assert code == 1
    assert f"rows {keep.seq + 1}–{filled[-1].seq} deleted from the end" in out
    assert f"末尾第 {keep.seq + 1}–{filled[-1].seq} 行被删除" in out and "锚点" in out


def test_a_wiped_log_is_found(filled, capsys):
    _sql("DELETE FROM core_auditevent")
    _sql("DELETE FROM core_audithead")
    code, out = _verify_cli(capsys)
    assert code == 1
    assert "the log was wiped" in out and "审计日志已被清空" in out and str(filled[-1].seq) in out


def test_a_wiped_log_restarted_with_fewer_rows_is_found(filled, django_capture_on_commit_callbacks, capsys):
    _sql("DELETE FROM core_auditevent")
    _sql("DELETE FROM core_audithead")
    with django_capture_on_commit_callbacks(execute=False):  # rows written by hand: no anchors
        audit.record(None, "test.fresh", object_type="thing", object_id="x")
    code, out = _verify_cli(capsys)
    assert code == 1 and "deleted from the end" in out


def test_a_chain_rewritten_with_the_key_is_found(filled, capsys):
    """Someone with a copy of keys.json (not of the server's ZHILI_HOME) edits the last row and
    recomputes its hash and the head: the chain holds, the anchor does not."""
    last = AuditEvent.objects.get(seq=filled[-1].seq)
    last.details = '{"i": 999}'
    forged = audit.row_hash(last)
    _sql("UPDATE core_auditevent SET details = %s, hash = %s WHERE id = %s", (last.details, forged, last.id))
    AuditHead.objects.filter(pk=1).update(hash=forged)
    code, out = _verify_cli(capsys)
    assert code == 1
    assert f"row {last.seq} differs from the anchor" in out and f"第 {last.seq} 行与锚点不符" in out


def test_an_edited_anchor_line_is_named(filled):
    p = audit_anchor.path()
    lines = p.read_text().splitlines()
    lines[-1] = lines[-1].replace(f" {filled[-1].seq} ", f" {filled[-1].seq + 50} ", 1)
    p.write_text("\n".join(lines) + "\n")
    res = audit.verify()
    assert any(f"line {len(lines)}" in p and "签名不符" in p for p in res.problems), res.problems


def test_rows_of_a_rolled_back_transaction_anchor_nothing(filled, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        with pytest.raises(RuntimeError), transaction.atomic():
            audit.record(None, "test.rolled_back", object_type="thing", object_id="y")
            raise RuntimeError
    assert audit_anchor.read()[0].seq == filled[-1].seq
    assert audit.verify().ok


def test_without_an_anchor_the_log_verifies_with_a_note(capsys, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=False):
        audit.record(None, "test.before_upgrade", object_type="thing", object_id="z")
    res = audit.verify()
    assert res.ok and res.notes and "尚无锚点" in res.notes[0]
    code, out = _verify_cli(capsys)
    assert code == 0 and "尚无锚点" in out


def test_the_daily_check_compacts_a_large_anchor_file(filled, monkeypatch):
    from zhili.core.sweeps import verify_audit_chain

    monkeypatch.setattr(audit_anchor, "COMPACT_BYTES", 10)
    assert verify_audit_chain()
    p = Path(audit_anchor.path())
    assert len(p.read_text().splitlines()) == 1
    assert audit_anchor.read()[0].seq == filled[-1].seq
    assert audit.verify().ok


@pytest.mark.django_db(transaction=True)
def test_backup_holds_the_anchor_and_restore_puts_it_back(tmp_path, capsys):
    from zhili.cli import main

    for i in range(3):
        audit.record(None, "test.before_backup", object_type="thing", object_id=str(i))
    path = tmp_path / "zhili-backup.tar.gz"
    assert main(["backup", str(path)]) == 0
    import tarfile

    with tarfile.open(path) as tar:
        assert audit_anchor.FILENAME in tar.getnames()
    for i in range(3):
        audit.record(None, "test.after_backup", object_type="thing", object_id=str(i))
    assert main(["restore", str(path)]) == 0
    res = audit.verify()
    assert res.ok and not res.notes, (res.problems, res.notes)
    assert audit_anchor.read()[0].seq == AuditEvent.objects.order_by("-seq").first().seq
    assert list(audit_anchor.path().parent.glob(audit_anchor.path().name + ".before-restore-*"))  # kept


def test_an_unreadable_anchor_is_a_problem(filled, tmp_path, settings):
    settings.ZHILI_AUDIT_ANCHOR = str(tmp_path)  # a directory: opening it fails, as a file of another user would
    res = audit.verify()
    assert not res.ok and "锚点文件无法读取" in res.problems[0]
