"""The audit chain's anchor outside the database (decision 0004): an append-only file in ZHILI_HOME
(``audit-anchor.log``) with one signed line per committed audit row — its sequence number and hash.

The chain in the database proves that no row in the middle was edited, inserted or deleted; it
cannot prove that rows were not cut from its end (with the head row rewritten to match) or that the
whole log was not emptied. The anchor does: ``audit.verify`` checks that the newest anchored row is
still in the database with the same hash.

Each line: ``1 <seq> <hash> <utc time> <mac>``, the MAC an HMAC-SHA256 with a key derived from the
audit key (ZHILI_HOME/keys.json), so a line cannot be forged or edited without that file. A line is
written after its transaction commits (a rolled-back row anchors nothing), by one ``write`` to a file
opened with ``O_APPEND`` (lines of several processes never mix; they may arrive slightly out of
order, so the newest is the largest sequence number). The daily check compacts the file to its newest
line once it passes ``COMPACT_BYTES``.
"""

from __future__ import annotations

import functools
import hashlib
import hmac
import logging
import os
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

from django.conf import settings
from django.db import transaction

log = logging.getLogger(__name__)

VERSION = "1"
FILENAME = "audit-anchor.log"
COMPACT_BYTES = 1 << 20


def path() -> Path:
    """``ZHILI_AUDIT_ANCHOR`` if set (the tests give each test its own), else ZHILI_HOME/audit-anchor.log."""
    configured = getattr(settings, "ZHILI_AUDIT_ANCHOR", None)
    return Path(configured) if configured else Path(settings.HOME) / FILENAME


@functools.lru_cache(maxsize=4)
def _derive(audit_key_hex: str) -> bytes:
    return hmac.new(bytes.fromhex(audit_key_hex), b"zhili audit anchor v1", hashlib.sha256).digest()


def _key() -> bytes:
    """The anchor's own key, derived from the audit key (so keys.json needs no new entry)."""
    return _derive(settings.ZHILI_FIELD_KEYS["audit"])


def _mac(body: str) -> str:
    return hmac.new(_key(), body.encode(), hashlib.sha256).hexdigest()


def line(seq: int, row_hash: str, at: datetime | None = None) -> str:
    at = at or datetime.now(UTC)
    body = f"{VERSION} {seq} {row_hash} {at.astimezone(UTC).strftime('%Y-%m-%dT%H:%M:%S.%fZ')}"
    return f"{body} {_mac(body)}\n"


def write(seq: int, row_hash: str) -> None:
    """Append the anchor of row ``seq`` (one ``write`` with O_APPEND). A failure is logged, never raised:
    the row is committed already, and the next row's anchor supersedes this one."""
    try:
        fd = os.open(path(), os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o600)
        try:
            os.write(fd, line(seq, row_hash).encode())
        finally:
            os.close(fd)
    except OSError:
        log.exception("could not write the audit anchor %s (row %s)", path(), seq)


def after_commit(seq: int, row_hash: str) -> None:
    """Anchor row ``seq`` once the current transaction commits (at once outside a transaction)."""
    transaction.on_commit(lambda: write(seq, row_hash))


@dataclass
class Anchor:
    seq: int
    hash: str
    at: str


def read() -> tuple[Anchor | None, list[str]]:
    """The newest anchor with a valid signature (None without a file or a valid line), and the
    problems found in the file: lines whose signature does not match (edited or forged)."""
    p = path()
    if not p.exists():
        return None, []
    best: Anchor | None = None
    problems: list[str] = []
    try:
        f = p.open("r", encoding="ascii", errors="replace")
    except OSError as exc:
        return None, [f"锚点文件无法读取，未能检查末尾删除或日志清空 / cannot read the anchor {p}: {exc}"]
    with f:
        for n, raw in enumerate(f, 1):
            parts = raw.split()
            if not parts:
                continue
            ok = len(parts) == 5 and parts[0] == VERSION and parts[1].isdigit() and \
                hmac.compare_digest(_mac(" ".join(parts[:4])), parts[4])
            if not ok:
                if len(problems) < 20:
                    problems.append(f"锚点文件第 {n} 行签名不符（被修改或伪造）/ anchor file {p}, line {n}: "
                                    f"signature does not match — edited or forged")
                continue
            seq = int(parts[1])
            if best is None or seq > best.seq:
                best = Anchor(seq, parts[2], parts[3])
    return best, problems


def compact() -> bool:
    """Rewrite the file as its newest valid line once it is larger than ``COMPACT_BYTES`` (the daily
    check calls this after the chain verified). A line appended by another process while this runs
    may be lost: the anchor then lags by a row or two until the next write. True if compacted."""
    p = path()
    try:
        if p.stat().st_size <= COMPACT_BYTES:
            return False
    except FileNotFoundError:
        return False
    best, problems = read()
    if best is None or problems:
        return False
    tmp = p.with_name(p.name + ".compact")
    body = f"{VERSION} {best.seq} {best.hash} {best.at}"
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    try:
        os.write(fd, f"{body} {_mac(body)}\n".encode())
        os.fsync(fd)
    finally:
        os.close(fd)
    os.replace(tmp, p)
    return True
