"""Open cases by the day their deadline falls (:class:`DueRollup`), so that "overdue now" for a street
or the district does not count every overdue case: the rows of the days before today are added up
(a few hundred rows), and only today's past deadlines are counted from the cases' (state, due_at)
index. With a backlog of 300,000 overdue cases the count took 100 ms; this takes a few.

Kept inside the case's transaction by :func:`rollups.apply_change` (a case enters the table when its
clock starts, moves when its deadline moves, leaves when it is suspended or completed);
:func:`check` compares it with a recount, :func:`rebuild` recomputes it in SQL.
"""

from __future__ import annotations

import datetime as dt
from collections import Counter

from django.db import connection, transaction
from django.db.models import Sum

from zhili.core import counters, rowsql
from zhili.core.calendar import SHANGHAI
from zhili.core.dialect import Dialect

from ..models import Case, DueRollup
from ..workflow import CLOCK_STATES


def entries(case) -> list[tuple[str, dt.date]]:
    """The (street, deadline day) row the case counts in: none unless its handling clock runs."""
    if case is None or case.state not in CLOCK_STATES or case.due_at is None:
        return []
    return [(case.region_code[:9], case.due_at.astimezone(SHANGHAI).date())]


def apply_change(before: list[tuple], after_case) -> None:
    after = entries(after_case)
    if before == after:
        return
    delta: Counter = Counter(after)
    delta.subtract(before)
    rows = [({"street_code": street, "due_day": day}, {"open": n}) for (street, day), n in sorted(delta.items()) if n]
    if rows:
        rowsql.run(*counters.add_sql(DueRollup, ["street_code", "due_day"], rows))


def overdue(prefix: str, now: dt.datetime) -> int:
    """Open cases with a running clock past their deadline whose region code starts with ``prefix``
    (at most a street's 9 digits; '' for all)."""
    today = now.astimezone(SHANGHAI).date()
    rows = DueRollup.objects.filter(due_day__lt=today)
    if len(prefix) == 9:
        rows = rows.filter(street_code=prefix)
    elif prefix:
        rows = rows.filter(street_code__startswith=prefix)
    before = rows.aggregate(n=Sum("open"))["n"] or 0
    midnight = dt.datetime.combine(today, dt.time(), SHANGHAI)
    qs = Case.objects.filter(state__in=CLOCK_STATES, due_at__gte=midnight, due_at__lt=now)
    if prefix:
        qs = qs.filter(region_code__startswith=prefix)
    return before + qs.count()


def rebuild(case_model=Case, due_model=DueRollup) -> dict[str, int]:
    """Recompute the table from the cases, in SQL (a migration passes its historical models)."""
    sql = Dialect(connection.vendor)
    states = ", ".join(f"'{s}'" for s in sorted(CLOCK_STATES))
    t = due_model._meta.db_table
    with transaction.atomic(), connection.cursor() as cur:
        cur.execute(f"DELETE FROM {t}")
        cur.execute(f"""INSERT INTO {t} (street_code, due_day, open)
            SELECT substr(c.region_code, 1, 9), {sql.local_day('c.due_at')}, COUNT(*) FROM {case_model._meta.db_table} c
            WHERE c.state IN ({states}) AND c.due_at IS NOT NULL
            GROUP BY substr(c.region_code, 1, 9), {sql.local_day('c.due_at')}""")
    return {"DueRollup": due_model.objects.count()}


def check() -> list[str]:
    want: Counter = Counter()
    for code, due in Case.objects.filter(state__in=CLOCK_STATES, due_at__isnull=False).values_list("region_code", "due_at"):
        want[(code[:9], due.astimezone(SHANGHAI).date())] += 1
    have = Counter({(r.street_code, r.due_day): r.open for r in DueRollup.objects.all() if r.open})
    return [f"DueRollup {k}: stored {have.get(k, 0)} vs recount {want.get(k, 0)}"
            for k in sorted(set(want) | set(have)) if have.get(k, 0) != want.get(k, 0)]
