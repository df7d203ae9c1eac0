"""Who sees the warnings and what they do with them: the warnings an actor receives (by the rules'
recipient roles and the actor's scope), acknowledging (知悉) and handling (处置) one, audited."""

from __future__ import annotations

from django.db import transaction
from django.db.models import QuerySet
from django.utils import timezone

from zhili.core import audit
from zhili.core.errors import Forbidden, Invalid, NotFound

from ..models import Warning, WarningRule

# ---------------------------------------------------------------- who sees them, and what they do

def warnings_for(actor, state: str | None = None) -> QuerySet[Warning]:
    """The warnings the actor receives: rules whose recipient roles include the actor's role, in the
    actor's scope (a region role: warnings inside its region; a unit role: its unit's warnings)."""
    from zhili.cases.selectors import REGION_ROLES, UNIT_ROLES

    qs = Warning.objects.select_related("rule")
    if state:
        qs = qs.filter(state=state)
    if actor is None or not getattr(actor, "is_authenticated", False):
        return qs.none()
    if actor.is_superuser:
        return qs
    rule_ids = [pk for pk, roles in WarningRule.objects.values_list("pk", "recipients") if actor.role in (roles or [])]
    qs = qs.filter(rule_id__in=rule_ids)
    if actor.role in UNIT_ROLES:
        return qs.filter(unit_id=actor.organisation_id) if actor.organisation_id else qs.none()
    if actor.role in REGION_ROLES:
        return qs.filter(region_code__startswith=actor.scope_prefix)
    return qs.none()


def _writable(actor) -> None:
    from zhili.core.policy import READ_ONLY_ROLES

    if actor is None or not getattr(actor, "is_authenticated", False):
        raise Forbidden()
    if not actor.is_superuser and actor.role in READ_ONLY_ROLES:
        raise Forbidden("只读角色不能处置预警", "a read-only role cannot act on warnings")


def _find(actor, warning_id: int) -> Warning:
    w = warnings_for(actor).select_for_update(of=("self",)).filter(pk=warning_id).first()
    if w is None:
        raise NotFound("warning")
    return w


def acknowledge_warning(actor, warning_id: int, note: str = "") -> Warning:
    """知悉: a recipient says they have seen the warning (new → acknowledged)."""
    _writable(actor)
    with transaction.atomic():
        w = _find(actor, warning_id)
        if w.state != "new":
            raise Invalid("state", "该预警已知悉或已处置", "the warning is already acknowledged or handled")
        now = timezone.now()
        w.state, w.acknowledged_by, w.acknowledged_at = "acknowledged", actor, now
        if note.strip():
            w.note = note.strip()
        w.save(update_fields=["state", "acknowledged_by", "acknowledged_at", "note", "updated_at"])
        audit.record(actor, "warning.acknowledge", w, details={"rule": w.rule.code, "key": w.key, "note": note.strip()})
    return w


def handle_warning(actor, warning_id: int, note: str = "") -> Warning:
    """处置: a recipient records what was done (new or acknowledged → handled); the note is required."""
    _writable(actor)
    if not (note or "").strip():
        raise Invalid("note", "请填写处置情况", "say what was done")
    with transaction.atomic():
        w = _find(actor, warning_id)
        if w.state == "handled":
            raise Invalid("state", "该预警已处置", "the warning is already handled")
        now = timezone.now()
        if w.state == "new":
            w.acknowledged_by, w.acknowledged_at = actor, now
        w.state, w.handled_by, w.handled_at, w.note = "handled", actor, now, note.strip()
        w.save(update_fields=["state", "acknowledged_by", "acknowledged_at", "handled_by", "handled_at", "note", "updated_at"])
        audit.record(actor, "warning.handle", w, details={"rule": w.rule.code, "key": w.key, "note": note.strip()})
    return w
