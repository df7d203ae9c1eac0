"""Adding to counter rows: the one upsert every app's rollups use.

A counter row is keyed by a few columns (a day, a street, a category …) and holds counts. A change
adds a delta to the rows it touches, creating the missing ones::

    sql, params = add_sql(DailyStreetRollup, ["day", "street_code", "category_id", "channel"],
                          [({"day": d, "street_code": s, "category_id": 3, "channel": "window"}, {"received": 1})])
    rowsql.run(sql, params)

It is one ``INSERT … VALUES … ON CONFLICT (key) DO UPDATE SET c = t.c + EXCLUDED.c`` on PostgreSQL
and SQLite alike, so two transactions creating the same row at once both count, and a row is
never read and written back. Rows are added in the order given: callers sort them (by table and
key) so that two transactions never wait on each other's rows crosswise.

The statement's text is made once per shape (table, columns, counters, number of rows) and
cached; values are prepared as Django prepares them for the field.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence

from django.db import DEFAULT_DB_ALIAS, connections

_TEXT: dict[tuple, str] = {}


def add_sql(model, conflict: Sequence[str], rows: Sequence[tuple[dict, dict]], *,
            counters: Iterable[str] | None = None, after: str = "", returning: bool = False) -> tuple[str, list]:
    """The statement that adds each row's delta to the row of ``model`` keyed by ``conflict``.

    - ``rows``: ``(values, delta)`` pairs; ``values`` gives every column written as it is (the
      ``conflict`` key and any other, e.g. a kind), ``delta`` the amounts to add. Every row has
      the same columns; a counter missing from a row's delta adds 0.
    - ``counters``: the counter columns the INSERT names (default: those of the deltas). Those no
      delta touches are a literal 0 in the text and are left alone on conflict, so the statement's
      shape depends only on which counters change.
    - ``after`` names a part of the same ``WITH`` statement that must run first (PostgreSQL): the
      first value is read through it. ``returning`` makes the statement return a row per row
      written, so that it can itself be such a part.

    Field names or attnames (``key`` or ``key_id``) are accepted."""
    if not rows:
        raise ValueError("add_sql needs at least one row")
    conn = connections[DEFAULT_DB_ALIAS]
    meta = model._meta
    fixed = tuple(rows[0][0])
    changed = sorted({c for _v, delta in rows for c in delta})
    listed = tuple(counters) if counters is not None else tuple(changed)
    shape = (conn.vendor, meta.db_table, fixed, tuple(conflict), listed, tuple(changed), len(rows), bool(after), returning)
    fields = [meta.get_field(f) for f in fixed]
    sql = _TEXT.get(shape)
    if sql is None:
        qn = conn.ops.quote_name
        table = qn(meta.db_table)
        counter_cols = [meta.get_field(c).column for c in listed]
        cols = [f.column for f in fields] + counter_cols
        one = ["%s"] * len(fields) + ["%s" if c in changed else "0" for c in listed]
        values = []
        for i in range(len(rows)):
            row = list(one)
            if i == 0 and after:
                row[0] = "(SELECT %s FROM {after})"
            values.append(f"({', '.join(row)})")
        keys = ", ".join(qn(meta.get_field(k).column) for k in conflict)
        sets = ", ".join(f"{qn(c)} = {table}.{qn(c)} + EXCLUDED.{qn(c)}" for c in (meta.get_field(n).column for n in changed))
        sql = _TEXT[shape] = (f"INSERT INTO {table} ({', '.join(qn(c) for c in cols)}) VALUES {', '.join(values)} "
                              f"ON CONFLICT ({keys}) DO UPDATE SET {sets}" + (" RETURNING 1" if returning else ""))
    params: list = []
    for values_, delta in rows:
        params += [f.get_db_prep_value(values_[name], conn) for f, name in zip(fields, fixed, strict=True)]
        params += [int(delta.get(c, 0)) for c in listed if c in changed]
    return (sql.replace("{after}", after) if after else sql), params
