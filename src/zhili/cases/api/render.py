"""How the case API shows a case: the summary in lists, the single case document with its parties,
units, deadlines and the actions the caller may take, and its events — and who sees whose personal
data (full phone numbers and a confidential case's reporter for intake staff only)."""

import datetime as dt

from django.utils import timezone

from zhili.core import crypto
from zhili.core.calendar import SHANGHAI

from .. import deadlines, services
from ..models import Case, CaseEvent, CaseType, Channel, PartyRole
from ..workflow import ACTIONS, CLOCK_STATES, STATES, Action, FieldSpec

#: roles that register and check cases: they see the parties' full phone numbers and the
#: reporter of a confidential case
INTAKE_ROLES = frozenset({"window_clerk", "centre_admin", "street_staff", "community_staff"})


def local(t: dt.datetime | None) -> dt.datetime | None:
    return t.astimezone(SHANGHAI) if t is not None else None


def sees_full_phone(actor) -> bool:
    return actor.is_superuser or actor.role in INTAKE_ROLES


def withheld(actor, case: Case) -> bool:
    """A confidential case hides its reporter from every role but intake staff."""
    return case.confidential and not sees_full_phone(actor)


def _overdue(case: Case, now: dt.datetime) -> bool:
    return case.state in CLOCK_STATES and case.due_at is not None and case.due_at < now


def summary(case: Case, actor, now: dt.datetime) -> dict:
    text, _css = deadlines.humanise(deadlines.time_left(case, now))
    reporter = None
    if case.reporter_id and not withheld(actor, case):
        reporter = {"name": crypto.mask_name(case.reporter.name), "phone": crypto.mask_phone(case.reporter.phone or "")}
    return {
        "number": case.number, "title": case.title, "state": case.state, "state_label": str(STATES.get(case.state, case.state)),
        "channel": case.channel, "case_type": case.case_type, "tier": case.tier, "urgency": case.urgency,
        "category": {"code": case.category.code, "label": case.category.label, "path": case.category_path},
        "region_code": case.region_code, "grid_code": case.grid.code if case.grid_id else None,
        "lead_unit": {"id": case.lead_unit.pk, "name": case.lead_unit.name} if case.lead_unit_id else None,
        "created_at": local(case.created_at), "due_at": local(case.due_at), "time_left": text,
        "overdue": _overdue(case, now), "confidential": case.confidential, "card": case.card, "reporter": reporter,
    }


def _field_out(f: FieldSpec) -> dict:
    return {"name": f.name, "kind": f.kind, "label": str(f.label), "required": f.required,
            "choices": [{"value": c, "label": str(label)} for c, label in f.choices],
            "max_length": f.max_length if f.kind in ("text", "case") else None, "help": f.help}


def _action_out(a: Action) -> dict:
    return {"name": a.name, "label": str(a.label), "style": a.style, "target": a.target,
            "fields": [_field_out(f) for f in a.fields]}


def _person(name: str) -> str | None:
    return name or None


#: value → label (lazy: translated when shown), made once per choices class
_LABELS = {c: dict(c.choices) for c in (PartyRole, Channel, CaseType)}


def detail(case: Case, actor, fresh: bool = False) -> dict:
    """The case document. ``fresh``: the case ``services.register_case`` has just returned — its
    parties are the ones it made, it has one event and no cooperating units or attachments yet."""
    now = timezone.now()
    hidden = withheld(actor, case)
    full_phone = sees_full_phone(actor)
    parties = []
    for p in case.registered_parties if fresh else case.parties.select_related("resident").order_by("id"):
        label = str(_LABELS[PartyRole].get(p.role, p.role))
        if hidden and (p.role == PartyRole.REPORTER or p.resident_id == case.reporter_id):
            parties.append({"role": p.role, "role_label": label, "name": None, "phone": None, "gender": "", "withheld": True})
            continue
        phone = p.resident.phone or ""
        parties.append({"role": p.role, "role_label": label, "name": p.resident.name, "gender": p.gender,
                        "phone": (phone if full_phone else crypto.mask_phone(phone)) if phone else None,
                        "withheld": False})
    units = [{"id": u.unit_id, "name": u.unit.name, "part": u.part, "recorded_at": local(u.recorded_at),
              "recorded_by": (u.recorded_by.display_name or u.recorded_by.username) if u.recorded_by_id else None}
             for u in ([] if fresh else case.units.select_related("unit", "recorded_by").order_by("id"))]
    text, css = deadlines.humanise(deadlines.time_left(case, now))
    return {
        **summary(case, actor, now),
        "description": case.description, "request": case.request, "address": case.address, "lon": case.lon, "lat": case.lat,
        "grid": {"code": case.grid.code, "name": case.grid.name} if case.grid_id else None,
        "channel_label": str(_LABELS[Channel].get(case.channel, case.channel)),
        "case_type_label": str(_LABELS[CaseType].get(case.case_type, case.case_type)),
        "handler": _person(case.handler.display_name or case.handler.username) if case.handler_id else None,
        "registered_by": _person(case.registered_by.display_name or case.registered_by.username) if case.registered_by_id else None,
        "registered_org": case.registered_org.name if case.registered_org_id else None,
        "accepted_at": local(case.accepted_at), "dispatched_at": local(case.dispatched_at), "signed_at": local(case.signed_at),
        "resolved_at": local(case.resolved_at), "closed_at": local(case.closed_at), "archived_at": local(case.archived_at),
        "result": case.result, "solved": case.solved, "satisfaction": case.satisfaction,
        "resolved_in_grid": case.resolved_in_grid, "on_time": case.on_time,
        "master": case.master.number if case.master_id else None, "outcome": case.outcome,
        "parties": parties, "cooperating_units": units,
        "deadlines": {"sign_due_at": local(case.sign_due_at), "due_at": local(case.due_at), "time_left": text,
                      "time_left_class": css, "overdue": _overdue(case, now), "suspended_at": local(case.suspended_at),
                      "extension_pending": case.extension_pending, "extended_days": case.extended_days},
        "counts": {"parties": len(parties), "events": 1 if fresh else case.events.count(),
                   "attachments": 0 if fresh else case.attachments.count(),
                   "returns": case.return_count, "extensions": case.extension_count, "reworks": case.rework_count},
        "actions": [_action_out(a) for a in services.available_actions(actor, case)],
    }


def event_out(ev: CaseEvent) -> dict:
    action = ACTIONS.get(ev.action)
    label = str(action.label) if action else {"register": "登记", "merged_in": "并入案件"}.get(ev.action, ev.action)
    return {"id": ev.pk, "at": local(ev.at), "actor_name": ev.actor_name, "actor_org": ev.actor_org, "action": ev.action,
            "action_label": label, "from_state": ev.from_state, "to_state": ev.to_state, "comment": ev.comment,
            "data": ev.data if isinstance(ev.data, dict) else {"value": ev.data}}


RELATED = ("category", "grid", "lead_unit", "reporter")
