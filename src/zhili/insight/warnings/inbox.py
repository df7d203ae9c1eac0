"""Who sees the warnings and who acts on them — two questions with two answers:

* **who may see** (:func:`warnings_for`): a viewer of the analysis pages (``dashboard.view``: the
  leader, the centre's administrators, a street's staff) sees every warning inside his region,
  whatever rule raised it; a department's staff (a unit role) see their unit's warnings; any other
  region role sees the warnings routed to it inside its region. The home page's card, the warnings
  page, the big screen and the Word report all read this one selector (and
  :func:`open_counts_by_level`), so they agree.
* **who must act** (:func:`warnings_to_act`): a rule's ``recipients`` route its warnings — they
  are notified (the engine) and only they acknowledge (知悉) or handle (处置) one, each inside his
  own scope; a read-only role (the leader) acts on none.

Acknowledging and handling are audited."""

from __future__ import annotations

from django.db import transaction
from django.db.models import Count, QuerySet
from django.utils import timezone

from zhili.core import audit
from zhili.core.errors import Forbidden, Invalid, NotFound

from ..models import OPEN_WARNING_STATES, Warning, WarningRule

#: the levels, most severe first (the order the home page, the warnings page and the screen count them in)
LEVELS = ("red", "orange", "yellow")


# ---------------------------------------------------------------- who may see, who must act


def _signed_in(actor) -> bool:
    return actor is not None and getattr(actor, "is_authenticated", False)


def _scoped(qs: QuerySet[Warning], actor) -> QuerySet[Warning]:
    """The warnings inside the actor's scope: a unit role's unit, a region role's region; else none."""
    from zhili.cases.selectors import REGION_ROLES, UNIT_ROLES

    if actor.role in UNIT_ROLES:
        return qs.filter(unit_id=actor.organisation_id) if actor.organisation_id else qs.none()
    if actor.role in REGION_ROLES and actor.region_id:
        return qs.filter(region_code__startswith=actor.scope_prefix)
    return qs.none()


def routed_rule_ids(actor) -> list[int]:
    """The rules whose recipients (the routing) include the actor's role."""
    return [pk for pk, roles in WarningRule.objects.values_list("pk", "recipients") if actor.role in (roles or [])]


def warnings_for(actor, state: str | None = None) -> QuerySet[Warning]:
    """The warnings the actor may see, newest first: with ``dashboard.view`` (leader, centre admin,
    street staff) every warning inside his region, whoever it is routed to; a unit role (department
    handler or head) its unit's; any other region role the warnings routed to its role inside its
    region. A warning of another region (or another unit) is never among them."""
    from zhili.cases.selectors import UNIT_ROLES
    from zhili.core.policy import can

    qs = Warning.objects.select_related("rule")
    if state:
        qs = qs.filter(state=state)
    if not _signed_in(actor):
        return qs.none()
    if actor.is_superuser:
        return qs
    if not (can(actor, "dashboard.view") or actor.role in UNIT_ROLES):
        qs = qs.filter(rule_id__in=routed_rule_ids(actor))
    return _scoped(qs, actor)


def warnings_to_act(actor, state: str | None = None) -> QuerySet[Warning]:
    """The warnings the actor must act on (acknowledge, handle): those of the rules routed to his
    role, inside his scope — a subset of :func:`warnings_for`. None for a read-only role."""
    from zhili.core.policy import READ_ONLY_ROLES

    qs = Warning.objects.select_related("rule")
    if state:
        qs = qs.filter(state=state)
    if not _signed_in(actor):
        return qs.none()
    if actor.is_superuser:
        return qs
    if actor.role in READ_ONLY_ROLES:
        return qs.none()
    return _scoped(qs.filter(rule_id__in=routed_rule_ids(actor)), actor)


def open_counts_by_level(actor) -> dict[str, int]:
    """The open (new or acknowledged) warnings the actor may see, per level, most severe first:
    what the home page's card, the warnings page and the big screen show."""
    rows = dict(warnings_for(actor).filter(state__in=OPEN_WARNING_STATES).order_by().values_list("level")
                .annotate(n=Count("id")))
    return {level: rows.get(level, 0) for level in LEVELS}


def _writable(actor) -> None:
    from zhili.core.policy import READ_ONLY_ROLES

    if not _signed_in(actor):
        raise Forbidden()
    if not actor.is_superuser and actor.role in READ_ONLY_ROLES:
        raise Forbidden("只读角色不能处置预警", "a read-only role cannot act on warnings")


def _find(actor, warning_id: int) -> Warning:
    """The warning, locked, if the actor must act on it: one he may not see is not found (another
    region's, as if it did not exist); one he sees but is not routed to him is forbidden."""
    w = warnings_for(actor).select_for_update(of=("self",)).filter(pk=warning_id).first()
    if w is None:
        raise NotFound("warning")
    if not warnings_to_act(actor).filter(pk=w.pk).exists():
        raise Forbidden("该预警不由您处置（按预警规则的接收角色处置）",
                        "the warning is not routed to your role: its rule's recipients act on it")
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
