"""``/report/``: a resident files a request (channel online) with an optional photo; the grid is
found from the point on the map. The form has a honeypot field and filings per phone and per
network are limited (``limits``); then the page that gives the case number."""

from __future__ import annotations

import math
import os
import uuid

from django.conf import settings
from django.core.files.base import ContentFile
from django.db import transaction
from django.shortcuts import redirect, render
from django.utils.text import get_valid_filename
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_http_methods

from zhili.core import crypto
from zhili.core.errors import Invalid
from zhili.core.models import CodeItem, Region

from .. import services
from ..models import Attachment, Case, CaseType
from . import limits
from .common import clean, hall_contact, is_english, message
from .limits import LIMITS, bump, client_ip, count

#: the types a resident chooses from, in this order
PUBLIC_TYPES = ("complaint", "help", "consult", "suggestion", "report", "dispute")
HONEYPOT = "website"
SESSION_FILED = "public_filed"

#: service error fields → the form field the message is shown next to
FIELD_OF = {
    "parties": "name", "parties.0.name": "name", "parties.0.phone": "phone", "phone": "phone",
    "lon": "location", "lat": "location", "grid": "location", "category": "category", "case_type": "case_type",
    "description": "description", "request": "request", "address": "address",
}


def _district_code() -> str:
    code = settings.ZHILI_DISTRICT_CODE
    return Region.objects.filter(level="district", prefix=code[:6]).values_list("code", flat=True).first() or ""


def _categories() -> list[dict]:
    """The two-level picker: top categories with their direct children."""
    en = is_english()
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
    if f.size > limits.PHOTO_MAX_BYTES:
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
    values = {k: clean(p.get(k)) for k in
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

    ip_key = f"zhili:public:report:ip:{client_ip(request)}"
    phone_key = f"zhili:public:report:phone:{crypto.blind_index(phone, 'phone')}"
    if count(ip_key) >= limits.REPORT_LIMIT or count(phone_key) >= limits.REPORT_LIMIT:
        msg = _("Too many requests from this phone number or this network: at most %(n)s an hour. "
                "Please try again later, or call the service centre.") % {"n": limits.REPORT_LIMIT}
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
            errors.setdefault(FIELD_OF.get(e["field"], "form"), message(e))
        return render(request, "public/report.html", _report_context(values, errors), status=400)

    bump(ip_key)
    bump(phone_key)
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
