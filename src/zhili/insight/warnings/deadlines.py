"""The deadline rules: a signing or handling deadline coming soon (deadline_soon) or passed (overdue),
followed by a cursor over the deadline indexes; a deadline warning whose case has since closed is
closed by the system."""

from __future__ import annotations

import datetime as dt
from typing import TYPE_CHECKING

from django.db.models import Q, Value
from django.db.models.functions import Concat

from ..models import Warning, WarningRule
from .common import OPEN, Candidate, case_model, chunks, event_cases, local, span
from .defaults import params

if TYPE_CHECKING:
    from .engine import Context


SYSTEM_NOTE = "案件已结案，系统自动关闭 (closed by the system: the case is closed)"
DEADLINE_KINDS = ("deadline_soon", "overdue")


# ---------------------------------------------------------------- deadlines

def _deadline(rule: WarningRule, now: dt.datetime, ctx: Context, soon: bool) -> list[Candidate]:
    """Deadlines crossing the rule's edge since it last looked (``now`` for overdue, ``now + hours``
    for deadline_soon), in deadline order from a cursor over the (state, due_at) or sign_due_at
    index; plus the cases whose timeline moved since (a case reworked or resumed after its
    deadline, a new emergency dispatched with two hours to go)."""
    from zhili.cases.workflow import CLOCK_STATES, CLOSED_STATES

    Case = case_model()
    p = params(rule)
    cap = ctx.cap(rule)
    sign = p.get("deadline") == "sign"
    fld = "sign_due_at" if sign else "due_at"
    which = "sign" if sign else "handle"
    states = ("dispatched",) if sign else tuple(sorted(CLOCK_STATES))
    hi = now + dt.timedelta(hours=float(p["hours_before"])) if soon else now
    floor = now if soon else None
    cur = rule.cursor
    if "at" in cur:
        lo_at, lo_id = dt.datetime.fromisoformat(cur["at"]), int(cur.get("id", -1))
    else:
        lookback = float(p.get("lookback_days") or 0)
        lo_at, lo_id = (now - dt.timedelta(days=lookback), -1) if lookback else (None, -1)
    if floor is not None and (lo_at is None or lo_at < floor):
        lo_at, lo_id = floor, -1

    # 1. the deadlines that crossed the edge, oldest first (index order, no sort of the backlog)
    found: list[tuple[dt.datetime, int]] = []
    more = False
    for st in states:
        qs = Case.objects.all()
        if sign:  # keep SQLite from the state index: the sign_due_at range is the narrow one
            qs = qs.annotate(state_=Concat("state", Value(""))).filter(state_=st)
        else:
            qs = qs.filter(state=st)
        qs = qs.filter(**{f"{fld}__lt": hi})
        if lo_at is not None:  # the plain lower bound makes it an index range; the OR breaks ties by id
            qs = qs.filter(**{f"{fld}__gte": lo_at}).filter(Q(**{f"{fld}__gt": lo_at}) | Q(pk__gt=lo_id))
        rows = list(qs.order_by(fld, "pk").values_list(fld, "pk")[:cap])
        more = more or len(rows) == cap
        found += rows
    found.sort()
    if more:
        found = found[:cap]
        cur["at"], cur["id"] = found[-1][0].isoformat(), found[-1][1]
    else:
        cur["at"], cur["id"] = hi.isoformat(), -1
    ids = [pk for _, pk in found]

    # 2. cases whose timeline moved: in the condition now, or closed (their warnings close)
    touched = event_cases(rule, ctx)
    for chunk in chunks(touched):
        moved = Case.objects.filter(pk__in=chunk, state__in=states, **{f"{fld}__lt": hi})
        if floor is not None:
            moved = moved.filter(**{f"{fld}__gte": floor})
        ids += list(moved.values_list("pk", flat=True))
        done = list(Case.objects.filter(pk__in=chunk, state__in=sorted(CLOSED_STATES)).values_list("pk", flat=True))
        if done:
            ctx.closed += Warning.objects.filter(rule=rule, state__in=OPEN, subject_case_id__in=done).update(
                state="handled", handled_at=now, updated_at=now, note=SYSTEM_NOTE)

    word = "签收" if which == "sign" else "办理"
    out = []
    for chunk in chunks(list(dict.fromkeys(ids))):
        for pk, number, title, region, unit, unit_name, due in Case.objects.filter(pk__in=chunk).order_by(fld).values_list(
                "pk", "number", "title", "region_code", "lead_unit_id", "lead_unit__name", fld):
            if due is None:
                continue
            if soon:
                head = f"{number} {word}即将超时" if which == "sign" else f"{number} 即将超期"
                reason = (f"距{word}时限还有{span(due - now)}（时限 {local(due)}，提前{p['hours_before']}小时提醒）"
                          f"；责任单位：{unit_name or '未指定'}")
            else:
                head = f"{number} {word}超时" if which == "sign" else f"{number} 已超期"
                reason = f"已超过{word}时限{span(now - due)}（时限 {local(due)}）；责任单位：{unit_name or '未指定'}"
            out.append(Candidate(
                key=f"case:{number}:{which}", evidence=due.isoformat(), title=f"{head}：{title[:60]}", reason=reason,
                region_code=region, unit_id=unit, case_ids=[pk], subject_case_id=pk, subject_at=due,
                data={"deadline": due.isoformat(), "which": which, "hours": round((due - now).total_seconds() / 3600, 2)}))
    return out


def rule_deadline_soon(rule, now, ctx):
    """A signing or handling deadline within ``hours_before`` hours (clock running, not yet past)."""
    return _deadline(rule, now, ctx, soon=True)


def rule_overdue(rule, now, ctx):
    """A signing deadline passed while the case waits to be signed, or a handling deadline passed
    while the clock runs (dispatched, handling, returned). ``lookback_days`` (0: all) bounds how far
    back a rule's first run looks."""
    return _deadline(rule, now, ctx, soon=False)
