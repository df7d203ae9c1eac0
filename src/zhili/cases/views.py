"""Office pages of the case lifecycle (矛调助理): intake at the window, the to-do list, search and
Excel export, the case page with its workflow actions, attachments, the mediation agreement and
the staff inbox.

Thin adapters: parse the input (``forms``), call one service or selector, render. The buttons
and forms of the case page come from ``services.available_actions`` and the FieldSpecs of the
workflow table. Domain errors: ``NotFound`` → 404 (``web.views.domain_errors``), ``Forbidden``
→ the 403 page, ``Invalid`` → the form again with each message beside its field.
"""

from __future__ import annotations

import datetime as dt
import io

import segno
from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.http import FileResponse, Http404, HttpResponse
from django.shortcuts import redirect, render
from django.urls import NoReverseMatch, reverse
from django.utils import timezone, translation
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_GET, require_POST

from zhili.core import audit, crypto
from zhili.core import selectors as core_selectors
from zhili.core.calendar import SHANGHAI
from zhili.core.errors import Forbidden, Invalid, NotFound
from zhili.core.http import domain_errors
from zhili.core.models import CodeItem, Region

from . import deadlines, documents, forms, notify, selectors, services
from .api import INTAKE_ROLES as FULL_PHONE_ROLES
from .models import (
    Attachment,
    Case,
    CaseEvent,
    Channel,
    Notification,
    PartyRole,
    Satisfaction,
)
from .workflow import ACTIONS, CLOCK_STATES, STATES

CASE_ROLES = selectors.UNIT_ROLES | selectors.REGION_ROLES
EXPORT_MAX_ROWS = 50_000
#: roles that may download the agreement: it carries the parties' full ID numbers and phones
AGREEMENT_ROLES = FULL_PHONE_ROLES | {"mediator"}
SESSION_LINKS = "zhili.cases.confirm_links"
EVENT_LABELS = {"register": gettext_lazy("Register"), "merged_in": gettext_lazy("Another case merged in")}
NOTIFICATION_KINDS = {
    "todo": gettext_lazy("To sign"),
    "cooperate": gettext_lazy("To cooperate"),
    "returned": gettext_lazy("Returned"),
    "supervise": gettext_lazy("Supervised"),
    "urge": gettext_lazy("Urged"),
    "extension": gettext_lazy("Extension"),
    "check": gettext_lazy("To check"),
    "rework": gettext_lazy("Rework"),
    "due_soon": gettext_lazy("Due soon"),
    "overdue": gettext_lazy("Overdue"),
}


# ---------------------------------------------------------------- helpers


def _require_case_role(user) -> None:
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


# ---------------------------------------------------------------- intake (登记)


def _scope_map(user) -> dict | None:
    """The outline of the user's scope and the regions just below it, for the intake map."""
    try:
        scope = core_selectors.region(user, user.region.code)
        children = list(
            core_selectors.regions(user, parent=scope.code)
            .exclude(geometry=None)
            .values("code", "name", "geometry")[:200]
        )
    except (NotFound, Forbidden):
        return None
    if not scope.geometry and not children:
        return None
    return {"region": {"name": scope.name, "geometry": scope.geometry}, "children": children}


def _grid_options(user) -> list[dict]:
    try:
        grids = core_selectors.regions(user, level="grid").select_related("parent")[:2000]
    except Forbidden:
        return []
    return [
        {"code": g.code, "name": g.name, "community": g.parent.name if g.parent_id else ""} for g in grids
    ]


def _intake_page(request, data: forms.Intake, status: int = 200):
    user = request.user
    return render(
        request,
        "cases/intake.html",
        {
            "data": data,
            "v": data.values,
            "errors": data.errors,
            "summary": data.summary(),
            "channels": forms.channel_choices(),
            "case_types": forms.case_type_choices(),
            "tiers": forms.tier_choices(),
            "urgencies": forms.urgency_choices(),
            "party_roles": forms.party_role_choices(),
            "categories": forms.category_options(),
            "grids": _grid_options(user),
            "map_data": _scope_map(user),
            "can_resolve": user.is_superuser or user.role in ACTIONS["resolve_on_spot"].roles,
            "tile_url": settings.ZHILI_MAP_TILE_URL,
        },
        status=status,
    )


@login_required
def intake(request):
    """登记: the window's intake form. 登记 registers; 当场办结 registers and settles a simple matter at once."""
    user = request.user
    if not (user.is_superuser or user.role in forms.INTAKE_ROLES):
        raise PermissionDenied(_("Your role may not register cases."))
    if request.method != "POST":
        return _intake_page(request, forms.blank_intake(user))
    data = forms.parse_intake(request.POST, user)
    token = None
    case = None
    with transaction.atomic():
        try:
            case = services.register_case(user, **data.kwargs())
            if data.resolve and not data.errors:
                token = services.act(
                    user, case, "resolve_on_spot", {"result": data.values["result"]}
                ).confirmation_token
        except Invalid as exc:
            data.add_errors(exc.errors)
        except Forbidden as exc:
            data.general.append(exc.errors[0]["message"])
        if data.errors or data.general:
            # all or nothing: nothing is registered while the form still shows a problem
            transaction.set_rollback(True)
            case = None
    if case is None:
        return _intake_page(request, data, status=400)
    if token:
        remember_link(request, case.number, token)
    return redirect("cases:receipt", number=case.number)


def _phone_cases(user, phone: str):
    norm = crypto.normalise(phone)
    if not (norm.isascii() and norm.isdigit() and 7 <= len(norm) <= 15):
        return None
    idx = crypto.blind_index(norm, "phone")
    qs = selectors.with_phone(selectors.cases_for(user), idx)
    if not sees_full_phone(user):
        qs = qs.filter(confidential=False)
    return qs


@login_required
@require_GET
def intake_history(request):
    """The resident's earlier cases, as the clerk types the phone number (htmx)."""
    user = request.user
    if not (user.is_superuser or user.role in forms.INTAKE_ROLES):
        raise PermissionDenied
    phone = (request.GET.getlist("party_phone") or [""])[0].strip() or request.GET.get("phone", "").strip()
    qs = _phone_cases(user, phone) if phone else None
    rows, total = [], 0
    if qs is not None:
        now = timezone.now()
        total = qs.count()
        found = list(qs.select_related(*ROW_RELATED).order_by("-created_at", "-id")[:8])
        rows = case_rows(user, found, now)
        for r in rows:
            t = r["created_at"]
            r["when"] = f"{t.year}年{t.month}月{t.day}日"
            r["month"] = f"{t.month}月"
    return render(
        request,
        "cases/_history.html",
        {"phone": phone, "valid": qs is not None, "rows": rows, "total": total},
    )


@login_required
@require_GET
def intake_duplicates(request):
    """Likely duplicates of what is being typed (services.find_duplicates), beside the form (htmx)."""
    user = request.user
    if not (user.is_superuser or user.role in forms.INTAKE_ROLES):
        raise PermissionDenied
    g = request.GET
    lon, lat = forms._float(g.get("lon", "")), forms._float(g.get("lat", ""))
    if lon == "bad" or lat == "bad" or (lon is None) != (lat is None):
        lon = lat = None
    phone = (g.getlist("party_phone") or [""])[0].strip()
    norm = crypto.normalise(phone)
    if not (norm.isascii() and norm.isdigit() and 7 <= len(norm) <= 15):
        phone = ""
    text = f"{g.get('title', '')} {g.get('description', '')}".strip()[:2000]
    category = g.get("category", "").strip()[:40]
    found = []
    if category or phone or len(text) >= 4 or lon is not None:
        found = services.find_duplicates(
            user, category=category, lon=lon, lat=lat, phone=phone, text=text, limit=5
        )
    return render(
        request,
        "cases/_duplicates.html",
        {"items": _duplicate_rows(user, found), "asked": bool(found) or bool(text)},
    )


def _duplicate_rows(user, found: list[dict], now=None) -> list[dict]:
    now = now or timezone.now()
    out = []
    cases = [item["case"] for item in found]
    rows = {r["number"]: r for r in case_rows(user, cases, now)}
    for item in found:
        case, reasons = item["case"], list(item["reasons"])
        if withheld(user, case) and "同一反映人" in reasons:  # the phone must not point to the reporter
            reasons.remove("同一反映人")
            if not reasons:
                continue
        out.append({**rows[case.number], "reasons": reasons})
    return out


# ---------------------------------------------------------------- the confirmation link (after check_pass / resolve_on_spot)


def remember_link(request, number: str, raw: str) -> None:
    """The resident's one-time link exists only as the service returned it: keep it in this session
    so that the clerk can show its QR code until it is used or expires."""
    links = dict(request.session.get(SESSION_LINKS, {}))
    links[number] = raw
    request.session[SESSION_LINKS] = dict(list(links.items())[-20:])


def confirmation_link(request, case: Case) -> str | None:
    raw = request.session.get(SESSION_LINKS, {}).get(case.number)
    if not raw:
        return None
    try:
        tok = services.token_case(raw)
    except (Invalid, NotFound):
        tok = None
    if tok is None or tok.case_id != case.pk or case.state != "callback":
        links = dict(request.session.get(SESSION_LINKS, {}))
        links.pop(case.number, None)
        request.session[SESSION_LINKS] = links
        return None
    return absolute(request, notify.confirm_url(raw))


# ---------------------------------------------------------------- receipt (回执)


@login_required
@domain_errors
def receipt(request, number: str):
    user = request.user
    _require_case_role(user)
    case = selectors.case_for(user, number)
    lookup = public_lookup_url(request, case)
    link = confirmation_link(request, case)
    merge_allowed = any(a.name == "merge" for a in services.available_actions(user, case))
    duplicates = []
    if merge_allowed:
        found = services.find_duplicates(
            user,
            category=case.category.code,
            lon=case.lon,
            lat=case.lat,
            phone=case.reporter.phone if case.reporter_id else "",
            text=f"{case.title} {case.description}",
            exclude=case.pk,
            limit=5,
        )
        duplicates = _duplicate_rows(user, found)
    return render(
        request,
        "cases/receipt.html",
        {
            "case": case,
            "date": cn_date(case.created_at),
            "category_path": forms.category_path_label(case.category_path),
            "lookup_url": lookup,
            "lookup_qr": qr_svg(lookup, _("Follow your request")),
            "confirm_url": link,
            "confirm_qr": qr_svg(link, _("Confirm the result")) if link else "",
            "unit": case.lead_unit.name if case.lead_unit_id else "",
            "registered_org": case.registered_org.name if case.registered_org_id else "",
            "state": state_tag(case, timezone.now()),
            "duplicates": duplicates,
            "merge_allowed": merge_allowed,
            "reporter": case.reporter if case.reporter_id and not withheld(user, case) else None,
        },
    )


# ---------------------------------------------------------------- to-do list (待办)

BUCKET_ORDER = (
    "to_accept",
    "to_dispatch",
    "to_sign",
    "to_handle",
    "to_cooperate",
    "extensions",
    "to_check",
    "to_callback",
    "to_mediate",
    "major_without_meeting",
    "due_soon",
    "overdue",
)


def todo_tabs(user) -> tuple[dict, list[dict]]:
    buckets = selectors.todo_buckets(user)
    counts = selectors.todo_counts(user, buckets)
    names = sorted(buckets, key=lambda k: BUCKET_ORDER.index(k) if k in BUCKET_ORDER else 99)
    tabs = []
    for name in names:
        n = counts[name]
        css = "orange" if name == "due_soon" else "red"
        tabs.append(
            {
                "key": name,
                "label": selectors.BUCKET_LABELS.get(name, name),
                "count": n,
                "css": css if n else "grey",
            }
        )
    return buckets, tabs


@login_required
@domain_errors
def todo(request):
    """我的待办: the buckets of the user's role as tabs with counts, the chosen one as a table."""
    user = request.user
    _require_case_role(user)
    buckets, tabs = todo_tabs(user)
    current = request.GET.get("bucket", "")
    if current not in buckets:
        current = next((t["key"] for t in tabs if t["count"]), tabs[0]["key"] if tabs else "")
    now = timezone.now()
    rows, next_cursor, bad = [], "", False
    if current:
        qs = buckets[current].select_related(*ROW_RELATED)
        found, next_cursor, bad = forms.keyset_page(qs, request.GET.get("after", ""))
        rows = case_rows(user, found, now)
    for t in tabs:
        t["active"] = t["key"] == current
    return render(
        request,
        "cases/todo.html",
        {
            "tabs": tabs,
            "current": current,
            "rows": rows,
            "next_cursor": next_cursor,
            "bad_cursor": bad,
            "is_continued": bool(request.GET.get("after")),
            "current_label": selectors.BUCKET_LABELS.get(current, current),
            "can_register": user.is_superuser or user.role in forms.INTAKE_ROLES,
        },
    )


# ---------------------------------------------------------------- search and export


def _filtered(request):
    user = request.user
    f = forms.parse_filters(request.GET)
    bucket = request.GET.get("bucket", "")
    if bucket:
        buckets = selectors.todo_buckets(user)
        if bucket not in buckets:
            f.errors.append({"field": "bucket", "message": _("This to-do list does not apply to your role")})
            return selectors.cases_for(user).none(), f
        qs = buckets[bucket]
    else:
        qs = selectors.cases_for(user)
    qs = forms.apply_filters(qs, f, user, sees_confidential=sees_full_phone(user))
    return qs, f


def _filter_choices(user) -> dict:
    try:
        regions = list(
            core_selectors.regions(user).filter(level__in=("street", "community")).select_related("parent")
        )
    except Forbidden:
        regions = []
    return {
        "states": list(STATES.items()),
        "channels": forms.channel_choices(),
        "case_types": forms.case_type_choices(),
        "tiers": forms.tier_choices(),
        "categories": forms.category_options(),
        "units": forms.unit_groups(),
        "regions": regions,
    }


@login_required
@domain_errors
def search(request):
    """案件查询: filters above a table, keyset pages (下一页 carries the cursor), 导出 Excel of the same filters."""
    user = request.user
    _require_case_role(user)
    qs, f = _filtered(request)
    found, next_cursor, bad = forms.keyset_page(qs.select_related(*ROW_RELATED), request.GET.get("after", ""))
    if bad:
        f.errors.append(
            {
                "field": "after",
                "message": _("The page link is no longer valid: start again from the first page"),
            }
        )
    params = request.GET.copy()
    params.pop("after", None)
    first_query = params.urlencode()
    next_query = ""
    if next_cursor:
        params["after"] = next_cursor
        next_query = params.urlencode()
    return render(
        request,
        "cases/search.html",
        {
            "rows": case_rows(user, found, timezone.now()),
            "f": f.values,
            "filter_errors": f.errors,
            "filtered": f.active,
            "next_query": next_query,
            "first_query": first_query,
            "is_continued": bool(request.GET.get("after")),
            **_filter_choices(user),
            "export_query": first_query,
            "export_max": EXPORT_MAX_ROWS,
        },
    )


EXPORT_COLUMNS = (
    gettext_lazy("Case number"),
    gettext_lazy("Title"),
    gettext_lazy("Category"),
    gettext_lazy("State"),
    gettext_lazy("Channel"),
    gettext_lazy("Type"),
    gettext_lazy("Tier"),
    gettext_lazy("Urgency"),
    gettext_lazy("Reporter"),
    gettext_lazy("Reporter's phone"),
    gettext_lazy("Street"),
    gettext_lazy("Grid"),
    gettext_lazy("Lead unit"),
    gettext_lazy("Registered at"),
    gettext_lazy("Handle by"),
    gettext_lazy("Time left"),
    gettext_lazy("Closed at"),
    gettext_lazy("Satisfaction"),
)


@login_required
@domain_errors
@require_GET
def export_xlsx(request):
    """导出 Excel of the filtered list (at most EXPORT_MAX_ROWS rows); phones masked; audited."""
    from openpyxl import Workbook
    from openpyxl.cell import WriteOnlyCell
    from openpyxl.styles import Alignment, Font, PatternFill

    user = request.user
    _require_case_role(user)
    qs, f = _filtered(request)
    if f.errors:
        messages.error(request, "；".join(str(e["message"]) for e in f.errors))
        return redirect(reverse("cases:search") + "?" + request.GET.urlencode())
    wb = Workbook(write_only=True)
    ws = wb.create_sheet(_("Case list"))
    ws.freeze_panes = "A2"
    widths = (16, 36, 18, 12, 12, 10, 8, 8, 10, 14, 14, 16, 20, 18, 18, 16, 18, 10)
    for i, w in enumerate(widths):
        ws.column_dimensions[chr(ord("A") + i)].width = w
    bold, fill = Font(bold=True), PatternFill("solid", fgColor="EBF2FD")
    header = []
    for title in EXPORT_COLUMNS:
        cell = WriteOnlyCell(ws, value=str(title))
        cell.font, cell.fill, cell.alignment = bold, fill, Alignment(vertical="center")
        header.append(cell)
    ws.append(header)
    labels = category_labels()
    streets: dict[str, str] = {}
    now = timezone.now()
    channel = dict(Channel.choices)
    from .models import CaseType, Tier, Urgency

    case_type, tier, urgency = dict(CaseType.choices), dict(Tier.choices), dict(Urgency.choices)
    satisfaction = dict(Satisfaction.choices)
    rows = 0
    qs = qs.select_related(*ROW_RELATED).order_by("-created_at", "-id")[:EXPORT_MAX_ROWS]
    batch: list[Case] = []

    def flush(batch):
        nonlocal rows
        missing = {street_code(c.region_code) for c in batch} - set(streets)
        streets.update(region_names(missing))
        for c in batch:
            rep = reporter_cell(user, c)
            who = _("(confidential)") if rep["withheld"] else rep["name"]
            ws.append(
                [
                    c.number,
                    c.title,
                    forms.category_path_label(c.category_path, labels),
                    str(STATES.get(c.state, c.state)),
                    str(channel.get(c.channel, c.channel)),
                    str(case_type.get(c.case_type, c.case_type)),
                    str(tier.get(c.tier, c.tier)),
                    str(urgency.get(c.urgency, c.urgency)),
                    who,
                    rep["phone"],
                    streets.get(street_code(c.region_code), ""),
                    c.grid.name if c.grid_id else "",
                    c.lead_unit.name if c.lead_unit_id else "",
                    local(c.created_at).replace(tzinfo=None) if c.created_at else None,
                    local(c.due_at).replace(tzinfo=None) if c.due_at else None,
                    time_left(c, now)["text"],
                    local(c.closed_at).replace(tzinfo=None) if c.closed_at else None,
                    str(satisfaction.get(c.satisfaction, "")) if c.satisfaction else "",
                ]
            )
            rows += 1

    for c in qs.iterator(chunk_size=2000):
        batch.append(c)
        if len(batch) >= 2000:
            flush(batch)
            batch = []
    if batch:
        flush(batch)
    buf = io.BytesIO()
    wb.save(buf)
    audit.record(
        user,
        "case.export",
        details={
            "filters": {
                **f.as_details(),
                **({"bucket": request.GET["bucket"]} if request.GET.get("bucket") else {}),
            },
            "rows": rows,
        },
    )
    stamp = timezone.now().astimezone(SHANGHAI).strftime("%Y%m%d-%H%M")
    response = HttpResponse(
        buf.getvalue(), content_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    )
    response["Content-Disposition"] = f'attachment; filename="cases-{stamp}.xlsx"'
    return response


# ---------------------------------------------------------------- the case page


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
            "open_action": open_action,
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
    _require_case_role(user)
    case = selectors.case_for(user, number)
    return _render_case(request, case)


@login_required
@domain_errors
def act(request, number: str, action: str):
    """Perform one action of the workflow table (services.act) and go back to the case page."""
    user = request.user
    _require_case_role(user)
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


# ---------------------------------------------------------------- attachments


@login_required
@domain_errors
@require_POST
def attach(request, number: str):
    """Upload an attachment to a case (photos, documents); refused types and sizes say why."""
    user = request.user
    _require_case_role(user)
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
    _require_case_role(user)
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
    _require_case_role(user)
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


# ---------------------------------------------------------------- inbox


@login_required
def inbox(request):
    """消息: the user's notifications, unread first; each leads to its case."""
    user = request.user
    mine = Notification.objects.filter(user=user).select_related("case")
    unread = list(mine.filter(read_at__isnull=True).order_by("-created_at", "-id")[:200])
    read = list(mine.filter(read_at__isnull=False).order_by("-created_at", "-id")[:50])

    def rows(items):
        return [
            {"n": n, "kind": NOTIFICATION_KINDS.get(n.kind, n.kind), "at": local(n.created_at)} for n in items
        ]

    return render(
        request,
        "cases/inbox.html",
        {
            "unread": rows(unread),
            "read": rows(read),
            "unread_total": mine.filter(read_at__isnull=True).count(),
        },
    )


@login_required
@require_POST
@domain_errors
def inbox_read(request, pk: int):
    n = services.read_notification(request.user, notification_id=pk)
    if request.POST.get("open") and n.case_id:
        return redirect("cases:detail", number=n.case.number)
    return redirect("cases:inbox")


@login_required
@require_POST
def inbox_read_all(request):
    ids = list(
        Notification.objects.filter(user=request.user, read_at__isnull=True).values_list("pk", flat=True)[
            :1000
        ]
    )
    for pk in ids:
        services.read_notification(request.user, notification_id=pk)
    return redirect("cases:inbox")
