"""The audit log: append-only rows, each HMAC-chained to the one before.

``record`` is called by every service inside its transaction. ``verify`` walks the chain
and names every row that was edited, inserted or deleted.
"""

from __future__ import annotations

import hashlib
import hmac
import json
from dataclasses import dataclass, field
from datetime import UTC, datetime

from django.conf import settings
from django.db import connection, transaction
from django.utils import timezone

from . import audit_anchor, rowsql
from .models import AuditEvent, AuditHead

GENESIS = "0" * 64


def _key() -> bytes:
    return bytes.fromhex(settings.ZHILI_FIELD_KEYS["audit"])


def _canonical(seq: int, at: datetime, actor_id, actor_name, action, object_type, object_id, result, ip, details, prev_hash) -> bytes:
    payload = [seq, at.astimezone(UTC).isoformat(timespec="microseconds"), actor_id, actor_name, action,
               object_type, object_id, result, ip, details, prev_hash]
    return json.dumps(payload, ensure_ascii=False, separators=(",", ":")).encode()


def row_hash(ev: AuditEvent) -> str:
    msg = _canonical(ev.seq, ev.at, ev.actor_id, ev.actor_name, ev.action, ev.object_type, ev.object_id,
                     ev.result, ev.ip, ev.details, ev.prev_hash)
    return hmac.new(_key(), msg, hashlib.sha256).hexdigest()


def reserve_sql(after: str = "") -> tuple[str, list]:
    """Take the chain's head: its next sequence number and the hash of the row before. One statement
    (``INSERT … ON CONFLICT DO UPDATE … RETURNING``, which also starts the chain of a new database);
    the head row stays locked until the commit. Returns (sql, params); the row is (seq, prev_hash).
    ``after`` names the part of the same ``WITH`` statement (PostgreSQL) that must run to its end
    first: the head's id is read through it."""
    t = connection.ops.quote_name(AuditHead._meta.db_table)
    one = f"(SELECT 1 + 0 * count(*) FROM {after})" if after else "1"
    return (f"INSERT INTO {t} (id, seq, hash) VALUES ({one}, 1, %s) "
            f"ON CONFLICT (id) DO UPDATE SET seq = {t}.seq + 1 RETURNING seq, hash"), [GENESIS]


def make(actor, action: str, seq: int, prev_hash: str, obj=None, *, result: str = "ok", details: dict | None = None,
         object_type: str = "", object_id: str = "", ip: str = "") -> AuditEvent:
    """The row with sequence ``seq`` after a row hashed ``prev_hash``, hashed (not saved)."""
    if obj is not None:
        object_type = object_type or obj._meta.label_lower
        object_id = object_id or str(obj.pk)
    ev = AuditEvent(
        seq=seq,
        at=timezone.now(),
        actor_id=getattr(actor, "pk", None),
        actor_name=getattr(actor, "username", "") or "",
        action=action,
        object_type=object_type,
        object_id=str(object_id),
        result=result,
        ip=ip or "",
        details=json.dumps(details or {}, ensure_ascii=False, sort_keys=True, default=str),
        prev_hash=prev_hash,
    )
    ev.hash = row_hash(ev)
    return ev


def reserve(before: list[tuple[str, list]] = ()) -> tuple[int, str]:
    """(next sequence number, hash of the row before): the head is locked until the commit.
    ``before``: statements to run first (each returning rows), with it as one ``WITH`` statement
    on PostgreSQL — one round trip for the last shared rows of a change and the head. The head is
    taken after the last of them has run; the others must only touch rows this transaction
    already holds (the order of ``WITH`` parts that read nothing of each other is the planner's)."""
    if before and connection.vendor == "postgresql":
        parts, params = [], []
        for i, (sql, p) in enumerate(before):
            parts.append(f"b{i} AS ({sql})")
            params += p
        sql, p = reserve_sql(after=f"b{len(before) - 1}")
        return rowsql.run(f"WITH {', '.join(parts)} {sql}", params + p)[0]
    for sql, p in before:
        rowsql.run(sql, p)
    return rowsql.run(*reserve_sql())[0]


def append(ev: AuditEvent) -> None:
    """Write ``ev`` and move the head to it (one statement on PostgreSQL, two on SQLite)."""
    head = connection.ops.quote_name(AuditHead._meta.db_table)
    sql, params = rowsql.insert(AuditEvent, [ev], returning="id")
    if connection.vendor == "postgresql":
        ev.pk = rowsql.run(f"WITH h AS (UPDATE {head} SET hash = %s WHERE id = 1) {sql}", [ev.hash, *params])[0][0]
    else:
        ev.pk = rowsql.run(sql, params)[0][0]
        rowsql.run(f"UPDATE {head} SET hash = %s WHERE id = 1", [ev.hash])
    audit_anchor.after_commit(ev.seq, ev.hash)


def record(actor, action: str, obj=None, *, result: str = "ok", details: dict | None = None,
           object_type: str = "", object_id: str = "", ip: str = "") -> AuditEvent:
    """Append one audit row. Call inside the transaction that makes the change, as its last write
    if it can: the chain's head row stays locked from here to the commit, so every writer in the
    system queues behind it for that long (one row per action, not one per record touched)."""
    # no savepoint: a failure here fails the caller's whole transaction anyway
    with transaction.atomic(savepoint=False):
        seq, prev = reserve()
        ev = make(actor, action, seq, prev, obj, result=result, details=details, object_type=object_type,
                  object_id=object_id, ip=ip)
        append(ev)
    return ev


@dataclass
class VerifyResult:
    checked: int = 0
    problems: list[str] = field(default_factory=list)
    #: not tampering, worth saying (no anchor yet: the tail and a wiped log cannot be checked)
    notes: list[str] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.problems


def verify(batch: int = 5000) -> VerifyResult:
    """Recompute the chain. Names rows that were edited (hash differs), inserted (sequence or
    link broken) or deleted (a gap, or a tail shorter than the head), and checks the chain against
    its anchor outside the database (``audit_anchor``): a cut tail (with the head rewritten to
    match), a wiped log, a rewritten row that the anchor recorded."""
    anchor, anchor_problems = audit_anchor.read()  # first: rows committed since only lengthen the chain
    res = VerifyResult(problems=anchor_problems)
    anchored_hash = None
    expected_seq, prev = 1, GENESIS
    last_seq = 0
    qs = AuditEvent.objects.order_by("seq")
    while True:
        rows = list(qs.filter(seq__gt=last_seq)[:batch])
        if not rows:
            break
        for ev in rows:
            res.checked += 1
            if ev.seq > expected_seq:
                res.problems.append(f"rows {expected_seq}–{ev.seq - 1} deleted (sequence jumps to {ev.seq}) / 第 {expected_seq}–{ev.seq - 1} 行被删除")
            if ev.prev_hash != prev:
                res.problems.append(f"row {ev.seq} (id {ev.id}): link to previous row broken — a row before it was inserted, edited or deleted / 第 {ev.seq} 行与前一行的链接断开")
            if row_hash(ev) != ev.hash:
                res.problems.append(f"row {ev.seq} (id {ev.id}, {ev.action}): content does not match its hash — edited or inserted / 第 {ev.seq} 行内容被修改或插入")
            if anchor is not None and ev.seq == anchor.seq:
                anchored_hash = ev.hash
            prev, expected_seq, last_seq = ev.hash, ev.seq + 1, ev.seq
    head = AuditHead.objects.filter(pk=1).first()
    if head is not None and head.seq != last_seq:
        if head.seq > last_seq:
            res.problems.append(f"rows {last_seq + 1}–{head.seq} deleted from the end / 末尾第 {last_seq + 1}–{head.seq} 行被删除")
        else:
            res.problems.append(f"rows {head.seq + 1}–{last_seq} appended outside the log / 第 {head.seq + 1}–{last_seq} 行非正常追加")
    elif head is not None and head.hash != prev and res.checked:
        res.problems.append(f"row {last_seq}: last row does not match the chain head / 最后一行与链头不符")
    _check_anchor(res, anchor, anchored_hash, last_seq)
    return res


def _check_anchor(res: VerifyResult, anchor, anchored_hash: str | None, last_seq: int) -> None:
    """Chinese first: the anchor's findings (the chain's own keep their older English-first wording)."""
    where = audit_anchor.path()
    if anchor is None:
        if res.checked:
            res.notes.append(f"尚无锚点文件，无法检查末尾删除或日志清空 / no anchor in {where} yet (it starts with "
                             f"the next audit row): a cut tail or a wiped log cannot be detected")
        return
    if res.checked == 0:
        res.problems.append(f"审计日志已被清空（锚点记录到第 {anchor.seq} 行）/ the audit log is empty but the anchor "
                            f"({where}) records rows up to {anchor.seq} ({anchor.at}): the log was wiped")
    elif last_seq < anchor.seq:
        res.problems.append(f"末尾第 {last_seq + 1}–{anchor.seq} 行被删除（锚点记录到第 {anchor.seq} 行）/ rows "
                            f"{last_seq + 1}–{anchor.seq} deleted from the end: the anchor ({where}) records row "
                            f"{anchor.seq} ({anchor.at}), the log ends at row {last_seq}")
    elif anchored_hash is None:
        res.problems.append(f"锚点记录的第 {anchor.seq} 行不在日志中 / row {anchor.seq}, recorded by the anchor "
                            f"({where}), is missing from the log")
    elif anchored_hash != anchor.hash:
        res.problems.append(f"第 {anchor.seq} 行与锚点不符，日志被改写 / row {anchor.seq} differs from the anchor "
                            f"({where}): the chain was rewritten")
