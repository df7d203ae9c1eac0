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
from zhili.core.calendar import SHANGHAI

from .. import ledger
from ..models import (
    COUNTERS,
    Case,
    DailyGridRollup,
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
    (DailyGridRollup, ("day", "grid_code", "category_id")),
    (RegionRollup, ("region_code",)),
    (MonthlyCellRollup, ("month", "street_code", "cell", "root_category")),
)


def _day(t: dt.datetime) -> dt.date:
    return t.astimezone(SHANGHAI).date()


def contribution(case) -> list[tuple[dt.date, int | None, dict[str, int]]]:
    """What one case counts for: its entries, each ``(day, unit, counters)`` — the day the fact
    happened (Asia/Shanghai) and the unit it is charged to. The one definition the figures build on
    (decision 0006); the bulk loader's SQL restates it (``zhili.demo.bulk.statements.rollup_sql``).

    * **registration** (受理日, the case's lead unit): received; of these, completed (closed or
      archived), reworked (completed after a rework), in_grid (completed, settled in the grid),
      overdue_ever, repeat; handled and handling_seconds (natural time from the last dispatch — or
      registration, settled on the spot — to the result, completed cases); callbacks and
      satisfied / basic / unsatisfied / solved over **every** verdict the resident gave.
    * **close** (办结日, the lead unit): closed; unreachable when closed as 无法联系.
    * **falling due** (应办结): a case with a handling deadline once its result is in or its
      deadline has passed open (``was_overdue``) — due, and due_on_time when the result came by the
      deadline. Dated the deadline's day, or the result's if that came first (never a day to come);
      charged to the unit holding the case at the deadline.
    * **each assignment** (派单日, the unit it was given to): dispatched; signed_on_time, returned,
      extended (at least one approved extension while it held the case).

    A case not accepted (不予受理) or merged counts nowhere."""
    if case.state in NOT_RECEIVED:
        return []
    done = case.state in DONE
    reg: dict[str, int] = {"received": 1}
    if done:
        reg["completed"] = 1
        if case.rework_count:
            reg["reworked"] = 1
        if case.resolved_in_grid:
            reg["in_grid"] = 1
        if case.resolved_at:
            start = case.dispatched_at or case.created_at
            reg["handled"] = 1
            reg["handling_seconds"] = max(0, int((case.resolved_at - start).total_seconds()))
    if case.on_time is False or case.was_overdue:
        reg["overdue_ever"] = 1
    if case.is_repeat:
        reg["repeat"] = 1
    for satisfaction, solved in ledger.verdicts(case):
        reg["callbacks"] = reg.get("callbacks", 0) + 1
        if satisfaction in VERDICTS:
            reg[satisfaction] = reg.get(satisfaction, 0) + 1
        if solved:
            reg["solved"] = reg.get("solved", 0) + 1
    out = [(_day(case.created_at), case.lead_unit_id, reg)]
    if done and case.closed_at:
        out.append((_day(case.closed_at), case.lead_unit_id, {"closed": 1, **({"unreachable": 1} if case.unreachable else {})}))
    if case.due_at is not None and (case.resolved_at is not None or case.was_overdue):
        on_time = case.resolved_at is not None and case.on_time is True
        day = _day(case.due_at)
        if case.resolved_at is not None:
            day = min(day, _day(case.resolved_at))
        out.append((day, ledger.unit_at(case, case.due_at), {"due": 1, **({"due_on_time": 1} if on_time else {})}))
    for a in ledger.assignments(case):
        c = {"dispatched": 1}
        if a["sg"] is not None and a["sd"] is not None and a["sg"] <= a["sd"]:
            c["signed_on_time"] = 1
        if a["r"]:
            c["returned"] = 1
        if a["x"]:
            c["extended"] = 1
        out.append((_day(ledger.at(a["t"])), a["u"], c))
    return out


VERDICTS = ("satisfied", "basic", "unsatisfied")


def keys(case, day: dt.date, unit: int | None) -> list[tuple[type, dict]]:
    """The row of each rollup table that an entry of this case (dated ``day``, charged to ``unit``) adds to."""
    month = day.replace(day=1)
    street = case.region_code[:9]
    out = [(DailyStreetRollup, {"day": day, "street_code": street, "category_id": case.category_id, "channel": case.channel}),
           (MonthlyStreetRollup, {"month": month, "street_code": street, "category_id": case.category_id,
                                  "channel": case.channel})]
    if unit:
        out.append((DailyUnitRollup, {"day": day, "unit_id": unit, "street_code": street}))
    if len(case.region_code) == 15:
        out.append((MonthlyGridRollup, {"month": month, "grid_code": case.region_code, "category_id": case.category_id}))
        out.append((DailyGridRollup, {"day": day, "grid_code": case.region_code, "category_id": case.category_id}))
    out.append((RegionRollup, {"region_code": case.region_code}))
    if case.cell:
        out.append((MonthlyCellRollup, {"month": month, "street_code": street, "cell": case.cell,
                                        "root_category": case.category_path.split("/")[0]}))
    return out


def rows(case) -> dict[tuple, Counter]:
    """(model, key) → the counters this case adds to that row: every entry's keys."""
    out: dict[tuple, Counter] = defaultdict(Counter)
    for day, unit, counts in contribution(case):
        for model, key in keys(case, day, unit):
            out[(model, tuple(sorted(key.items())))].update(counts)
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
    """(model, key, delta) of each row that ``rows(after) - rows(before)`` changes, always in the
    same order (table, key), so two transactions never wait on each other's rows crosswise."""
    deltas: dict[tuple, Counter] = defaultdict(Counter)
    if before is not None:
        for k, counts in before[0].items():
            deltas[k].subtract(counts)
    if after is not None:
        for k, counts in rows(after).items():
            deltas[k].update(counts)
    out = []
    for (model, key), delta in sorted(deltas.items(), key=lambda kv: (kv[0][0]._meta.db_table, str(kv[0][1]))):
        delta = {k: v for k, v in delta.items() if v}
        if delta:
            out.append((model, dict(key), delta))
    return out


def apply_change(before: tuple | None, after) -> None:
    """Add ``rows(after) - rows(before)`` to the counter rows (and move the case's recurring titles
    and addresses, :mod:`recurring`, and its deadline day, :mod:`dues`, when they change)."""
    for model, key, delta in changes(before, after):
        rowsql.run(*upsert_sql(model, key, delta))
    recurring.apply_change(before[1] if before is not None else [], after)
    dues.apply_change(before[2] if before is not None else [], after)


def snapshot(case) -> tuple:
    return rows(case), recurring.entries(case), dues.entries(case)


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
