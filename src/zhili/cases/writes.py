"""A registration's rows, written in as few statements as the database allows.

``services.register_case`` decides everything (the case, its parties, its first timeline event,
the receipt text, the audit details) as unsaved model instances and hands them to
:func:`insert_registration`, which writes them with the rollup rows they count in
(:func:`zhili.insight.rollups.changes`), their recurring-text keys (:mod:`zhili.insight.recurring`),
the year's number (:class:`~zhili.cases.models.CaseCounter`) and the audit row
(:mod:`zhili.core.audit`):

- on PostgreSQL the number, the case, its parties, event and text, every rollup row and the text
  keys go as **one** statement of data-modifying ``WITH`` parts, then at most one statement for the
  recurring rows, then the audit chain (two) — 3 or 4 round trips instead of 17, and no query compiler;
- on SQLite (no data-modifying ``WITH``) the same statements one after another: there is no network
  between Python and the database, only the compiler is saved.

Locks: the shared rows are taken in the order every other writer takes them — the year's counter
(registrations only), the rollup rows sorted by table and key, the text keys, the recurring rows,
and the audit head last — so two transactions never wait for each other crosswise. On PostgreSQL
the parts of one ``WITH`` statement run in an order the planner chooses unless one reads another;
each rollup part therefore reads the one before it (``after=``), which fixes their order.
"""

from __future__ import annotations

from collections import Counter

from django.db import connection

from zhili.core import audit, rowsql
from zhili.core.models import Region
from zhili.insight import dues, recurring, rollups

from .models import Case, CaseCounter, CaseEvent, CaseParty, TextMessage

#: in a text's template, where the case's number goes
NUMBER = "{number}"


def _counter_sql() -> str:
    t = connection.ops.quote_name(CaseCounter._meta.db_table)
    return (f"INSERT INTO {t} (prefix, year, {connection.ops.quote_name('last')}) VALUES (%s, %s, 1) "
            f"ON CONFLICT (prefix, year) DO UPDATE SET {connection.ops.quote_name('last')} = {t}.{connection.ops.quote_name('last')} + 1 "
            f"RETURNING {connection.ops.quote_name('last')}")


def number(prefix: str, year: int, last: int) -> str:
    """``KW2026-000123``: six digits, more past 999,999."""
    return f"{prefix}{year}-{last:06d}"


def insert_registration(case: Case, *, prefix: str, year: int, parties: list[CaseParty], event: CaseEvent,
                        text: TextMessage | None, actor, audit_details: dict) -> None:
    """Write a new case (``case.number`` and ``case.pk`` are set here) and everything its registration
    makes. Call inside a transaction. ``text.text`` may hold ``{number}``."""
    changes = rollups.changes(None, case)
    _removed, added = recurring.changes([], case)
    assert not dues.entries(case), "a registered case has no running clock"
    if connection.vendor == "postgresql":
        returned = _postgresql(case, prefix, year, parties, event, text, changes, added)
    else:
        returned = _sequential(case, prefix, year, parties, event, text, changes, added)
    rows: Counter = Counter()
    flips = recurring.tally(returned, added, rows) if added else []
    audit_details["number"] = case.number
    with connection.cursor() as cur:
        recurring.finish(cur, rows, flips)
        cur.execute(*audit.reserve_sql())
        seq, prev = cur.fetchone()
        audit.append(cur, audit.make(actor, "case.register", seq, prev, case, details=audit_details))


def _postgresql(case, prefix, year, parties, event, text, changes, added) -> list[tuple]:
    case_id = "(SELECT id FROM c)"
    digits = "CASE WHEN n.last < 1000000 THEN lpad(n.last::text, 6, '0') ELSE n.last::text END"
    parts, params = [], []

    def part(name: str, sql_params: tuple[str, list]) -> None:
        parts.append(f"{name} AS ({sql_params[0]})")
        params.extend(sql_params[1])

    part("n", (_counter_sql(), [prefix, year]))
    part("c", rowsql.insert(Case, [case], exprs={"number": (f"(SELECT %s || {digits} FROM n)", [f"{prefix}{year}-"]),
                                                 **_grid_expr(case)}, returning="id, number, grid_id"))
    part("p", rowsql.insert(CaseParty, parties, exprs={"case_id": case_id}))
    part("e", rowsql.insert(CaseEvent, [event], exprs={"case_id": case_id}))
    if text is not None:
        part("m", rowsql.insert(TextMessage, [text], exprs={
            "case_id": case_id, "text": ("replace(%s, %s, (SELECT number FROM c))", [text.text, NUMBER])}))
    prev = "c"
    for i, (model, key, delta) in enumerate(changes):
        part(f"r{i}", rollups.upsert_sql(model, key, delta, after=prev))
        prev = f"r{i}"
    if added:
        part("k", recurring.add_keys_sql(added, after=prev))
        tail = ("SELECT c.id, c.number, c.grid_id, k.kind, k.id, k.n, k.recurring, k.first_month, k.first_street "
                "FROM c LEFT JOIN k ON true")
    else:
        tail = f"SELECT c.id, c.number, c.grid_id FROM c, (SELECT count(*) FROM {prev}) AS done"
    with connection.cursor() as cur:
        cur.execute("WITH " + ", ".join(parts) + " " + tail, params)
        out = cur.fetchall()
    case.pk, case.number = out[0][0], out[0][1]
    _saved(case, out[0][2], parties, event, text)
    return [tuple(r[3:]) for r in out if len(r) > 3 and r[3] is not None]


def _sequential(case, prefix, year, parties, event, text, changes, added) -> list[tuple]:
    with connection.cursor() as cur:
        cur.execute(_counter_sql(), [prefix, year])
        case.number = number(prefix, year, cur.fetchone()[0])
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
        cur.execute(*recurring.add_keys_sql(added))
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
    if text is not None:
        text.text = text.text.replace(NUMBER, case.number)
