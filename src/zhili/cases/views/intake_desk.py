"""The intake desk (登记): the intake form, the resident's earlier cases and the likely duplicates
beside it (htmx), the receipt (回执), and the resident's confirmation link kept in the session
(after check_pass / resolve_on_spot) so that its QR code can be shown."""

from __future__ import annotations

from django.conf import settings
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET

from zhili.core import crypto
from zhili.core import selectors as core_selectors
from zhili.core.errors import Forbidden, Invalid, NotFound
from zhili.core.http import domain_errors

from .. import forms, notify, selectors, services
from ..models import Case
from ..workflow import ACTIONS
from .common import (
    ROW_RELATED,
    absolute,
    case_rows,
    cn_date,
    public_lookup_url,
    qr_svg,
    registrar,
    require_case_role,
    sees_full_phone,
    state_tag,
    withheld,
)

SESSION_LINKS = "zhili.cases.confirm_links"


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
    lon, lat = forms.to_float(g.get("lon", "")), forms.to_float(g.get("lat", ""))
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
    # without a configured public address: the address this page was reached at (the hall's network)
    return notify.confirm_url(raw) if settings.ZHILI_PUBLIC_URL else absolute(request, notify.confirm_path(raw))


# ---------------------------------------------------------------- receipt (回执)


@login_required
@domain_errors
def receipt(request, number: str):
    user = request.user
    require_case_role(user)
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
            "registrar": registrar(case),
            "state": state_tag(case, timezone.now()),
            "duplicates": duplicates,
            "merge_allowed": merge_allowed,
            "reporter": case.reporter if case.reporter_id and not withheld(user, case) else None,
        },
    )
