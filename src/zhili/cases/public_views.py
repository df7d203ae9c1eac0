"""Public pages for residents — no account, phone first, Chinese first.

* ``/report/``: file a request (channel online); the grid is found from the point on the map.
* ``/track/``: look up progress with the case number *and* the phone number.
* ``/c/<token>/``: confirm a result through the one-time link sent by text.

Anti-abuse: the forms are CSRF-protected (except the confirmation form, see ``confirm``), the
report form has a honeypot field, and filings per phone and per IP as well as failed lookups
per IP are counted in Django's cache (a database table, shared by every server process). Domain errors become messages next to their fields;
nothing a resident types can make these pages answer 500.
"""

from __future__ import annotations

import math
import os
import re
import unicodedata
import uuid

from django.conf import settings
from django.core.cache import cache
from django.core.files.base import ContentFile
from django.db import transaction
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone, translation
from django.utils.dateformat import format as date_format
from django.utils.text import get_valid_filename
from django.utils.translation import gettext as _
from django.utils.translation import pgettext
from django.views.decorators.cache import never_cache
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_http_methods

from zhili.core import crypto
from zhili.core.errors import Invalid, NotFound
from zhili.core.models import CodeItem, Organisation, Region

from . import services
from .models import Attachment, Case, CaseParty, CaseType, Satisfaction
from .workflow import STATES

#: filings allowed per phone number and per IP address in ``WINDOW`` seconds
REPORT_LIMIT = 5
#: failed look-ups allowed per IP address in ``WINDOW`` seconds
TRACK_FAIL_LIMIT = 10
WINDOW = 60 * 60
PHOTO_MAX_BYTES = 10 * 1024 * 1024
#: the types a resident chooses from, in this order
PUBLIC_TYPES = ("complaint", "help", "consult", "suggestion", "report", "dispute")
HONEYPOT = "website"
SESSION_FILED = "public_filed"
SESSION_CONFIRMED = "public_confirmed"
LIMITS = {"name": 60, "phone": 30, "description": 5000, "request": 2000, "address": 200, "comment": 2000}

#: service error fields → the form field the message is shown next to
FIELD_OF = {
    "parties": "name", "parties.0.name": "name", "parties.0.phone": "phone", "phone": "phone",
    "lon": "location", "lat": "location", "grid": "location", "category": "category", "case_type": "case_type",
    "description": "description", "request": "request", "address": "address",
}


# ---------------------------------------------------------------- helpers

_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")


def _clean(value) -> str:
    """Typed text without control characters (PostgreSQL refuses NUL) and outer spaces."""
    return _CONTROL.sub("", value or "").strip()


def _client_ip(request) -> str:
    # REMOTE_ADDR only: a proxy in front must pass the client's address on (not a header we trust blindly)
    return request.META.get("REMOTE_ADDR", "") or "unknown"


def _count(key: str) -> int:
    return cache.get(key, 0)


def _bump(key: str) -> None:
    if cache.add(key, 1, WINDOW):
        return
    try:
        cache.incr(key)
    except ValueError:  # expired between add and incr
        cache.add(key, 1, WINDOW)


def _message(err: dict) -> str:
    """A service error's message in the page's language."""
    if translation.get_language() == "en":
        return err.get("message_en") or err.get("message", "")
    return err.get("message") or err.get("message_en", "")


def _is_english() -> bool:
    return translation.get_language() == "en"


def _district_code() -> str:
    code = settings.ZHILI_DISTRICT_CODE
    return Region.objects.filter(level="district", prefix=code[:6]).values_list("code", flat=True).first() or ""


def hall_contact() -> dict:
    """The service centre residents can call: the district-level centre with a public phone."""
    org = (Organisation.objects.filter(org_type="centre", active=True).exclude(phone="")
           .order_by("region_code", "order", "code").only("name", "phone").first())
    if org is None:
        org = Organisation.objects.filter(org_type="centre", active=True).order_by("region_code", "order", "code").first()
    return {"name": org.name if org else "", "phone": org.phone if org else ""}


def _day(when) -> str:
    """A date as residents write it: 2026年11月26日 (26 Nov 2026 in English)."""
    d = timezone.localtime(when)
    return date_format(d, "j M Y") if _is_english() else f"{d.year}年{d.month}月{d.day}日"


def _norm_number(value: str) -> str:
    """A case number as typed on a phone: full-width characters, spaces, other dashes, lower case."""
    value = unicodedata.normalize("NFKC", _clean(value))
    value = re.sub(r"[\u2010-\u2015\u2212]", "-", value)
    return re.sub(r"\s+", "", value).upper()[:20]


def _lang_redirect(request):
    """``?lang=en`` / ``?lang=zh-hans``: the language switch of the pages whose referrer policy rules out
    a POST form (see ``confirm``). Sets the same cookie as Django's set_language and drops the query."""
    lang = request.GET.get("lang") if request.method == "GET" else None
    if not lang or lang not in dict(settings.LANGUAGES):
        return None
    resp = redirect(request.path)
    resp.set_cookie(settings.LANGUAGE_COOKIE_NAME, lang, max_age=settings.LANGUAGE_COOKIE_AGE,
                    path=settings.LANGUAGE_COOKIE_PATH, domain=settings.LANGUAGE_COOKIE_DOMAIN,
                    secure=settings.LANGUAGE_COOKIE_SECURE, httponly=settings.LANGUAGE_COOKIE_HTTPONLY,
                    samesite=settings.LANGUAGE_COOKIE_SAMESITE)
    return _private(resp)


def _private(resp: HttpResponse) -> HttpResponse:
    """No caching anywhere and no Referer to anyone: the URL carries a secret."""
    resp["Cache-Control"] = "no-store, no-cache, must-revalidate, private, max-age=0"
    resp["Referrer-Policy"] = "no-referrer"
    resp["X-Robots-Tag"] = "noindex, nofollow"
    return resp


# ---------------------------------------------------------------- /report/

def _categories() -> list[dict]:
    """The two-level picker: top categories with their direct children."""
    en = _is_english()
    items = list(CodeItem.objects.filter(type="case_category", active=True).values("id", "code", "label", "label_en", "parent_id"))
    by_id = {i["id"]: i for i in items}
    roots = [i for i in items if i["parent_id"] is None]
    kids: dict[int, list[dict]] = {}
    for i in items:
        if i["parent_id"] in by_id and by_id[i["parent_id"]]["parent_id"] is None:
            kids.setdefault(i["parent_id"], []).append(i)

    def label(i):
        return (i["label_en"] or i["label"]) if en else i["label"]

    return [{"code": r["code"], "label": label(r),
             "children": [{"code": c["code"], "label": label(c)} for c in kids.get(r["id"], [])]} for r in roots]


def _type_choices() -> list[tuple[str, str]]:
    labels = dict(CaseType.choices)
    return [(t, labels[t]) for t in PUBLIC_TYPES]


def _map_data() -> dict:
    """Where the map opens and what it shows without tiles: the district's streets (named), else its outline."""
    code = settings.ZHILI_DISTRICT_CODE[:6]
    shapes = [{"name": n, "geometry": g} for n, g in
              Region.objects.filter(level="street", code__startswith=code, geometry__isnull=False)
              .order_by("code").values_list("name", "geometry")[:40]]
    district = Region.objects.filter(level="district", prefix=code).only("name", "geometry", "centroid_lon", "centroid_lat").first()
    if not shapes and district is not None and district.geometry:
        shapes = [{"name": district.name, "geometry": district.geometry}]
    centre = None
    if district is not None and district.centroid_lat is not None:
        centre = [district.centroid_lat, district.centroid_lon]
    return {"tiles": settings.ZHILI_MAP_TILE_URL, "shapes": shapes, "centre": centre}


def _parse_point(lon_s: str, lat_s: str, errors: dict) -> tuple[float | None, float | None]:
    lon_s, lat_s = (lon_s or "").strip(), (lat_s or "").strip()
    if not lon_s and not lat_s:
        return None, None
    try:
        lon, lat = float(lon_s), float(lat_s)
    except ValueError:
        lon = lat = math.nan
    if not (math.isfinite(lon) and math.isfinite(lat)):
        errors["location"] = _("The point on the map is not valid. Tap the map again.")
        return None, None
    return round(lon, 6), round(lat, 6)


def _check_photo(f, errors: dict) -> tuple[str, str] | None:
    """(extension, content type) of an acceptable photo; the content decides, not the name."""
    if f is None:
        return None
    if f.size > PHOTO_MAX_BYTES:
        errors["photo"] = _("The photo is larger than 10 MB. Choose a smaller one.")
        return None
    head = f.read(8)
    f.seek(0)
    if head.startswith(b"\xff\xd8\xff"):
        return "jpg", "image/jpeg"
    if head.startswith(b"\x89PNG\r\n\x1a\n"):
        return "png", "image/png"
    errors["photo"] = _("Only JPG or PNG photos can be sent.")
    return None


def _report_context(values: dict, errors: dict) -> dict:
    return {"values": values, "errors": errors, "types": _type_choices(),
            "categories": _categories(), "map_data": _map_data(), "limits": LIMITS,
            "photo_lost": bool(errors) and values.get("_had_photo")}


@never_cache
@require_http_methods(["GET", "POST"])
def report(request):
    if request.method == "GET":
        return render(request, "public/report.html", _report_context({}, {}))

    p = request.POST
    values = {k: _clean(p.get(k)) for k in
              ("name", "phone", "case_type", "category_root", "category", "description", "request", "address", "lon", "lat")}
    values["_had_photo"] = "photo" in request.FILES
    errors: dict[str, str] = {}

    if p.get(HONEYPOT):
        ctx = _report_context(values, {"form": _("Your request could not be sent. Please try again.")})
        return render(request, "public/report.html", ctx, status=400)

    for field, limit in LIMITS.items():
        if field in values and len(values[field]) > limit:
            errors[field] = _("At most %(n)s characters.") % {"n": limit}
    if not values["name"]:
        errors.setdefault("name", _("Please enter your name."))
    phone = crypto.normalise(values["phone"])
    if not values["phone"]:
        errors.setdefault("phone", _("Please enter your mobile number."))
    elif not (phone.isdigit() and 7 <= len(phone) <= 15):
        errors.setdefault("phone", _("This is not a valid phone number."))
    if values["case_type"] not in PUBLIC_TYPES:
        errors["case_type"] = _("Please choose the kind of request.")
    category = values["category"] or values["category_root"]
    if not category:
        errors["category"] = _("Please choose what it is about.")
    elif not CodeItem.objects.filter(type="case_category", code=category, active=True).exists():
        errors["category"] = _("Please choose what it is about.")
    if not values["description"]:
        errors.setdefault("description", _("Please say what happened."))
    lon, lat = _parse_point(values["lon"], values["lat"], errors)
    photo = request.FILES.get("photo")
    photo_kind = _check_photo(photo, errors)
    if errors:
        return render(request, "public/report.html", _report_context(values, errors), status=400)

    ip_key = f"zhili:public:report:ip:{_client_ip(request)}"
    phone_key = f"zhili:public:report:phone:{crypto.blind_index(phone, 'phone')}"
    if _count(ip_key) >= REPORT_LIMIT or _count(phone_key) >= REPORT_LIMIT:
        msg = _("Too many requests from this phone number or this network: at most %(n)s an hour. "
                "Please try again later, or call the service centre.") % {"n": REPORT_LIMIT}
        ctx = _report_context(values, {"form": msg})
        ctx["hall"] = hall_contact()
        return render(request, "public/report.html", ctx, status=429)

    try:
        with transaction.atomic():
            case = services.file_public_request(
                case_type=values["case_type"], category=category, description=values["description"],
                request=values["request"], address=values["address"], lon=lon, lat=lat,
                region_code=_district_code(), confidential=values["case_type"] == "report",
                parties=[{"name": values["name"], "phone": phone, "role": "applicant"}])
            if photo_kind:
                _store_photo(case, photo, *photo_kind)
    except Invalid as exc:
        for e in exc.errors:
            errors.setdefault(FIELD_OF.get(e["field"], "form"), _message(e))
        return render(request, "public/report.html", _report_context(values, errors), status=400)

    _bump(ip_key)
    _bump(phone_key)
    request.session[SESSION_FILED] = case.number
    return redirect("public:filed")


def _store_photo(case: Case, f, ext: str, content_type: str) -> None:
    original = os.path.basename(f.name or "")[:150] or f"photo.{ext}"
    stem = get_valid_filename(os.path.splitext(original)[0])[:40] or "photo"
    name = f"{stem}-{uuid.uuid4().hex[:8]}.{ext}"
    event = case.events.filter(action="register").first()
    att = Attachment(case=case, event=event, name=original, content_type=content_type, size=f.size)
    att.file.save(name, ContentFile(f.read()), save=False)
    att.save()


@never_cache
def filed(request):
    number = request.session.get(SESSION_FILED)
    if not number:
        return redirect("public:report")
    return render(request, "public/filed.html", {"number": number})


# ---------------------------------------------------------------- /track/

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

    values = {"number": _norm_number(request.POST.get("number", "")), "phone": _clean(request.POST.get("phone"))[:30]}
    errors: dict[str, str] = {}
    if not values["number"]:
        errors["number"] = _("Please enter the case number.")
    if not values["phone"]:
        errors["phone"] = _("Please enter the phone number you gave.")
    if errors:
        return render(request, "public/track.html", {"values": values, "errors": errors}, status=400)

    key = f"zhili:public:track:fail:{_client_ip(request)}"
    if _count(key) >= TRACK_FAIL_LIMIT:
        msg = _("Too many unsuccessful look-ups from this network. Please try again in an hour.")
        return render(request, "public/track.html", {"values": values, "errors": {"form": msg}}, status=429)

    case = (Case.objects.select_related("lead_unit", "master", "category")
            .filter(number=values["number"]).first())
    if case is None or not _phone_matches(case, values["phone"]):
        _bump(key)
        return render(request, "public/track.html", {"values": values, "errors": {}, "not_found": True}, status=404)

    en = _is_english()
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


# ---------------------------------------------------------------- /c/<token>/

def _gone(request, kind: str):
    """The friendly page for a link that cannot be used; it says nothing about the case."""
    status = 404 if kind == "unknown" else 410
    resp = render(request, "public/link_gone.html", {"kind": kind, "hall": hall_contact()}, status=status)
    return _private(resp)


def _token_problem(exc: Invalid) -> str:
    return "expired" if "expired" in (exc.errors[0].get("message_en") or "") else "used"


@csrf_exempt
@require_http_methods(["GET", "POST"])
def confirm(request, token: str):
    """The resident answers: solved? satisfied? Not solved or not satisfied reopens the case.

    The page is served with ``Referrer-Policy: no-referrer`` so the link never reaches anyone else.
    Under that policy browsers send ``Origin: null`` with a same-origin form POST, which Django's CSRF
    check refuses; the form is exempt instead: the unguessable one-time token in the URL is itself the
    proof that the request comes from the resident's page (a third party cannot forge a POST to a URL it
    does not know, and one that knows it needs no forgery). The language switch here is a plain link.
    """
    switched = _lang_redirect(request)
    if switched is not None:
        return switched
    try:
        tok = services.token_case(token)
    except NotFound:
        return _gone(request, "unknown")
    except Invalid as exc:
        return _gone(request, _token_problem(exc))
    case = tok.case
    values = {"solved": "", "satisfaction": "", "comment": ""}
    errors: dict[str, str] = {}
    status = 200
    if request.method == "POST":
        values = {"solved": request.POST.get("solved", ""), "satisfaction": request.POST.get("satisfaction", ""),
                  "comment": _clean(request.POST.get("comment"))}
        if values["solved"] not in ("yes", "no"):
            errors["solved"] = _("Please say whether the problem is solved.")
        if values["satisfaction"] not in Satisfaction.values:
            errors["satisfaction"] = _("Please say how satisfied you are.")
        if len(values["comment"]) > LIMITS["comment"]:
            errors["comment"] = _("At most %(n)s characters.") % {"n": LIMITS["comment"]}
        elif not values["comment"] and (values["solved"] == "no" or values["satisfaction"] == "unsatisfied"):
            errors["comment"] = _("Please tell us what is still wrong: it goes to the unit that handles it again.")
        if not errors:
            try:
                result = services.confirm_by_resident(token, solved=values["solved"] == "yes",
                                                      satisfaction=values["satisfaction"], comment=values["comment"])
            except NotFound:
                return _gone(request, "unknown")
            except Invalid as exc:
                if exc.errors[0]["field"] in ("token", "state"):
                    return _gone(request, _token_problem(exc) if exc.errors[0]["field"] == "token" else "used")
                for e in exc.errors:
                    errors.setdefault(e["field"] if e["field"] in values else "form", _message(e))
            else:
                c = result.case
                request.session[SESSION_CONFIRMED] = {"number": c.number, "closed": c.state == "closed"}
                return _private(redirect("public:confirmed"))
        status = 400
    ctx = {"case": case, "values": values, "errors": errors, "token": token,
           "satisfactions": Satisfaction.choices, "expires_on": _day(tok.expires_at)}
    return _private(render(request, "public/confirm.html", ctx, status=status))


@never_cache
def confirmed(request):
    done = request.session.get(SESSION_CONFIRMED)
    if not done:
        return redirect("public:track")
    return _private(render(request, "public/confirmed.html", {"done": done, "hall": hall_contact()}))

