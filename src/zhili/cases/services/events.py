"""The timeline of a case: one event (CaseEvent) and how its actor is named in it."""

from __future__ import annotations

import datetime as dt

from django.utils import timezone

from ..models import Case, CaseEvent


def actor_name(actor) -> tuple[str, str]:
    if actor is None:
        return "群众", ""
    return (actor.display_name or actor.username), (actor.organisation.name if actor.organisation_id else "")


def event(case: Case, actor, action: str, from_state: str, to_state: str, comment: str = "", data: dict | None = None,
          at: dt.datetime | None = None) -> CaseEvent:
    name, org = actor_name(actor)
    return CaseEvent.objects.create(case=case, at=at or timezone.now(), actor=actor if actor is not None else None,
                                    actor_name=name, actor_org=org, action=action, from_state=from_state,
                                    to_state=to_state, comment=comment, data=data or {})
