"""受理并分派 on the case page (智能派单): the one-step form a registered case offers whoever may
both accept and dispatch it — the suggested units with their reasons, the searchable unit list
(the top suggestion chosen), cooperating units, tier and comment — drawn from the dispatch's
FieldSpecs like every other action form."""

from __future__ import annotations

from django.urls import reverse
from django.utils.translation import gettext as _

from .. import forms, suggest
from ..models import Case
from ..workflow import ACTIONS, DISPATCHERS

NAME = "accept_dispatch"


def may_accept_and_dispatch(user, available) -> bool:
    names = {a.name for a in available}
    return "accept" in names and (user.is_superuser or user.role in DISPATCHERS)


def panel(user, case: Case, available, units, *, posted=None, errors=None) -> dict | None:
    """The one-step form's context, or None where it does not apply."""
    if case.state != "registered" or not may_accept_and_dispatch(user, available):
        return None
    units = units if units is not None else forms.unit_groups()
    suggestions = suggest.suggest_units(user, case)
    initial = {"tier": case.tier, "lead_unit": suggestions[0].unit_id if suggestions else ""}
    fields = forms.action_form(ACTIONS["dispatch"], posted, errors, initial)
    for fld in fields:
        if fld["kind"] in ("unit", "units"):
            fld["groups"] = units
        if fld["name"] == "lead_unit":
            fld["suggestions"] = [{"id": s.unit_id, "name": s.name, "reason": s.reason} for s in suggestions]
    return {
        "name": NAME,
        "label": _("Accept and dispatch (受理并分派)"),
        "style": "primary",
        "fields": fields,
        "suggestions": suggestions,
        "url": reverse("cases:accept_dispatch", args=[case.number]),
    }
