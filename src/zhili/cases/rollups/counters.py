"""Keeping the case counters current. The case services call :func:`track` around every change:

    with rollups.track(case):
        ... change the case ...

It computes the case's contribution before and after and adds the difference to the rows it
touches, inside the same transaction. ``contribution`` is the one definition of what a case counts
for; :mod:`.check` rebuilds the same sums from the cases table.
"""

from __future__ import annotations

import datetime as dt
from collections import Counter, defaultdict
from contextlib import contextmanager

from django.db import transaction

from zhili.core import counters as core_counters
from zhili.core import rowsql
from zhili.core.calendar import SHANGHAI, working_time_between

from ..models import (
    COUNTERS,
    Case,
    DailyStreetRollup,
    DailyUnitRollup,
    MonthlyCellRollup,
    MonthlyGridRollup,
    MonthlyStreetRollup,
    RegionRollup,
)
from ..workflow import CLOCK_STATES, DONE, NOT_RECEIVED
from . import dues, recurring

#: every rollup table with the fields of its key
TABLES: tuple[tuple[type, tuple[str, ...]], ...] = (
    (DailyStreetRollup, ("day", "street_code", "category_id", "channel")),
    (MonthlyStreetRollup, ("month", "street_code", "category_id", "channel")),
    (DailyUnitRollup, ("day", "unit_id", "street_code")),
    (MonthlyGridRollup, ("month", "grid_code", "category_id")),
    (RegionRollup, ("region_code",)),
    (MonthlyCellRollup, ("month", "street_code", "cell", "root_category")),
)



def contribution(case) -> dict[str, int]:
    """What one case adds to the counters of its rows. Formulas of the figures build on these."""
    c: dict[str, int] = {}
    if case.state in NOT_RECEIVED:
        return c
    c["received"] = 1
    if case.state in DONE:
        c["completed"] = 1
        if case.on_time is not False:
            c["completed_on_time"] = 1
    if case.on_time is False or case.was_overdue:
        c["overdue_ever"] = 1
    if case.state in DONE and case.resolved_at:
        start = case.dispatched_at or case.created_at
        c["handling_seconds"] = int(working_time_between(start, case.resolved_at).total_seconds()) if case.resolved_at > start else 0
        c["handled"] = 1
    if case.dispatched_at:
        c["dispatched"] = 1
        if case.signed_at and case.sign_due_at and case.signed_at <= case.sign_due_at:
            c["signed_on_time"] = 1
    if case.satisfaction:
        c["callbacks"] = 1
        c[{"satisfied": "satisfied", "basic": "basic", "unsatisfied": "unsatisfied"}[case.satisfaction]] = 1
        if case.solved:
            c["solved"] = 1
    if case.return_count:
        c["returned"] = 1
    if case.extension_count:
        c["extended"] = 1
    if case.rework_count:
        c["reworked"] = 1
    if case.is_repeat:
        c["repeat"] = 1
    if case.resolved_in_grid and case.state in DONE:
        c["in_grid"] = 1
    return c


def _day(case) -> dt.date:
    return case.created_at.astimezone(SHANGHAI).date()


def keys(case) -> list[tuple[type, dict]]:
    """The row of each rollup table that this case counts in."""
    day = _day(case)
    month = day.replace(day=1)
    street = case.region_code[:9]
    out = [(DailyStreetRollup, {"day": day, "street_code": street, "category_id": case.category_id, "channel": case.channel}),
           (MonthlyStreetRollup, {"month": month, "street_code": street, "category_id": case.category_id,
                                  "channel": case.channel})]
    if case.lead_unit_id:
        out.append((DailyUnitRollup, {"day": day, "unit_id": case.lead_unit_id, "street_code": street}))
    if len(case.region_code) == 15:
        out.append((MonthlyGridRollup, {"month": month, "grid_code": case.region_code, "category_id": case.category_id}))
    out.append((RegionRollup, {"region_code": case.region_code}))
    if case.cell:
        out.append((MonthlyCellRollup, {"month": month, "street_code": street, "cell": case.cell,
                                        "root_category": case.category_path.split("/")[0]}))
    return out


def upsert_sql(model, key: dict, delta: dict[str, int], after: str = "") -> tuple[str, list]:
    """Add ``delta`` to the row ``key`` of ``model``, creating it if needed: one
    ``INSERT … ON CONFLICT (key) DO UPDATE`` (:func:`zhili.core.counters.add_sql`), so two
    transactions creating the same row at once both count. ``after`` names a part of the same
    ``WITH`` statement that must run first (PostgreSQL): the first value is read through it, and
    the row is returned for the next part."""
    return core_counters.add_sql(model, list(key), [(key, delta)], counters=COUNTERS, after=after,
                                 returning=bool(after))


def changes(before: tuple | None, after) -> list[tuple[type, dict, dict]]:
    """(model, key, delta) of each row that ``contribution(after) - contribution(before)`` changes,
    always in the same order (table, key), so two transactions never wait on each other's rows crosswise."""
    deltas: dict[tuple, Counter] = defaultdict(Counter)
    if before is not None:
        b_keys, b_contrib, _b_text, _b_due = before
        for model, key in b_keys:
            deltas[(model, tuple(sorted(key.items())))].subtract(b_contrib)
    if after is not None:
        for model, key in keys(after):
            deltas[(model, tuple(sorted(key.items())))].update(contribution(after))
    out = []
    for (model, key), delta in sorted(deltas.items(), key=lambda kv: (kv[0][0]._meta.db_table, str(kv[0][1]))):
        delta = {k: v for k, v in delta.items() if v}
        if delta:
            out.append((model, dict(key), delta))
    return out


def apply_change(before: tuple | None, after) -> None:
    """Add ``contribution(after) - contribution(before)`` to the rows of both (and move the case's
    recurring titles and addresses, :mod:`recurring`, when they change)."""
    for model, key, delta in changes(before, after):
        rowsql.run(*upsert_sql(model, key, delta))
    recurring.apply_change(before[2] if before is not None else [], after)
    dues.apply_change(before[3] if before is not None else [], after)


def snapshot(case) -> tuple:
    return keys(case), contribution(case), recurring.entries(case), dues.entries(case)


@contextmanager
def track(case):
    """Around a change of ``case`` (already in the database, or None for a new one)."""
    before = snapshot(case) if case is not None and case.pk else None
    holder = {"case": case}
    yield holder
    apply_change(before, holder["case"])


def mark_overdue(now=None, limit: int = 10000) -> int:
    """Idempotent: flag open cases past their deadline, with their rollup rows, once.

    Only a case whose handling clock runs (``CLOCK_STATES``: dispatched, handling, returned) can
    pass its deadline. A suspended case's clock is stopped, and on resume its deadline moves by the
    time it was suspended: it is overdue only if the deadline had passed before it was suspended
    (``due_at < suspended_at``), never because the old deadline went by while it waited.

    One query per state, so that each is a range of Case's (state, due_at) index: with the states
    in one ``IN`` PostgreSQL walks the due_at index through every past deadline, closed cases
    included (25 s at 10M cases; per state 0.8 s at 300,000 cases overdue and marked)."""
    from django.db.models import F
    from django.utils import timezone

    now = now or timezone.now()
    n = 0
    ids: list[int] = []
    running = [Case.objects.filter(state=state) for state in sorted(CLOCK_STATES)]
    stopped = Case.objects.filter(state="suspended", due_at__lt=F("suspended_at"))
    for qs in (*running, stopped):
        if len(ids) < limit:
            ids += list(qs.filter(due_at__lt=now, was_overdue=False).order_by("due_at")
                        .values_list("pk", flat=True)[:limit - len(ids)])
    for pk in ids:
        with transaction.atomic():
            case = Case.objects.select_for_update().filter(pk=pk, was_overdue=False).first()
            if case is None or not _past_running_deadline(case, now):  # changed since it was read
                continue
            before = snapshot(case)
            case.was_overdue = True
            case.save(update_fields=["was_overdue"])
            apply_change(before, case)
            n += 1
    return n


def _past_running_deadline(case, now) -> bool:
    """The deadline passed while the clock ran: before ``now`` in a clock state, before the
    suspension in a suspended one."""
    if case.due_at is None or case.due_at >= now:
        return False
    if case.state in CLOCK_STATES:
        return True
    return case.state == "suspended" and case.suspended_at is not None and case.due_at < case.suspended_at
