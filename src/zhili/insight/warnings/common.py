"""What the rules share: the :class:`Candidate` a rule returns for each condition it finds, the texts
of times and spans, and what changed since a rule last looked (the cases registered since, the cases
whose timeline moved) — each rule looks only at that, not at all history."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from django.db.models import QuerySet

from zhili.core.calendar import SHANGHAI

from ..models import OPEN_WARNING_STATES, WarningRule

if TYPE_CHECKING:
    from .engine import Context


OPEN = OPEN_WARNING_STATES
#: incremental rules look again at this many ids below their watermark (a case committed late)
ID_MARGIN = 20
#: linked cases per aggregate warning
MAX_LINKED = 50


# ---------------------------------------------------------------- candidates

@dataclass
class Candidate:
    key: str
    title: str
    reason: str
    region_code: str
    evidence: str = ""
    unit_id: int | None = None
    case_ids: list[int] = field(default_factory=list)
    subject_case_id: int | None = None
    subject_at: dt.datetime | None = None
    data: dict = field(default_factory=dict)


def local(t: dt.datetime) -> str:
    return t.astimezone(SHANGHAI).strftime("%Y-%m-%d %H:%M")


def span(delta: dt.timedelta) -> str:
    secs = max(int(delta.total_seconds()), 0)
    days, rem = divmod(secs, 86400)
    hours, rem = divmod(rem, 3600)
    if days:
        return f"{days}天{hours}小时"
    if hours:
        return f"{hours}小时{rem // 60}分"
    return f"{rem // 60}分钟"


def iso_week(d: dt.date) -> str:
    y, w, _ = d.isocalendar()
    return f"{y}-W{w:02d}"


def case_model():
    from zhili.cases.models import Case

    return Case


# ---------------------------------------------------------------- what changed since the rule last looked

def new_cases(rule: WarningRule, ctx: Context, first_run_hours: float) -> QuerySet:
    """Cases registered since the rule last looked (by id: bulk-loaded and back-dated cases count);
    on a rule's first run, the cases registered in the last ``first_run_hours``."""
    Case = case_model()
    wm = rule.cursor.get("case")
    if wm is None:
        return Case.objects.filter(created_at__gte=ctx.now - dt.timedelta(hours=float(first_run_hours)))
    return Case.objects.filter(pk__gt=max(int(wm) - ID_MARGIN, 0), pk__lte=ctx.max_case_id)


def event_cases(rule: WarningRule, ctx: Context) -> list[int]:
    """Cases with a timeline event since the rule last looked (dispatched, signed, reworked, resumed,
    closed…): what may have entered or left a rule's condition other than by the clock."""
    from zhili.cases.models import CaseEvent

    wm = rule.cursor.get("event")
    if wm is None:
        return []
    return sorted(set(CaseEvent.objects.filter(pk__gt=max(int(wm) - ID_MARGIN, 0), pk__lte=ctx.max_event_id)
                      .values_list("case_id", flat=True)))


def chunks(items: list, n: int = 500):
    for i in range(0, len(items), n):
        yield items[i:i + n]
