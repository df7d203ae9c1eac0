"""What the office pages of cases share: who handles cases and who sees full phone numbers,
dates and times in Asia/Shanghai, QR codes and public links, the state tag and time left, region
and category names, and the rows the case tables show."""

from __future__ import annotations

import datetime as dt

import segno
from django.conf import settings
from django.core.exceptions import PermissionDenied
from django.urls import NoReverseMatch, reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from zhili.core import crypto
from zhili.core.calendar import SHANGHAI
from zhili.core.models import CodeItem, Region

from .. import deadlines, forms, selectors
from ..api import INTAKE_ROLES as FULL_PHONE_ROLES
from ..models import Case
from ..workflow import CLOCK_STATES, STATES

CASE_ROLES = selectors.UNIT_ROLES | selectors.REGION_ROLES
#: an export writes at most this many rows (more than 2,000 run as a background job: cases.exports)
EXPORT_MAX_ROWS = 200_000
#: roles that may download the agreement: it carries the parties' full ID numbers and phones
AGREEMENT_ROLES = FULL_PHONE_ROLES | {"mediator"}


def require_case_role(user) -> None:
    if not (user.is_superuser or user.role in CASE_ROLES):
        raise PermissionDenied(_("Your role does not handle cases."))


def sees_full_phone(user) -> bool:
    """Intake staff (window, centre, street and community) see full phone numbers and confidential reporters."""
    return user.is_superuser or user.role in FULL_PHONE_ROLES


def withheld(user, case: Case) -> bool:
    """A confidential case (举报人保密) hides its reporter from every role but intake staff."""
    return case.confidential and not sees_full_phone(user)


def cn_date(t) -> str:
    """2026年11月26日"""
    if t is None:
        return ""
    if isinstance(t, dt.datetime):
        t = t.astimezone(SHANGHAI)
    return f"{t.year}年{t.month}月{t.day}日"


def local(t):
    return t.astimezone(SHANGHAI) if t is not None else None


def qr_svg(url: str, title: str = "") -> str:
    return segno.make(url, error="m").svg_inline(scale=4, dark="#1d2733", title=title or None, svgclass="qr")


def absolute(request, url: str) -> str:
    """A link a phone can open: the configured public address, else the one this page was reached at."""
    if url.startswith(("http://", "https://")):
        return url
    return request.build_absolute_uri(url)


#: who registered a case that no staff member registered (or a channel's own name when one did not)
CHANNEL_REGISTRARS = {
    "online": gettext_lazy("Online self-service"),
    "phone": gettext_lazy("12345 hotline"),
    "platform": gettext_lazy("Pushed by a platform"),
    "open311": gettext_lazy("Pushed by a platform (Open311)"),
    "grid": gettext_lazy("Reported by a grid worker"),
    "window": gettext_lazy("Service hall window"),
    "petition": gettext_lazy("Petition office"),
    "leader": gettext_lazy("Assigned by a leader"),
}


def registrar(case: Case) -> str:
    """Who registered the case, as the receipt says it: the unit and the staff member, or — for a
    case that came in without one (online, the hotline, a platform) — the channel's proper name."""
    who = " ".join(str(x) for x in (case.registered_org.name if case.registered_org_id else "",
                                     case.registered_by if case.registered_by_id else "") if x)
    return who or str(CHANNEL_REGISTRARS.get(case.channel, case.get_channel_display()))


def public_lookup_url(request, case: Case) -> str:
    """Where the resident follows the case (the public lookup page, number + phone)."""
    base = getattr(settings, "ZHILI_PUBLIC_URL", "").rstrip("/")
    path = ""
    for name in ("public:lookup", "public:track", "public_lookup", "lookup", "track"):
        try:
            path = reverse(name)
            break
        except NoReverseMatch:
            continue
    path = path or "/track/"
    url = (
        f"{base}{path}?number={case.number}"
        if base
        else request.build_absolute_uri(f"{path}?number={case.number}")
    )
    return url


def state_tag(case: Case, now: dt.datetime) -> dict:
    """The state's label and colour: green done, orange due soon, red overdue, grey ended otherwise."""
    label = STATES.get(case.state, case.state)
    if case.state in ("closed", "archived"):
        css = "green"
    elif case.state in ("rejected", "merged"):
        css = "grey"
    elif case.state in CLOCK_STATES and case.due_at and case.due_at < now:
        css = "red"
    elif case.state in CLOCK_STATES and case.due_at and case.due_at < now + dt.timedelta(days=1):
        css = "orange"
    else:
        css = "blue"
    return {"label": label, "css": css}


def time_left(case: Case, now: dt.datetime) -> dict:
    """Until the signing or handling deadline, while the clock runs (frozen while suspended)."""
    if case.state not in CLOCK_STATES and case.state != "suspended":
        return {"text": "", "css": ""}
    text, css = deadlines.humanise(deadlines.time_left(case, now))
    return {"text": text, "css": {"ok": "green", "soon": "orange", "late": "red"}.get(css, "")}


def region_names(codes) -> dict[str, str]:
    return dict(Region.objects.filter(code__in=set(codes)).values_list("code", "name"))


def category_labels() -> dict[str, str]:
    return dict(CodeItem.objects.filter(type="case_category").values_list("code", "label"))


def street_code(region_code: str) -> str:
    return region_code[:9] + "000" if len(region_code) >= 9 else region_code


def reporter_cell(user, case: Case) -> dict:
    if not case.reporter_id:
        return {"name": "", "phone": "", "withheld": False}
    if withheld(user, case):
        return {"name": "", "phone": "", "withheld": True}
    return {
        "name": crypto.mask_name(case.reporter.name),
        "phone": crypto.mask_phone(case.reporter.phone or ""),
        "withheld": False,
    }


def case_rows(user, cases: list[Case], now: dt.datetime) -> list[dict]:
    """What the tables show of each case: number, title, category, reporter (masked), place, unit, state, time left."""
    streets = region_names(street_code(c.region_code) for c in cases)
    labels = category_labels() if cases else {}
    rows = []
    for c in cases:
        rows.append(
            {
                "case": c,
                "number": c.number,
                "title": c.title,
                "category": labels.get(c.category.code, c.category.label),
                "category_path": forms.category_path_label(c.category_path, labels),
                "reporter": reporter_cell(user, c),
                "street": streets.get(street_code(c.region_code), ""),
                "grid": c.grid.name if c.grid_id else "",
                "lead_unit": c.lead_unit.name if c.lead_unit_id else "",
                "state": state_tag(c, now),
                "time_left": time_left(c, now),
                "created_at": local(c.created_at),
                "card": c.card,
                "urgency": c.urgency,
                "confidential": c.confidential,
            }
        )
    return rows


ROW_RELATED = ("category", "grid", "lead_unit", "reporter")
