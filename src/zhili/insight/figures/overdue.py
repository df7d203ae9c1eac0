"""当前超期件数 (overdue now): the one figure that is a state of the present moment, counted from the
open cases (and DueRollup), not summed from the rollups like the others."""

from __future__ import annotations

import datetime as dt

from django.utils import timezone

from . import filters
from .filters import SYSTEM, Filter, narrow


def overdue_now(f: Filter, now: dt.datetime | None = None) -> int:
    """当前超期件数 = COUNT(open cases with due_at < now): cases whose handling clock runs
    (dispatched, handling, returned) and whose handling deadline has passed.

    This one is not summed from the rollups: a rollup row changes when a service changes a case,
    but a case becomes overdue by the clock alone and stops being overdue when it is completed, so
    "overdue now" is a state of the present moment. For the district or a street it is the open cases
    of ``DueRollup`` whose deadline day is before today plus today's past deadlines counted from
    Case's (state, due_at) index (:mod:`zhili.cases.rollups.dues`); for a community, grid, unit, category or
    channel it is that indexed count over the actor's cases (``selectors.cases_for``) in the filter.
    The period does not apply (it is a snapshot, not a flow)."""
    from zhili.cases.models import Case
    from zhili.cases.rollups import dues
    from zhili.cases.selectors import REGION_ROLES, cases_for
    from zhili.cases.workflow import CLOCK_STATES

    scope = filters.scope(f)
    if scope.empty:
        return 0
    now = now or timezone.now()
    by_region = f.actor is SYSTEM or f.actor.is_superuser or f.actor.role in REGION_ROLES
    if by_region and scope.unit is None and not f.category and not f.channel and len(scope.prefix) <= 9:
        return dues.overdue(scope.prefix, now)  # the district or a street: from DueRollup
    qs = Case.objects.all() if f.actor is SYSTEM else cases_for(f.actor)
    return narrow(qs.filter(state__in=CLOCK_STATES, due_at__lt=now), f, scope).count()
