"""Recurring matters and places (反复反映的事项和地点): titles and addresses that several cases share.

A case's title and address are keyed by the digest of their normalised form (``Case.title_key``,
``address_key``, :mod:`zhili.cases.keys`). :class:`TextKey` counts the received cases of each key;
:class:`RecurringRollup` counts them per month × street, but only for keys that have recurred: most
titles are unique, and a rollup with a row per unique title would be as large as the cases. The rule, kept by
:func:`apply_change` inside the case's transaction:

- a key with one case is counted in ``TextKey`` only, with that case's month and street in ``first_*``;
- when its second case comes the key turns ``recurring``: the first case's grain and the second's are
  added to ``RecurringRollup``, and every later case of the key is added there too;
- a key that has turned recurring stays so (its rows may fall to 0; a period's query asks for at
  least two cases anyway).

So for every recurring key its rows are exactly its cases, and the recurring panels of a period are
one grouped query over the recurring keys' rows (:func:`top`). :func:`check` compares all this with a
raw recount; :func:`rebuild` recomputes it in SQL.
"""

from __future__ import annotations

import datetime as dt
from collections import Counter, defaultdict

from django.db import connection, transaction

from zhili.core import counters, rowsql
from zhili.core.calendar import SHANGHAI
from zhili.core.dialect import Dialect

from .. import keys as case_keys
from ..models import Case, RecurringRollup, TextKey
from ..workflow import NOT_RECEIVED

KINDS = ("title", "address")


def _grain(case) -> tuple | None:
    if case.state in NOT_RECEIVED:
        return None
    month = case.created_at.astimezone(SHANGHAI).date().replace(day=1)
    return month, case.region_code[:9]


def entries(case) -> list[tuple]:
    """(kind, digest, text, grain) of each key the case counts for (none when it is not received)."""
    if case is None:
        return []
    grain = _grain(case)
    if grain is None:
        return []
    out = []
    for kind in KINDS:
        digest = getattr(case, f"{kind}_key")
        if digest is not None:
            out.append((kind, digest, (getattr(case, kind) or "")[:200], grain))
    return out


def _month(v) -> dt.date:
    return dt.date.fromisoformat(v) if isinstance(v, str) else v


def _add_rows_sql(rows: Counter, returning: bool = False) -> tuple[str, list] | None:
    """Add each delta to its RecurringRollup row ((grain, kind, key id) → delta): one statement
    (None if there is nothing to add)."""
    rows = sorted(((g, k, i), d) for (g, k, i), d in rows.items() if d)
    if not rows:
        return None
    return counters.add_sql(
        RecurringRollup, ["month", "street_code", "key_id"],
        [({"month": _month(month), "street_code": street, "kind": kind, "key_id": key_id}, {"received": delta})
         for ((month, street), kind, key_id), delta in rows],
        returning=returning)


FIRST = ("first_month", "first_street")


def add_keys_sql(added: list[tuple], after: str = "") -> tuple[str, list]:
    """Count one more case for each of ``added`` (entries, see :func:`entries`): one statement that
    returns (kind, id, n, recurring, first_month, first_street) per key, for :func:`tally`.
    ``after`` names a part of the same ``WITH`` statement that must run first (PostgreSQL)."""
    t = TextKey._meta.db_table
    params = []
    for kind, digest, text, (month, street) in added:
        params += [kind, digest, text, False, month, street]
    first = f"(SELECT %s FROM {after})" if after else "%s"
    return (f"INSERT INTO {t} (kind, digest, text, n, recurring, {', '.join(FIRST)}) VALUES "
            + ", ".join([f"({first}, %s, %s, 1, %s, %s, %s)"] * len(added))
            + f" ON CONFLICT (kind, digest) DO UPDATE SET n = {t}.n + 1, "
            + ", ".join(f"{c} = CASE WHEN {t}.n = 0 THEN EXCLUDED.{c} ELSE {t}.{c} END" for c in FIRST)
            + f" RETURNING kind, id, n, recurring, {', '.join(FIRST)}"), params


def tally(returned: list[tuple], added: list[tuple], rows: Counter) -> list[int]:
    """From the rows :func:`add_keys_sql` returned: add to ``rows`` what the rollup gains, and
    return the keys that turn recurring now (their second case)."""
    mine = {e[0]: e[3] for e in added}  # a case has one title and one address: kinds are unique
    flips = []
    for kind, key_id, n, is_recurring, *first in returned:
        if is_recurring:
            rows[(mine[kind], kind, key_id)] += 1
        elif n >= 2:  # the second case: from now on every case of the key is in the rollup
            flips.append(key_id)
            rows[((_month(first[0]), first[1]), kind, key_id)] += 1
            rows[(mine[kind], kind, key_id)] += 1
    return flips


def finish_sql(rows: Counter, flips: list[int], returning: bool = False) -> list[tuple[str, list]]:
    """The statements that mark the keys that turned recurring and add ``rows`` to the rollup
    (``returning``: each returns rows, to be a part of a ``WITH`` statement)."""
    out = []
    if flips:
        out.append((f"UPDATE {TextKey._meta.db_table} SET recurring = %s WHERE id IN ({', '.join(['%s'] * len(flips))})"
                    + (" RETURNING 1" if returning else ""), [True, *sorted(flips)]))
    add = _add_rows_sql(rows, returning)
    if add is not None:
        out.append(add)
    return out


def finish(rows: Counter, flips: list[int]) -> None:
    """Mark the keys that turned recurring and add ``rows`` to the rollup."""
    for sql, params in finish_sql(rows, flips):
        rowsql.run(sql, params)


def changes(before: list[tuple], after_case) -> tuple[list[tuple], list[tuple]]:
    """(removed, added) entries, each sorted, removals first: one order for the key rows, so two
    transactions never wait on each other crosswise."""
    after = entries(after_case)
    if before == after:
        return [], []
    removed = sorted((e for e in before if e not in after), key=lambda e: (e[0], e[1]))
    added = sorted((e for e in after if e not in before), key=lambda e: (e[0], e[1]))
    return removed, added


def apply_change(before: list[tuple], after_case) -> None:
    """Move the case's keys from ``before`` (its :func:`entries` before the change) to what they are
    now. A registration costs one statement for its keys and, when one of them recurs, one for the
    rollup rows (and, the first time a key recurs, one to mark it)."""
    removed, added = changes(before, after_case)
    if not (removed or added):
        return
    t = TextKey._meta.db_table
    rows: Counter = Counter()
    flips: list[int] = []
    with connection.cursor() as cur:
        for kind, digest, _text, grain in removed:  # a case rejected, merged or moved: rare
            cur.execute(f"UPDATE {t} SET n = n - 1, first_month = NULL, first_street = '' "
                        "WHERE kind = %s AND digest = %s RETURNING id, recurring", [kind, digest])
            row = cur.fetchone()
            if row is not None and row[1]:
                rows[(grain, kind, row[0])] -= 1
        if added:
            flips = tally(rowsql.run(*add_keys_sql(added)), added, rows)
    finish(rows, flips)


# ---------------------------------------------------------------- reading

def top(rows, minimum: int = 2, limit: int = 10) -> list[tuple[str, int]]:
    """The most frequent recurring keys among ``rows`` (a RecurringRollup queryset already filtered
    by period and region) with at least ``minimum`` cases: [(text, cases)]."""
    from django.db.models import Sum

    agg = (rows.values("key_id").annotate(cases=Sum("received")).filter(cases__gte=minimum)
           .order_by("-cases", "key_id")[:limit])
    agg = list(agg)
    texts = dict(TextKey.objects.filter(pk__in=[r["key_id"] for r in agg]).values_list("pk", "text"))
    return [(texts.get(r["key_id"], ""), r["cases"]) for r in agg]


# ---------------------------------------------------------------- rebuild and check

def rebuild(case_model=Case, key_model=TextKey, rollup_model=RecurringRollup) -> dict[str, int]:
    """Recompute both tables from the cases, in SQL (the same rule: a key with two or more cases is
    recurring). A migration passes its historical models, whose tables may have other names."""
    sql = Dialect(connection.vendor)
    c_t, k_t, r_t = case_model._meta.db_table, key_model._meta.db_table, rollup_model._meta.db_table
    month = sql.local_month("c.created_at")
    counted = "c.state NOT IN ('rejected', 'merged')"
    with transaction.atomic(), connection.cursor() as cur:
        cur.execute(f"DELETE FROM {r_t}")
        cur.execute(f"DELETE FROM {k_t}")
        for kind in KINDS:
            one = "COUNT(*) = 1"
            cur.execute(f"""INSERT INTO {k_t} (kind, digest, text, n, recurring, first_month, first_street)
                SELECT '{kind}', c.{kind}_key, MIN(substr(c.{kind}, 1, 200)), COUNT(*), COUNT(*) >= 2,
                    CASE WHEN {one} THEN MIN({month}) END, CASE WHEN {one} THEN MIN(substr(c.region_code, 1, 9)) ELSE '' END
                FROM {c_t} c WHERE c.{kind}_key IS NOT NULL AND {counted} GROUP BY c.{kind}_key""")
            cur.execute(f"""INSERT INTO {r_t} (month, street_code, kind, key_id, received)
                SELECT {month}, substr(c.region_code, 1, 9), '{kind}', k.id, COUNT(*)
                FROM {c_t} c JOIN {k_t} k ON k.kind = '{kind}' AND k.digest = c.{kind}_key
                WHERE k.recurring AND {counted}
                GROUP BY {month}, substr(c.region_code, 1, 9), k.id""")
        if sql.pg:
            cur.execute(f"ANALYZE {k_t}")
            cur.execute(f"ANALYZE {r_t}")
    return {"TextKey": key_model.objects.count(), "RecurringRollup": rollup_model.objects.count()}


def check() -> list[str]:
    """Compare both tables with a raw recount of the cases; name every difference. Also checks that
    each case's derived keys (cell, title and address digests) are what its point and texts give."""
    want_n: Counter = Counter()
    want_rows: dict[tuple, Counter] = defaultdict(Counter)
    problems = []
    fields = ("number", "state", "created_at", "region_code", "title", "address", "title_key", "address_key", "lon",
              "lat", "cell")
    for row in Case.objects.values(*fields).iterator(chunk_size=5000):
        for kind in KINDS:
            if row[f"{kind}_key"] != case_keys.text_key(row[kind]):
                problems.append(f"Case {row['number']}: {kind}_key {row[f'{kind}_key']} is not the digest of its {kind}")
        if row["cell"] != case_keys.cell_of(row["lon"], row["lat"]):
            problems.append(f"Case {row['number']}: cell {row['cell']!r} is not the cell of its point")
        if row["state"] in ("rejected", "merged"):
            continue
        grain = (row["created_at"].astimezone(SHANGHAI).date().replace(day=1), row["region_code"][:9])
        for kind in KINDS:
            if row[f"{kind}_key"] is not None:
                want_n[(kind, row[f"{kind}_key"])] += 1
                want_rows[(kind, row[f"{kind}_key"])][grain] += 1
    have: dict[tuple, dict] = {}
    for k in TextKey.objects.values():
        have[(k["kind"], k["digest"])] = k
    rows: dict[int, Counter] = defaultdict(Counter)
    for r in RecurringRollup.objects.values("key_id", "month", "street_code", "received"):
        if r["received"]:
            rows[r["key_id"]][(r["month"], r["street_code"])] += r["received"]
    for key in sorted(set(want_n) | {k for k, v in have.items() if v["n"]}, key=repr):
        k = have.get(key)
        n = want_n.get(key, 0)
        label = f"TextKey {key[0]} {key[1]}"
        if k is None or k["n"] != n:
            problems.append(f"{label}: stored n {k['n'] if k else None} vs recount {n}")
            continue
        stored = rows.get(k["id"], Counter())
        if k["recurring"]:
            if +stored != +want_rows[key]:
                problems.append(f"{label}: RecurringRollup {dict(+stored)} vs recount {dict(want_rows[key])}")
        else:
            if n >= 2:
                problems.append(f"{label}: {n} cases but not recurring")
            if +stored:
                problems.append(f"{label}: not recurring but has RecurringRollup rows {dict(+stored)}")
            if n == 1:
                first = (k["first_month"], k["first_street"])
                if Counter({first: 1}) != want_rows[key]:
                    problems.append(f"{label}: first case's grain {first} vs recount {dict(want_rows[key])}")
    return problems
