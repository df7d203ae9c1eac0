"""The filters of the case lists and search (reading them, narrowing a case queryset, reporting a
bad filter) and the keyset pages of the lists."""

from __future__ import annotations

import base64
import binascii
import datetime as dt
from dataclasses import dataclass, field

from django.db.models import Q, QuerySet
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from zhili.core import crypto, inputs
from zhili.core.calendar import SHANGHAI
from zhili.core.models import CodeItem, Region

from ..models import CaseParty, CaseType, Channel, Tier
from ..selectors import with_name
from ..workflow import CLOCK_STATES, STATES
from .choices import category_code_path

PAGE_SIZE = 50


def encode_cursor(case) -> str:
    raw = f"{case.created_at.astimezone(dt.UTC).isoformat()}|{case.pk}"
    return base64.urlsafe_b64encode(raw.encode()).decode().rstrip("=")


def decode_cursor(cursor: str) -> tuple[dt.datetime, int] | None:
    try:
        raw = base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4)).decode()
        at_text, _sep, id_text = raw.partition("|")
        at = dt.datetime.fromisoformat(at_text)
        pk = int(id_text)
    except (ValueError, TypeError, binascii.Error, UnicodeDecodeError):
        return None
    if at.tzinfo is None or not 1970 <= at.year <= 2200 or not 0 < pk <= 2**63 - 1:
        return None
    return at, pk


def keyset_page(qs: QuerySet, after: str, size: int | None = None) -> tuple[list, str, bool]:
    """One page, newest first, after the cursor: (rows, next cursor or "", whether the cursor was bad)."""
    size = size or PAGE_SIZE
    bad = False
    if after:
        pos = decode_cursor(after)
        if pos is None:
            bad = True
        else:
            at, pk = pos
            qs = qs.filter(Q(created_at__lt=at) | Q(created_at=at, id__lt=pk))
    rows = list(qs.order_by("-created_at", "-id")[: size + 1])
    more = len(rows) > size
    rows = rows[:size]
    return rows, (encode_cursor(rows[-1]) if more and rows else ""), bad


FILTER_KEYS = (
    "number",
    "phone",
    "name",
    "category",
    "state",
    "lead_unit",
    "region",
    "grid",
    "created_from",
    "created_to",
    "channel",
    "case_type",
    "tier",
    "overdue",
    "q",
)


@dataclass
class Filters:
    values: dict
    errors: list = field(default_factory=list)

    @property
    def active(self) -> bool:
        return any(self.values.get(k) for k in FILTER_KEYS)

    def as_details(self) -> dict:
        """The filters for the audit log: a searched phone number as its mask and its blind index
        (the audit administrator finds the searches for a number by its index, nobody reads it back)."""
        details = {k: v for k, v in self.values.items() if v and k in FILTER_KEYS}
        if details.get("phone"):
            phone = details.pop("phone")
            details["phone_masked"] = crypto.mask_phone(phone)
            details["phone_index"] = crypto.blind_index(phone, "phone")
        return details


def _date(text: str, name: str, errors: list) -> dt.date | None:
    if not text:
        return None
    try:
        d = dt.date.fromisoformat(text)
    except ValueError:
        errors.append({"field": name, "message": str(_("Not a date, e.g. 2026-11-26"))})
        return None
    if not 1970 <= d.year <= 2200:
        errors.append({"field": name, "message": str(_("Not a date, e.g. 2026-11-26"))})
        return None
    return d


def _day_start(d: dt.date) -> dt.datetime:
    return dt.datetime.combine(d, dt.time.min, tzinfo=SHANGHAI)


#: the longest value a filter takes (a region or grid code, a number, a phone, a title's words)
FILTER_MAX = 100


def parse_filters(get) -> Filters:
    """The filters as typed; a value with control characters or over FILTER_MAX characters is
    reported (and dropped), never cut."""
    values, errors = {}, []
    for k in FILTER_KEYS:
        v = (get.get(k) or "").strip()
        e = inputs.text_error(k, v, FILTER_MAX, multiline=False)
        if e:
            errors.append(e)
            v = ""
        values[k] = v
    return Filters(values=values, errors=errors)


def _with_name(qs: QuerySet, text: str, errors: list, *, sees_confidential: bool) -> QuerySet:
    if len("".join(text.split())) > 60:
        errors.append({"field": "name", "message": str(_("The name is too long"))})
        return qs
    qs = with_name(qs, text)
    if not sees_confidential:  # as for the phone: a department may not find out who reported a confidential case
        qs = qs.filter(confidential=False)
    return qs


def apply_filters(qs: QuerySet, f: Filters, actor, *, sees_confidential: bool) -> QuerySet:
    """Narrow a case queryset by the filters; a bad filter is reported and matches nothing."""
    v, errors = f.values, f.errors
    now = timezone.now()
    if v["number"]:
        qs = qs.filter(number=v["number"])
    if v["phone"]:
        norm = crypto.normalise(v["phone"])
        if not (norm.isascii() and norm.isdigit() and 7 <= len(norm) <= 15):
            errors.append({"field": "phone", "message": str(_("The phone number is not valid"))})
        else:
            idx = crypto.blind_index(norm, "phone")
            qs = qs.filter(
                Q(reporter_phone_index=idx)
                | Q(id__in=CaseParty.objects.filter(resident__phone_index=idx).values("case_id"))
            )
            if not sees_confidential:  # a department may not find out who reported a confidential case
                qs = qs.filter(confidential=False)
    if v["name"]:
        qs = _with_name(qs, v["name"], errors, sees_confidential=sees_confidential)
    if v["category"]:
        cat = CodeItem.objects.filter(type="case_category", code=v["category"]).first()
        if cat is None:
            errors.append({"field": "category", "message": str(_("Unknown category"))})
        else:
            path = category_code_path(cat)
            qs = qs.filter(Q(category_path=path) | Q(category_path__startswith=path + "/"))
    if v["state"]:
        if v["state"] not in STATES:
            errors.append({"field": "state", "message": str(_("Unknown state"))})
        else:
            qs = qs.filter(state=v["state"])
    if v["lead_unit"]:
        if inputs.int_error("lead_unit", v["lead_unit"]):
            errors.append({"field": "lead_unit", "message": str(_("Unknown unit"))})
        else:
            qs = qs.filter(lead_unit_id=int(v["lead_unit"]))
    if v["region"]:
        r = Region.objects.filter(code=v["region"]).first()
        if r is None or not (actor.is_superuser or r.prefix.startswith(actor.scope_prefix)):
            errors.append({"field": "region", "message": str(_("The region lies outside your data scope"))})
        else:
            qs = qs.filter(region_code__startswith=r.prefix)
    if v["grid"]:
        g = v["grid"]
        qs = qs.filter(Q(grid__code=g) | Q(grid__name=g))
    start = _date(v["created_from"], "created_from", errors)
    end = _date(v["created_to"], "created_to", errors)
    if start:
        qs = qs.filter(created_at__gte=_day_start(start))
    if end:
        if start and end < start:
            errors.append({"field": "created_to", "message": str(_("The end date is before the start date"))})
        qs = qs.filter(created_at__lt=_day_start(end) + dt.timedelta(days=1))
    for name, allowed in (("channel", Channel.values), ("case_type", CaseType.values), ("tier", Tier.values)):
        if v[name]:
            if v[name] not in allowed:
                errors.append({"field": name, "message": str(_("Not one of the choices"))})
            else:
                qs = qs.filter(**{name: v[name]})
    if v["overdue"] in ("1", "0"):
        late = Q(state__in=CLOCK_STATES, due_at__lt=now)
        qs = qs.filter(late) if v["overdue"] == "1" else qs.exclude(late)
    if v["q"]:
        qs = qs.filter(title__icontains=v["q"])
    return qs.none() if errors else qs

