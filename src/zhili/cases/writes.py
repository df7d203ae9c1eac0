"""A registration's rows, written in as few statements as the database allows.

``services.register_case`` checks everything, draws the number (:func:`draw_number`: one
statement of its own) and decides the case, its parties, its first timeline event, the receipt
text and the audit details as unsaved model instances; :func:`insert_registration` writes them
with the rollup rows they count in (:func:`zhili.cases.rollups.changes`), their recurring-text
keys (:mod:`zhili.cases.rollups.recurring`) and the audit row (:mod:`zhili.core.audit`):

- on PostgreSQL the case, its parties, event and text, every rollup row and the text keys go as
  **one** statement of data-modifying ``WITH`` parts, then at most one statement for the recurring
  rows, then the audit chain (two): 3 or 4 round trips instead of 17, and no query compiler;
- on SQLite (no data-modifying ``WITH``) the same statements one after another: there is no network
  between Python and the database, only the compiler is saved.

Locks: the shared rows are taken in the order every other writer takes them — the rollup rows
sorted by table and key, the text keys, the recurring rows, and the audit head last — so two
transactions never wait for each other crosswise. On PostgreSQL the parts of one ``WITH``
statement run in an order the planner chooses unless one reads another; each rollup part
therefore reads the one before it (``after=``), which fixes their order.
"""

from __future__ import annotations

from collections import Counter

from django.db import connection

from zhili.core import audit, rowsql
from zhili.core.models import Region

from . import rollups
from .models import Case, CaseCounter, CaseEvent, CaseParty, TextMessage

#: in a text's template, where the case's number goes
NUMBER = "{number}"


def _counter_sql() -> str:
    qn = connection.ops.quote_name
    t, last = qn(CaseCounter._meta.db_table), qn("last")
    return (f"INSERT INTO {t} (prefix, year, {last}) VALUES (%s, %s, 1) "
            f"ON CONFLICT (prefix, year) DO UPDATE SET {last} = {t}.{last} + 1 RETURNING {last}")


def number(prefix: str, year: int, last: int) -> str:
    """``KW2026-000123``: six digits, more past 999,999."""
    return f"{prefix}{year}-{last:06d}"


def draw_number(prefix: str, year: int) -> str:
    """The next number of the year, from :class:`CaseCounter`: one statement.

    Outside a transaction (a request registering a case) that statement is a transaction of its
    own, committed at once, so the year's counter row — which every registration needs — is locked
    for that statement and its commit, not for the whole registration: registrations no longer
    queue behind each other. A registration that fails after this (a database error: every input
    is checked before) leaves its number unused, as a sequence would; numbers stay unique and
    increasing. Inside a caller's transaction it is drawn there, and held until that ends."""
    return number(prefix, year, rowsql.run(_counter_sql(), [prefix, year])[0][0])


def insert_registration(case: Case, *, number: str, parties: list[CaseParty], event: CaseEvent,
                        text: TextMessage | None, actor, audit_details: dict) -> None:
    """Write a new case numbered ``number`` (:func:`draw_number`; ``case.pk`` is set here) and
    everything its registration makes. Call inside a transaction. ``text.text`` may hold ``{number}``."""
    case.number = number
    if text is not None:
        text.text = text.text.replace(NUMBER, number)
    changes = rollups.changes(None, case)
    _removed, added = rollups.recurring.changes([], case)
    assert not rollups.dues.entries(case), "a registered case has no running clock"
    if connection.vendor == "postgresql":
        returned = _postgresql(case, parties, event, text, changes, added)
    else:
        returned = _sequential(case, parties, event, text, changes, added)
    rows: Counter = Counter()
    flips = rollups.recurring.tally(returned, added, rows) if added else []
    audit_details["number"] = case.number
    seq, prev = audit.reserve(before=rollups.recurring.finish_sql(rows, flips, returning=True))
    audit.append(audit.make(actor, "case.register", seq, prev, case, details=audit_details))


def _postgresql(case, parties, event, text, changes, added) -> list[tuple]:
    case_id = "(SELECT id FROM c)"
    parts, params = [], []

    def part(name: str, sql_params: tuple[str, list]) -> None:
        parts.append(f"{name} AS ({sql_params[0]})")
        params.extend(sql_params[1])

    part("c", rowsql.insert(Case, [case], exprs=_grid_expr(case), returning="id, grid_id"))
    part("p", rowsql.insert(CaseParty, parties, exprs={"case_id": case_id}))
    part("e", rowsql.insert(CaseEvent, [event], exprs={"case_id": case_id}))
    if text is not None:
        part("m", rowsql.insert(TextMessage, [text], exprs={"case_id": case_id}))
    prev = "c"
    for i, (model, key, delta) in enumerate(changes):
        part(f"r{i}", rollups.upsert_sql(model, key, delta, after=prev))
        prev = f"r{i}"
    if added:
        part("k", rollups.recurring.add_keys_sql(added, after=prev))
        tail = "SELECT c.id, c.grid_id, k.kind, k.id, k.n, k.recurring, k.first_month, k.first_street FROM c LEFT JOIN k ON true"
    else:
        tail = f"SELECT c.id, c.grid_id FROM c, (SELECT count(*) FROM {prev}) AS done"
    out = rowsql.run("WITH " + ", ".join(parts) + " " + tail, params)
    case.pk = out[0][0]
    _saved(case, out[0][1], parties, event, text)
    return [tuple(r[2:]) for r in out if len(r) > 2 and r[2] is not None]


def _sequential(case, parties, event, text, changes, added) -> list[tuple]:
    with connection.cursor() as cur:
        cur.execute(*rowsql.insert(Case, [case], exprs=_grid_expr(case), returning="id, grid_id"))
        case.pk, grid_id = cur.fetchone()
        _saved(case, grid_id, parties, event, text)
        cur.execute(*rowsql.insert(CaseParty, parties))
        cur.execute(*rowsql.insert(CaseEvent, [event]))
        if text is not None:
            cur.execute(*rowsql.insert(TextMessage, [text]))
        for model, key, delta in changes:
            cur.execute(*rollups.upsert_sql(model, key, delta))
        if not added:
            return []
        cur.execute(*rollups.recurring.add_keys_sql(added))
        return cur.fetchall()


def _grid_expr(case) -> dict:
    """The grid's id found by its code inside the INSERT (the grid comes from the point index, which
    knows codes and names, see ``services._locate``)."""
    if case.grid is None:
        return {}
    return {"grid_id": (f"(SELECT id FROM {connection.ops.quote_name(Region._meta.db_table)} WHERE code = %s AND level = %s)",
                        [case.grid.code, "grid"])}


def _saved(case, grid_id, parties, event, text) -> None:
    """Make the instances look saved (the caller answers from them)."""
    if case.grid is not None:
        grid = case.grid
        grid.pk = grid_id
        grid._state.adding = False
        case.grid = grid if grid_id is not None else None
    case._state.adding = False
    for obj in (*parties, event, *([text] if text is not None else [])):
        obj.case = case  # the id now, and the same instance when asked for
        obj._state.adding = False
