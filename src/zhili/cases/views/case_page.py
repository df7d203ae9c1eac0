"""The case page: the case with its parties, units, timeline and map, the buttons and forms of the
actions the user may take (and taking one), attachments (upload and download), and the mediation
agreement (Word download and print page)."""

from __future__ import annotations

import datetime as dt

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import FileResponse, Http404, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_POST

from zhili.core import audit, crypto
from zhili.core.calendar import SHANGHAI
from zhili.core.errors import Forbidden, Invalid
from zhili.core.http import domain_errors

from .. import documents, forms, selectors, services
from ..models import Attachment, Case, CaseEvent, PartyRole, Satisfaction
from ..workflow import ACTIONS, STATES
from . import dispatch_panel
from .common import (
    AGREEMENT_ROLES,
    local,
    qr_svg,
    region_names,
    require_case_role,
    sees_full_phone,
    state_tag,
    street_code,
    time_left,
    withheld,
)
from .intake_desk import confirmation_link, remember_link

EVENT_LABELS = {"register": gettext_lazy("Register"), "merged_in": gettext_lazy("Another case merged in")}


def _parties(user, case: Case) -> list[dict]:
    hide = withheld(user, case)
    full = sees_full_phone(user)
    out = []
    for p in case.parties.select_related("resident").order_by("id"):
        label = PartyRole(p.role).label if p.role in PartyRole.values else p.role
        if hide and (p.role == PartyRole.REPORTER or p.resident_id == case.reporter_id):
            out.append({"role": label, "withheld": True})
            continue
        phone = p.resident.phone or ""
        out.append(
            {
                "role": label,
                "name": p.resident.name,
                "gender": p.gender,
                "withheld": False,
                "phone": (phone if full else crypto.mask_phone(phone)) if phone else "",
            }
        )
    return out


def _event_details(ev: CaseEvent) -> list[tuple[str, str]]:
    """The data recorded with an event, labelled from the action's FieldSpecs."""
    data = ev.data if isinstance(ev.data, dict) else {}
    action = ACTIONS.get(ev.action)
    specs = {f.name: f for f in action.fields} if action else {}
    out = []
    for key, value in data.items():
        if key in ("comment", "reason", "result", "part") or value in (None, "", []):
            continue  # shown as the comment
        f = specs.get(key)
        if f is not None:
            label = f.label
            if f.kind == "bool":
                text = _("Yes") if value else _("No")
            elif f.kind == "choice":
                text = str(dict(f.choices).get(value, value))
            elif isinstance(value, dict):
                text = value.get("name", "")
            elif isinstance(value, list):
                text = "、".join(v.get("name", "") if isinstance(v, dict) else str(v) for v in value)
            elif f.kind == "datetime":
                try:
                    text = dt.datetime.fromisoformat(value).astimezone(SHANGHAI).strftime("%Y-%m-%d %H:%M")
                except (TypeError, ValueError):
                    text = str(value)
            else:
                text = str(value)
                if len(text) > 200:
                    continue  # long texts (meeting decisions, notes) are the comment already
        elif key in ("due_at", "sign_due_at"):
            label = _("Handle by") if key == "due_at" else _("Sign by")
            try:
                text = dt.datetime.fromisoformat(value).astimezone(SHANGHAI).strftime("%Y-%m-%d %H:%M")
            except (TypeError, ValueError):
                continue
        elif key == "reopened":
            label, text = _("Reopened"), _("Yes")
        elif key == "meeting_id" and ev.action in ("dispatch", "transfer"):
            label, text = _("As the joint meeting decided"), _("Yes")
        elif key == "approved":
            label, text = _("Approved"), _("Yes") if value else _("No")
        elif key in ("master", "merged", "agreement", "from_unit"):
            label = {
                "master": _("Merged into"),
                "merged": _("Merged"),
                "agreement": _("Agreement"),
                "from_unit": _("From unit"),
            }[key]
            text = str(value)
        else:
            continue
        out.append((label, text))
    return out


def _timeline(case: Case) -> list[dict]:
    out = []
    for ev in CaseEvent.objects.filter(case=case).order_by("at", "id"):
        action = ACTIONS.get(ev.action)
        label = action.label if action else EVENT_LABELS.get(ev.action, ev.action)
        out.append(
            {
                "at": local(ev.at),
                "actor": ev.actor_name,
                "org": ev.actor_org,
                "action": ev.action,
                "label": label,
                "from": STATES.get(ev.from_state, ev.from_state) if ev.from_state else "",
                "to": STATES.get(ev.to_state, ev.to_state) if ev.to_state else "",
                "changed": ev.from_state != ev.to_state,
                "comment": ev.comment,
                "details": _event_details(ev),
                "style": action.style if action else "primary",
            }
        )
    return out


def _map_data(case: Case) -> dict | None:
    if case.lon is None and not (case.grid_id and case.grid.geometry):
        return None
    return {
        "point": [case.lon, case.lat] if case.lon is not None else None,
        "grid": {"name": case.grid.name, "geometry": case.grid.geometry} if case.grid_id else None,
    }


def _meeting_note(meeting, *, clock_started: bool) -> str:
    """Under a dispatch's cooperating units after a joint meeting: what the meeting decided stays
    (``services.handlers`` 分派), and the units chosen are added."""
    units = "、".join(o.name for o in meeting.cooperating.all()) or "—"
    held = f"{local(meeting.held_at):%Y-%m-%d %H:%M}"
    if clock_started:
        return _("The joint meeting of %(held)s set the cooperating units %(units)s: they stay, and the units "
                 "chosen here are added.") % {"held": held, "units": units}
    return _("The joint meeting of %(held)s set the deadline %(deadline)s and the cooperating units %(units)s: the "
             "dispatch keeps them, and the units chosen here are added.") % {
        "held": held, "deadline": f"{local(meeting.deadline):%Y-%m-%d %H:%M}", "units": units}


def _render_case(
    request,
    case: Case,
    *,
    open_action: str = "",
    action_post=None,
    action_errors=None,
    general_errors=None,
    attach_error: str = "",
    status: int = 200,
):
    user = request.user
    now = timezone.now()
    available = services.available_actions(user, case)
    meeting = selectors.binding_meeting(case) if any(a.name in ("dispatch", "transfer") for a in available) else None
    units = None
    actions = []
    for a in available:
        if any(f.kind in ("unit", "units") for f in a.fields) and units is None:
            units = forms.unit_groups()
        posted = action_post if a.name == open_action else None
        errs = action_errors if a.name == open_action else None
        initial = {}
        if a.name == "dispatch" and case.lead_unit_id:
            initial = {
                "lead_unit": case.lead_unit_id,
                "cooperating_units": list(case.units.values_list("unit_id", flat=True)),
            }
        if "tier" in {f.name for f in a.fields} and not initial.get("tier"):
            initial["tier"] = case.tier
        fields = forms.action_form(a, posted, errs, initial)
        if a.name in ("dispatch", "transfer") and meeting is not None:
            for fld in fields:
                if fld["name"] == "cooperating_units":
                    fld["help"] = _meeting_note(meeting, clock_started=case.dispatched_at is not None)
        for fld in fields:
            if fld["kind"] in ("unit", "units"):
                groups = units or []
                if fld["name"] == "committee":
                    groups = [
                        g for g in groups if any(o["org_type"] == "mediation_committee" for o in g["options"])
                    ]
                fld["groups"] = groups
        actions.append(
            {
                "name": a.name,
                "label": a.label,
                "style": a.style,
                "fields": fields,
                "target": STATES.get(a.target, "") if a.target else "",
                "description": a.description,
                "url": reverse("cases:act", args=[case.number, a.name]),
            }
        )
    one_step = dispatch_panel.panel(user, case, available, units,
                                    posted=action_post if open_action == dispatch_panel.NAME else None,
                                    errors=action_errors if open_action == dispatch_panel.NAME else None)
    coop = [
        {
            "name": u.unit.name,
            "part": u.part,
            "recorded_at": local(u.recorded_at),
            "recorded_by": (u.recorded_by.display_name or u.recorded_by.username) if u.recorded_by_id else "",
        }
        for u in case.units.select_related("unit", "recorded_by").order_by("id")
    ]
    link = confirmation_link(request, case)
    agreement = getattr(case, "agreement", None) if hasattr(case, "agreement") else None
    attachments = list(case.attachments.select_related("uploaded_by").order_by("uploaded_at", "id"))
    pending = case.extension_pending or None
    return render(
        request,
        "cases/detail.html",
        {
            "case": case,
            "state": state_tag(case, now),
            "time_left": time_left(case, now),
            "tier_label": dict(forms.tier_choices()).get(case.tier, case.tier),
            "urgency_label": dict(forms.urgency_choices()).get(case.urgency, case.urgency),
            "channel_label": dict(forms.channel_choices()).get(case.channel, case.channel),
            "case_type_label": dict(forms.case_type_choices()).get(case.case_type, case.case_type),
            "satisfaction_label": dict(Satisfaction.choices).get(case.satisfaction, "")
            if case.satisfaction
            else "",
            "category_path": forms.category_path_label(case.category_path),
            "street": region_names([street_code(case.region_code)]).get(street_code(case.region_code), ""),
            "parties": _parties(user, case),
            "coop": coop,
            "timeline": _timeline(case),
            "actions": actions,
            "one_step": one_step,
            "open_action": open_action or (dispatch_panel.NAME if one_step else ""),
            "general_errors": general_errors or [],
            "map_data": _map_data(case),
            "tile_url": settings.ZHILI_MAP_TILE_URL,
            "sessions": case.mediation_sessions.order_by("held_at"),
            "agreement": agreement,
            "agreement_allowed": bool(agreement) and (user.is_superuser or user.role in AGREEMENT_ROLES),
            "meetings": case.meetings.select_related("lead_unit")
            .prefetch_related("cooperating")
            .order_by("held_at"),
            "risks": case.risk_assessments.order_by("assessed_at"),
            "attachments": attachments,
            "can_attach": user.role != "leader",
            "attach_error": attach_error,
            "upload_types": ", ".join(sorted(services.UPLOAD_TYPES)),
            "confirm_url": link,
            "confirm_qr": qr_svg(link, _("Confirm the result")) if link else "",
            "has_callback": any(a.name == "callback" for a in available),
            "pending_extension": pending,
            "sign_due_at": local(case.sign_due_at),
            "due_at": local(case.due_at),
            "merged_cases": list(case.merged_cases.values_list("number", flat=True)),
        },
        status=status,
    )


@login_required
@domain_errors
def detail(request, number: str):
    user = request.user
    require_case_role(user)
    case = selectors.case_for(user, number)
    return _render_case(request, case)


@login_required
@domain_errors
def act(request, number: str, action: str):
    """Perform one action of the workflow table (services.act) and go back to the case page."""
    user = request.user
    require_case_role(user)
    spec = ACTIONS.get(action)
    if spec is None:
        raise Http404(action)
    case = selectors.case_for(user, number)
    if request.method != "POST":
        return _render_case(request, case, open_action=action)
    data = forms.action_data(spec, request.POST)
    try:
        res = services.act(user, case, action, data)
    except Forbidden as exc:
        raise PermissionDenied(exc.errors[0]["message"]) from exc
    except Invalid as exc:
        fields = {f.name for f in spec.fields}
        field_errors = [e for e in exc.errors if e.get("field") in fields]
        general = [e["message"] for e in exc.errors if e.get("field") not in fields]
        case = selectors.case_for(user, number)
        open_action = action if any(a.name == action for a in services.available_actions(user, case)) else ""
        return _render_case(
            request,
            case,
            open_action=open_action,
            action_post=request.POST,
            action_errors=field_errors,
            general_errors=general,
            status=400,
        )
    if res.confirmation_token:
        remember_link(request, res.case.number, res.confirmation_token)
    messages.success(request, _("%(action)s: done.") % {"action": spec.label})
    if res.case.state == "merged" and res.case.master_id:
        return redirect("cases:detail", number=res.case.master.number)
    return redirect("cases:detail", number=res.case.number)


@login_required
@domain_errors
@require_POST
def accept_dispatch(request, number: str):
    """受理并分派 in one step (services.accept_and_dispatch) and back to the case page."""
    user = request.user
    require_case_role(user)
    case = selectors.case_for(user, number)
    spec = ACTIONS["dispatch"]
    try:
        _accepted, res = services.accept_and_dispatch(user, case, forms.action_data(spec, request.POST))
    except Forbidden as exc:
        raise PermissionDenied(exc.errors[0]["message"]) from exc
    except Invalid as exc:
        fields = {f.name for f in spec.fields}
        case = selectors.case_for(user, number)
        return _render_case(request, case, open_action=dispatch_panel.NAME if case.state == "registered" else "",
                            action_post=request.POST, action_errors=[e for e in exc.errors if e.get("field") in fields],
                            general_errors=[e["message"] for e in exc.errors if e.get("field") not in fields], status=400)
    messages.success(request, _("Accepted and dispatched to %(unit)s.") % {"unit": res.case.lead_unit.name})
    return redirect("cases:detail", number=res.case.number)


# ---------------------------------------------------------------- attachments


@login_required
@domain_errors
@require_POST
def attach(request, number: str):
    """Upload an attachment to a case (photos, documents); refused types and sizes say why."""
    user = request.user
    require_case_role(user)
    case = selectors.case_for(user, number)
    try:
        att = services.attach_file(user, case, request.FILES.get("file"))
    except Invalid as exc:
        problem = exc.errors[0]["message_en" if translation.get_language() == "en" else "message"]
        return _render_case(request, case, attach_error=problem, status=400)
    messages.success(request, _("Attached: %(name)s") % {"name": att.name})
    return redirect(reverse("cases:detail", args=[case.number]) + "#attachments")


@login_required
@domain_errors
def attachment(request, number: str, pk: int):
    user = request.user
    require_case_role(user)
    case = selectors.case_for(user, number)
    att = Attachment.objects.filter(case=case, pk=pk).first()
    if att is None:
        raise Http404
    inline = att.content_type in ("image/jpeg", "image/png")  # photos open in the browser; documents download
    return FileResponse(
        att.file.open("rb"), as_attachment=not inline, filename=att.name, content_type=att.content_type
    )


# ---------------------------------------------------------------- the mediation agreement


def _agreement_case(request, number: str) -> Case:
    user = request.user
    require_case_role(user)
    case = selectors.case_for(user, number)
    if not hasattr(case, "agreement"):
        raise Http404("agreement")
    if not (user.is_superuser or user.role in AGREEMENT_ROLES):
        raise PermissionDenied(_("The agreement carries the parties' personal data."))
    return case


@login_required
@domain_errors
def agreement_docx(request, number: str):
    case = _agreement_case(request, number)
    content = documents.agreement_docx(case)
    audit.record(request.user, "case.agreement_download", case, details={"number": case.number})
    response = HttpResponse(
        content, content_type="application/vnd.openxmlformats-officedocument.wordprocessingml.document"
    )
    response["Content-Disposition"] = f'attachment; filename="agreement-{case.number}.docx"'
    return response


@login_required
@domain_errors
def agreement_print(request, number: str):
    case = _agreement_case(request, number)
    a = case.agreement
    audit.record(request.user, "case.agreement_print", case, details={"number": case.number})
    names = [
        p.resident.name
        for p in case.parties.select_related("resident").filter(role__in=("applicant", "respondent"))
    ]
    return render(
        request,
        "cases/agreement.html",
        {
            "case": case,
            "agreement": a,
            "sections": documents.agreement_sections(case),
            "party_names": names,
            "mediators": "、".join(m.display_name or m.username for m in a.mediators.all()),
            "signed_on": documents.cn_date(a.signed_on),
        },
    )
