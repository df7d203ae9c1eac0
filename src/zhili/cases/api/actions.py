"""The workflow actions through the API: one operation per action of
:data:`zhili.cases.workflow.ACTIONS` (``POST /cases/{number}/actions/dispatch`` with a
``DispatchIn`` body, …), each documented with its fields, roles and source states; any other
action name is a JSON 404.

No ``from __future__ import annotations`` here: the action operations are made in a loop and
django-ninja reads their (local) annotations at runtime."""

from django.utils import timezone
from ninja import Body

from zhili.core.errors import NotFound

from .. import notify, services
from ..models import Case, Tier
from ..workflow import ACTIONS, Action, FieldSpec
from .render import RELATED, event_out, summary
from .routers import router
from .schemas import ACTION_MODELS, ERRORS, NUMBER, ActionResultOut, CaseNumber, ErrorsOut

_RELATION_DOC = {
    "scope": "any holder of these roles whose data scope contains the case",
    "lead_unit": "only staff of the case's lead unit (责任单位)",
    "coop_unit": "only staff of a cooperating unit (配合单位)",
    "lead_head_or_centre": "the lead unit's head, or the centre",
}
_REQUIRES_DOC = {
    "no_pending_extension": "no extension request pending", "pending_extension": "an extension request is pending",
    "not_overdue": "the case is not overdue yet", "parts_recorded": "every cooperating unit has recorded its part (complex/major)",
    "major_prepared": "a major case has had a joint meeting and a risk assessment", "no_agreement": "no agreement yet",
    "has_agreement": "the case has a mediation agreement", "has_parties": "the case has an applicant and a respondent",
}


def _field_doc(f: FieldSpec) -> str:
    kind = {"unit": "organisation id or code", "units": "list of organisation ids or codes",
            "datetime": "date and time, e.g. 2026-11-20T09:00:00+08:00 (no offset: Asia/Shanghai)",
            "date": "date, e.g. 2026-12-31", "int": "integer 1–365", "bool": "true / false",
            "case": "case number"}.get(f.kind, f.kind)
    if f.kind == "choice":
        kind = "one of " + ", ".join(f"`{c}` ({label})" for c, label in f.choices)
    elif f.kind == "text":
        kind = f"text, at most {f.max_length} characters"
    return f"- `{f.name}` — {f.label}; {kind}; {'**required**' if f.required else 'optional'}"


def _action_doc(a: Action) -> str:
    lines = [f"**{a.label}** — from {', '.join(f'`{s}`' for s in sorted(a.sources))} → "
             f"{f'`{a.target}`' if a.target else 'state unchanged'}.", ""]
    if a.description:
        lines += [a.description, ""]
    lines.append(f"Roles: {', '.join(f'`{r}`' for r in sorted(a.roles))} — {_RELATION_DOC.get(a.relation, a.relation)}.")
    if a.tiers != frozenset(Tier.values):
        lines.append(f"Tiers: {', '.join(sorted(a.tiers))} only.")
    if a.requires:
        lines.append("Preconditions: " + "; ".join(_REQUIRES_DOC.get(r, r) for r in a.requires) + ".")
    lines += ["", "Fields:" if a.fields else "No fields: post `{}` or nothing."]
    lines += [_field_doc(f) for f in a.fields]
    if a.name in ("check_pass", "resolve_on_spot"):
        lines += ["", "The answer carries `confirmation_url`: the resident's one-time link (also sent by SMS)."]
    lines += ["", "Refusals: 401 not signed in; 403 your role or unit may not; 404 the case is not in your scope; "
                  "400 wrong state (field `state`), tier or precondition; 422/400 a missing or bad field, named in `field`."]
    return "\n".join(lines)


def _perform(request, number: str, action: Action, payload) -> dict:
    actor = request.auth
    data = payload.model_dump(exclude_none=True) if payload is not None else {}
    res = services.act(actor, number, action.name, data)
    case = Case.objects.select_related(*RELATED).get(pk=res.case.pk)
    return {"case": summary(case, actor, timezone.now()), "event": event_out(res.event),
            "confirmation_url": notify.confirm_url(res.confirmation_token) if res.confirmation_token else None}


def _register_action(action: Action) -> None:
    model = ACTION_MODELS[action.name]
    needs_body = any(f.required for f in action.fields)
    if needs_body:
        def view(request, number: CaseNumber = NUMBER, payload: model = ...):  # type: ignore[valid-type]
            return _perform(request, number, action, payload)
    else:  # nothing required: no body, or {}, will do
        optional = Body(None)

        def view(request, number: CaseNumber = NUMBER, payload: model = optional):  # type: ignore[valid-type]
            return _perform(request, number, action, payload)
    view.__name__ = f"case_action_{action.name}"
    router.post(f"/{{number}}/actions/{action.name}", response={200: ActionResultOut, **ERRORS},
                summary=f"{action.label}", description=_action_doc(action), operation_id=f"case_action_{action.name}",
                tags=["case actions"])(view)


for _action in ACTIONS.values():
    _register_action(_action)


@router.post("/{number}/actions/{action}", response={404: ErrorsOut}, include_in_schema=False)
def unknown_action(request, number: str, action: str):
    """Any other action name: the JSON 404 (the known ones are routed above)."""
    raise NotFound("action")
