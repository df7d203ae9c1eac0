"""``/track/``: a resident looks up progress with the case number *and* the phone number, and sees
a plain timeline (step names and dates, nothing internal). Failed look-ups per network are limited
(``limits``)."""

from __future__ import annotations

import re
import unicodedata

from django.shortcuts import render
from django.utils.translation import gettext as _
from django.utils.translation import pgettext
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_http_methods

from zhili.core import crypto

from ..models import Case, CaseParty, Satisfaction
from ..workflow import STATES
from . import limits
from .common import clean, is_english
from .limits import bump, client_ip, count


def _norm_number(value: str) -> str:
    """A case number as typed on a phone: full-width characters, spaces, other dashes, lower case."""
    value = unicodedata.normalize("NFKC", clean(value))
    value = re.sub(r"[\u2010-\u2015\u2212]", "-", value)
    return re.sub(r"\s+", "", value).upper()[:20]


#: the steps a resident follows, in order, and where each state stands among them
STEPS = ("registered", "accepted", "dispatched", "handling", "result", "confirm", "closed")
REACHED = {"registered": 0, "accepted": 1, "returned": 1, "dispatched": 2, "handling": 3, "suspended": 3,
           "feedback": 4, "callback": 5, "closed": 6, "archived": 6}


def _step_label(key: str, unit: str = "") -> str:
    if key == "dispatched" and unit:
        return pgettext("resident progress", "Passed to %(unit)s") % {"unit": unit}
    return {
        "registered": pgettext("resident progress", "Registered"),
        "accepted": pgettext("resident progress", "Accepted"),
        "rejected": pgettext("resident progress", "Not accepted"),
        "dispatched": pgettext("resident progress", "Passed to the handling unit"),
        "handling": pgettext("resident progress", "Being handled"),
        "result": pgettext("resident progress", "Result given"),
        "confirm": pgettext("resident progress", "Your confirmation"),
        "reopened": pgettext("resident progress", "Handled again"),
        "closed": pgettext("resident progress", "Closed"),
        "merged": pgettext("resident progress", "Handled together with another request"),
    }[key]


def progress(case: Case) -> list[dict]:
    """The resident's timeline: step names and dates only — no comments, no staff, no internal steps."""
    done: list[dict] = []
    for ev in case.events.order_by("at", "id").only("action", "at", "data", "comment"):
        a, data = ev.action, ev.data or {}
        if a == "register":
            done.append({"key": "registered", "at": ev.at})
        elif a == "accept":
            done.append({"key": "accepted", "at": ev.at})
        elif a == "reject":
            # the reason and the proper channel are addressed to the resident (sent by text as well)
            done.append({"key": "rejected", "at": ev.at, "reason": ev.comment, "channel": data.get("proper_channel", "")})
        elif a in ("dispatch", "transfer"):
            unit = (data.get("lead_unit") or {}).get("name", "") if isinstance(data.get("lead_unit"), dict) else ""
            done.append({"key": "dispatched", "at": ev.at, "unit": unit})
        elif a == "sign":
            done.append({"key": "handling", "at": ev.at})
        elif a in ("submit_result", "resolve_on_spot"):
            done.append({"key": "result", "at": ev.at})
        elif a == "check_fail":  # the result was sent back before it reached the resident
            for i in range(len(done) - 1, -1, -1):
                if done[i]["key"] == "result":
                    del done[i]
                    break
        elif a == "check_pass":
            done.append({"key": "confirm", "at": ev.at})
        elif a == "callback":
            done.append({"key": "reopened" if data.get("reopened") else "closed", "at": ev.at})
        elif a == "merge":
            done.append({"key": "merged", "at": ev.at, "master": data.get("master", "")})
    for s in done:
        s["label"] = _step_label(s["key"], s.get("unit", ""))
        s["status"] = "done"
    if done and case.state not in ("closed", "archived", "rejected", "merged"):
        done[-1]["status"] = "current"
    elif done:
        done[-1]["status"] = "end"
    reached = REACHED.get(case.state)
    todo = []
    if reached is not None and case.state not in ("closed", "archived"):
        todo = [{"key": k, "label": _step_label(k), "status": "todo"} for k in STEPS[reached + 1:]]
    return done + todo


def _state_hint(case: Case) -> str:
    unit = case.lead_unit.name if case.lead_unit_id else ""
    hints = {
        "registered": _("We have received your request and are reviewing it."),
        "accepted": _("Your request was accepted; a handling unit is being chosen."),
        "returned": _("Your request was accepted; a handling unit is being chosen."),
        "dispatched": _("Passed to %(unit)s, waiting for the unit to take it on."),
        "handling": _("%(unit)s is handling your request."),
        "suspended": _("Handling is paused for now and will continue."),
        "feedback": _("The handling unit has reported a result; it is being checked."),
        "callback": _("Handled. Please answer through the link in the text message: is it solved, are you satisfied?"),
        "closed": _("Closed."),
        "archived": _("Closed."),
        "rejected": _("Your request was not accepted. The reason is below."),
        "merged": _("Handled together with request %(master)s."),
    }
    text = hints.get(case.state, "")
    return text % {"unit": unit or _("the handling unit"), "master": case.master.number if case.master_id else ""} \
        if "%(" in text else text


def _phone_matches(case: Case, phone: str) -> bool:
    idx = crypto.blind_index(phone, "phone")
    if case.reporter_phone_index and case.reporter_phone_index == idx:
        return True
    return CaseParty.objects.filter(case=case, resident__phone_index=idx).exists()


@never_cache
@require_http_methods(["GET", "POST"])
def track(request):
    values = {"number": _norm_number(request.GET.get("number", "")), "phone": ""}
    if request.method == "GET":
        return render(request, "public/track.html", {"values": values, "errors": {}})

    values = {"number": _norm_number(request.POST.get("number", "")), "phone": clean(request.POST.get("phone"))[:30]}
    errors: dict[str, str] = {}
    if not values["number"]:
        errors["number"] = _("Please enter the case number.")
    if not values["phone"]:
        errors["phone"] = _("Please enter the phone number you gave.")
    if errors:
        return render(request, "public/track.html", {"values": values, "errors": errors}, status=400)

    key = f"zhili:public:track:fail:{client_ip(request)}"
    if count(key) >= limits.TRACK_FAIL_LIMIT:
        msg = _("Too many unsuccessful look-ups from this network. Please try again in an hour.")
        return render(request, "public/track.html", {"values": values, "errors": {"form": msg}}, status=429)

    case = (Case.objects.select_related("lead_unit", "master", "category")
            .filter(number=values["number"]).first())
    if case is None or not _phone_matches(case, values["phone"]):
        bump(key)
        return render(request, "public/track.html", {"values": values, "errors": {}, "not_found": True}, status=404)

    en = is_english()
    ctx = {
        "values": values, "errors": {}, "case": case, "state_label": STATES.get(case.state, case.state),
        "state_hint": _state_hint(case), "steps": progress(case),
        "unit": case.lead_unit.name if case.lead_unit_id and case.dispatched_at else "",
        "category": (case.category.label_en or case.category.label) if en else case.category.label,
        "show_result": bool(case.result and case.resolved_at and case.state != "rejected"),
        "satisfaction": Satisfaction(case.satisfaction).label if case.satisfaction and case.state in ("closed", "archived") else "",
        "closed": case.state in ("closed", "archived"),
    }
    return render(request, "public/track.html", ctx)
