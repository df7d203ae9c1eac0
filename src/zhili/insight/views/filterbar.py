"""The filter bar of the analysis page and its downloads: the GET parameters as a figures Filter
(default: this month so far, ending today), the quick periods, the regions, categories and units to choose from, and the
actor's cases of a filter."""

from __future__ import annotations

import datetime as dt
from urllib.parse import urlencode

from zhili.core.calendar import SHANGHAI
from zhili.core.inputs import MAX_ID

from .. import figures as fg
from . import base

# ---------------------------------------------------------------- the filter bar

def quick_periods(today: dt.date) -> list[tuple[str, str, dt.date, dt.date]]:
    """(key, label, start, end) of the quick picks 本月 / 本季度 / 本年 (so far: up to today, so that
    环比 compares the same days of the month before) and 上月 (the whole month)."""
    month = today.replace(day=1)
    q = today.replace(month=(today.month - 1) // 3 * 3 + 1, day=1)
    last_end = month - dt.timedelta(days=1)
    return [
        ("month", "本月", month, today),
        ("quarter", "本季度", q, today),
        ("year", "本年", today.replace(month=1, day=1), today),
        ("last_month", "上月", last_end.replace(day=1), last_end),
    ]


def _date(value: str) -> dt.date | None:
    try:
        return dt.date.fromisoformat(value) if value else None
    except ValueError:
        return None


def scope_prefix(user) -> str:
    return "" if user.is_superuser or not getattr(user, "region_id", None) else user.scope_prefix


def streets_in_scope(user):
    """The streets of the actor's scope, each with ``communities``: its communities in that scope
    (the filter bar's region choice: a street, or one of its communities)."""
    from zhili.core.models import Region

    prefix = scope_prefix(user)
    qs = Region.objects.filter(level="street").order_by("code")
    if prefix:
        qs = qs.filter(prefix__startswith=prefix[:9]) if len(prefix) >= 9 else qs.filter(code__startswith=prefix)
    streets = [{**s, "communities": []} for s in qs.values("code", "prefix", "name")]
    by_prefix = {s["prefix"]: s for s in streets}
    communities = Region.objects.filter(level="community").order_by("code")
    if prefix:
        communities = communities.filter(prefix__startswith=prefix)
    for c in communities.values("code", "prefix", "name"):
        street = by_prefix.get(c["prefix"][:9])
        if street is not None:
            street["communities"].append(c)
    return streets


def regions_allowed(streets: list[dict]) -> set[str]:
    """The region codes the filter accepts: the streets and their communities."""
    return {s["code"] for s in streets} | {c["code"] for s in streets for c in s["communities"]}


def root_categories():
    from zhili.core.models import CodeItem

    return list(CodeItem.objects.filter(type="case_category", parent__isnull=True).order_by("code").values("code", "label"))


def lead_units(user):
    from zhili.core.models import Organisation

    return list(Organisation.objects.filter(org_type__in=("department", "street_office")).order_by("name").values("pk", "name"))


def parse_filter(request) -> tuple[fg.Filter, dict]:
    """The Filter of the GET parameters (default: this month so far; a period is cut at today) and
    the values for the form."""
    g = request.GET
    today = base.today()
    quick = quick_periods(today)
    start, end = _date(g.get("start", "")), _date(g.get("end", ""))
    pick = g.get("period", "")
    for key, _label, s, e in quick:
        if pick == key:
            start, end = s, e
    if start and end and end > today:
        end = today  # no days that have not come: the figures, the trend and 环比 end today
    if not start or not end or end < start:
        start, end = quick[0][2], quick[0][3]
    region = g.get("region", "")
    if region not in regions_allowed(streets_in_scope(request.user)):
        region = ""
    category = g.get("category", "")
    if category not in {c["code"] for c in root_categories()}:
        category = ""
    from zhili.cases.models import Channel

    channel = g.get("channel", "") if g.get("channel", "") in Channel.values else ""
    raw_unit = g.get("unit", "")  # like the region and category: a value that names no unit is left out
    unit = int(raw_unit) if raw_unit.isdigit() and 0 < int(raw_unit) <= MAX_ID else None
    f = fg.Filter(request.user, region=region, start=start, end=end, category=category, channel=channel, unit=unit)
    params = {"start": start.isoformat(), "end": end.isoformat(), "region": region, "category": category,
              "channel": channel, "unit": unit or ""}
    query = urlencode({k: v for k, v in params.items() if v})
    form = {**params, "query": query, "quick": [(k, label, f"start={s}&end={e}", s == start and e == end)
                                                 for k, label, s, e in quick]}
    return f, form


def _bounds(f: fg.Filter) -> tuple[dt.datetime, dt.datetime]:
    return (dt.datetime.combine(f.start, dt.time(), SHANGHAI),
            dt.datetime.combine(f.end + dt.timedelta(days=1), dt.time(), SHANGHAI))


def filtered_cases(f: fg.Filter):
    """The actor's cases of the filter (period by registration time, region, category, channel, lead unit),
    without the not-accepted and merged ones — the cases the figures count as received."""
    from zhili.cases.selectors import cases_for

    lo, hi = _bounds(f)
    qs = cases_for(f.actor).filter(created_at__gte=lo, created_at__lt=hi).exclude(state__in=("merged", "rejected"))
    prefix = fg.region_prefix(f.region)
    if prefix:
        qs = qs.filter(region_code__startswith=prefix)
    if f.category:
        qs = qs.filter(category_id__in=fg.category_ids(f.category))
    if f.channel:
        qs = qs.filter(channel=f.channel)
    if f.unit:
        qs = qs.filter(lead_unit_id=f.unit)
    return qs
