"""The audit chain: every row linked; the verifier names edited, deleted and inserted rows."""

import json

import pytest
from django.db import connection

from zhili.core import audit
from zhili.core.models import AuditEvent, AuditHead

pytestmark = pytest.mark.django_db


def _fill(n=6, actor=None):
    return [audit.record(actor, "test.action", object_type="thing", object_id=str(i), details={"i": i}) for i in range(n)]


def _sql(sql, params=()):
    with connection.cursor() as c:
        c.execute(sql, params)


def test_intact_chain_verifies(users):
    _fill(actor=users["centre_admin"])
    res = audit.verify()
    assert res.ok, res.problems
    assert res.checked >= 6


def test_rows_cannot_be_changed_through_the_orm():
    ev = _fill(1)[0]
    ev.action = "changed"
    with pytest.raises(PermissionError):
        ev.save()
    with pytest.raises(PermissionError):
        ev.delete()


def test_edited_row_is_named():
    rows = _fill()
    target = rows[2]
    _sql("UPDATE core_auditevent SET details = %s WHERE id = %s", (json.dumps({"i": 999}), target.id))
    res = audit.verify()
    assert not res.ok
    assert any(f"row {target.seq} " in p and "edited" in p for p in res.problems), res.problems


def test_deleted_row_is_named():
    rows = _fill()
    target = rows[3]
    _sql("DELETE FROM core_auditevent WHERE id = %s", (target.id,))
    res = audit.verify()
    assert not res.ok
    assert any(f"rows {target.seq}–{target.seq} deleted" in p for p in res.problems), res.problems


def test_deleted_tail_is_found():
    rows = _fill()
    _sql("DELETE FROM core_auditevent WHERE seq >= %s", (rows[-2].seq,))
    res = audit.verify()
    assert any("deleted from the end" in p for p in res.problems), res.problems


def test_inserted_row_is_named():
    rows = _fill()
    # an attacker shifts the later rows and slips a forged row in after row 3
    after = rows[2]
    _sql("UPDATE core_auditevent SET seq = seq + 1000 WHERE seq > %s", (after.seq,))
    _sql("UPDATE core_auditevent SET seq = seq - 999 WHERE seq > %s", (after.seq + 999,))
    forged = AuditEvent(seq=after.seq + 1, at=after.at, actor_name="ghost", action="test.forged",
                        object_type="thing", object_id="x", details="{}", prev_hash=after.hash, hash="f" * 64)
    forged.save()
    AuditHead.objects.filter(pk=1).update(seq=rows[-1].seq + 1)
    res = audit.verify()
    assert not res.ok
    assert any(f"row {after.seq + 1} " in p for p in res.problems), res.problems


def test_cli_verify_exit_code(capsys):
    from zhili.cli import cmd_audit

    _fill(3)
    assert cmd_audit(None) == 0
    assert "intact" in capsys.readouterr().out
    ev = AuditEvent.objects.order_by("seq").first()
    _sql("UPDATE core_auditevent SET actor_name = 'mallory' WHERE id = %s", (ev.id,))
    assert cmd_audit(None) == 1
    assert f"row {ev.seq}" in capsys.readouterr().out


def test_login_is_audited(client, users):
    client.post("/login/", {"username": "window_clerk", "password": "wrong-password"})
    assert AuditEvent.objects.filter(action="auth.login", result="denied", object_id="window_clerk").exists()
    client.post("/login/", {"username": "window_clerk", "password": "pass-Word-123"})
    assert AuditEvent.objects.filter(action="auth.login", result="ok", actor_id=users["window_clerk"].id).exists()
