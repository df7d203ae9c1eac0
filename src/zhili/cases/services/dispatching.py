"""受理并分派 in one step (智能派单 at the window): a registered case is accepted and dispatched in
one transaction — two actions of the workflow table performed through ``act``, so each is
checked, recorded on the timeline, audited and counted as if taken one after the other. Either
both happen or neither does."""

from __future__ import annotations

import datetime as dt

from django.db import transaction
from django.utils import timezone

from ..models import Case
from ..workflow import ACTIONS
from .actions import ActResult, act, clean_fields

#: the fields of the one step: the dispatch's (lead unit, cooperating units, tier, comment)
FIELDS = ACTIONS["dispatch"].fields


def accept_and_dispatch(actor, case: Case | str, data: dict | None = None, *,
                        now: dt.datetime | None = None) -> tuple[ActResult, ActResult]:
    """Accept a registered case and dispatch it to ``data["lead_unit"]``: (accepted, dispatched).

    The dispatch's fields are checked first, all problems at once, before anything changes; a
    refusal of either action (role, scope, state) leaves the case as it was. The tier, if given,
    is set by the acceptance; the comment goes with the dispatch."""
    data = dict(data or {})
    clean_fields(ACTIONS["dispatch"], data, actor)
    now = now or timezone.now()
    with transaction.atomic():
        accepted = act(actor, case, "accept", {"tier": data.get("tier") or ""}, now=now)
        dispatched = act(actor, accepted.case, "dispatch", {k: v for k, v in data.items() if k != "tier"}, now=now)
    return accepted, dispatched
