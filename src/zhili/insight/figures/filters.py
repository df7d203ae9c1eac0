"""The Filter of every figure and what answers it: whose (the actor's data scope), where, when, what
and which lead unit; the calendar months of a period; and which rollup tables hold a filter.

A :class:`Filter` says whose figures (the actor: the data scope always applies), where (a region
prefix), when (dates in Asia/Shanghai, both ends included), what (a category and its
sub-categories, a channel) or which lead unit. :func:`scope` narrows it to the actor's data scope
and :func:`parts` gives the queries that answer it. ``today`` and ``SPLIT_MONTHS`` are read here at
call time (tests patch them on this module).

Which rollup tables answer:

* ``MonthlyStreetRollup`` (month × street × category × channel) and ``DailyStreetRollup`` (day ×
  street × category × channel): region prefixes of up to 9 digits (district, street), categories,
  channels, any period by day. A period is split (:func:`month_split`): its whole calendar months
  are summed from the monthly table, the days before the first and after the last whole month from
  the daily table, and the two answers added (grouped breakdowns merged by key) — a year, a quarter
  or a month is one query over the monthly table, and so is this month or this year to date (no
  case is registered after today, so a period ending today ends, in effect, with its month). The
  trend by day reads the daily table;
* ``DailyUnitRollup`` (day × lead unit × street): a lead unit's figures, rankings of units, for the
  district or one street (not per category or channel, community or grid);
* ``MonthlyGridRollup`` (month × grid × category) and ``DailyGridRollup`` (day × grid × category): a
  community or a grid (prefix of 12 or 15 digits), split like the streets — the whole months from
  the monthly table, the edge days from the daily one — so a community counts the exact dates
  asked. Only the cases located in a grid.

Every row is keyed by the day its entry happened (registration, close, falling due, dispatch:
:func:`zhili.cases.rollups.contribution`), none of them after today.
"""

from __future__ import annotations

import calendar as pycal
import datetime as dt
from collections import defaultdict
from dataclasses import dataclass, replace
from typing import Any

from django.db.models import Q
from django.utils import timezone

from zhili.cases.rollups import (
    DailyGridRollup,
    DailyStreetRollup,
    DailyUnitRollup,
    MonthlyGridRollup,
    MonthlyStreetRollup,
)
from zhili.core.calendar import SHANGHAI
from zhili.core.errors import Invalid

# ---------------------------------------------------------------- the filter and the actor's scope

class _System:
    """The worker (monthly report, warning sweep): sees every region. Pages pass ``request.user``."""

    is_authenticated = True
    is_superuser = True

    def __repr__(self) -> str:
        return "SYSTEM"


SYSTEM = _System()


@dataclass(frozen=True)
class Filter:
    """Whose, where, when, what. ``actor`` decides the data scope (``SYSTEM`` for the worker);
    ``region`` is a code prefix or a region code; ``start``/``end`` are dates in Asia/Shanghai,
    both included (None: unbounded); ``category`` a category code, sub-categories included;
    ``channel`` a channel code; ``unit`` a lead unit's id."""

    actor: Any
    region: str = ""
    start: dt.date | None = None
    end: dt.date | None = None
    category: str = ""
    channel: str = ""
    unit: int | None = None

    def period(self, start: dt.date | None, end: dt.date | None) -> Filter:
        return replace(self, start=start, end=end)


@dataclass(frozen=True)
class Scope:
    empty: bool
    prefix: str = ""
    unit: int | None = None


def region_prefix(code: str) -> str:
    """A region code (370705001000) → its scope prefix (370705001); a prefix stays as it is."""
    from zhili.core.models import Region

    if not code:
        return ""
    r = Region.objects.filter(code=code).only("prefix").first()
    return r.prefix if r is not None else code


def scope(f: Filter) -> Scope:
    """The filter narrowed to the actor's data scope (a street user sees its street's figures)."""
    from zhili.cases.selectors import REGION_ROLES, UNIT_ROLES

    region = region_prefix(f.region)
    actor = f.actor
    if actor is SYSTEM or (actor is not None and getattr(actor, "is_authenticated", False) and actor.is_superuser):
        return Scope(False, region, f.unit)
    if actor is None or not getattr(actor, "is_authenticated", False):
        return Scope(True)
    if actor.role in UNIT_ROLES:  # a department sees the cases it leads
        org = actor.organisation_id
        if not org or (f.unit is not None and f.unit != org):
            return Scope(True)
        return Scope(False, region, org)
    if actor.role in REGION_ROLES:
        own = actor.scope_prefix
        if region.startswith(own):
            return Scope(False, region, f.unit)
        if own.startswith(region):
            return Scope(False, own, f.unit)
        return Scope(True)
    return Scope(True)



def categories() -> dict[int, tuple[str, str, int | None]]:
    """id → (code, label, parent id) of the case categories (a small table, read per call)."""
    from zhili.core.models import CodeItem

    return {pk: (code, label, parent) for pk, code, label, parent in
            CodeItem.objects.filter(type="case_category").values_list("pk", "code", "label", "parent_id")}


def category_ids(code: str, cats: dict | None = None) -> list[int]:
    """The ids of a category and all its sub-categories."""
    cats = cats if cats is not None else categories()
    children: dict[int | None, list[int]] = defaultdict(list)
    for pk, (_c, _l, parent) in cats.items():
        children[parent].append(pk)
    todo = [pk for pk, (c, _l, _p) in cats.items() if c == code]
    out = []
    while todo:
        pk = todo.pop()
        out.append(pk)
        todo.extend(children.get(pk, []))
    return out


def category_root(cats: dict, pk: int) -> int:
    seen = 0
    while cats.get(pk, (None, None, None))[2] is not None and seen < 20:
        pk = cats[pk][2]
        seen += 1
    return pk


def unsupported(field_: str, zh: str, en: str):
    return Invalid(field_, zh, en)


def narrow(qs, f: Filter, scope: Scope):
    """Cases narrowed to the filter's region, lead unit, category (with its sub-categories) and channel."""
    if scope.prefix:
        qs = qs.filter(region_code__startswith=scope.prefix)
    if scope.unit is not None:
        qs = qs.filter(lead_unit_id=scope.unit)
    if f.category:
        qs = qs.filter(category_id__in=category_ids(f.category))
    if f.channel:
        qs = qs.filter(channel=f.channel)
    return qs


# ---------------------------------------------------------------- periods

def add_months(d: dt.date, n: int) -> dt.date:
    m = d.month - 1 + n
    y, m = d.year + m // 12, m % 12 + 1
    return d.replace(year=y, month=m, day=min(d.day, pycal.monthrange(y, m)[1]))


def month_end(d: dt.date) -> dt.date:
    return d.replace(day=pycal.monthrange(d.year, d.month)[1])


def today() -> dt.date:
    return timezone.now().astimezone(SHANGHAI).date()


def month_split(start: dt.date | None, end: dt.date | None, today: dt.date | None = None) -> tuple[
        dt.date | None, dt.date | None, list[tuple[dt.date, dt.date]]] | None:
    """The whole calendar months inside [start, end] (None: unbounded) as (first month, last month —
    their first days, None when unbounded) and the days outside them as at most two (first, last)
    ranges; None when the period holds no whole month.

    A period that ends ``today`` or later ends, in effect, at the end of its last month: no case is
    registered after today, so 1 November – today is the whole of November (this month, this year
    to date)."""
    if end is not None and today is not None and end >= today:
        end = month_end(end)
    first = None if start is None else (start if start.day == 1 else add_months(start.replace(day=1), 1))
    if end is None:
        last = None
    elif end == month_end(end):
        last = end.replace(day=1)
    else:
        last = add_months(end.replace(day=1), -1)
    if first is not None and last is not None and first > last:
        return None
    edges = []
    if start is not None and first is not None and start < first:
        edges.append((start, first - dt.timedelta(days=1)))
    if end is not None and last is not None and end > month_end(last):
        edges.append((month_end(last) + dt.timedelta(days=1), end))
    return first, last, edges


# ---------------------------------------------------------------- which rollup tables answer a filter

#: answer the whole calendar months of a period from MonthlyStreetRollup and only its edge days from
#: DailyStreetRollup (False: every day from the daily table — the single-table answer tests compare with)
SPLIT_MONTHS = True


@dataclass(frozen=True)
class Part:
    """One query's worth of a filter: a rollup table, its rows that match, and the date field they carry."""

    model: type
    qs: Any
    date_field: str  # "day" or "month"


def family(f: Filter, scope: Scope, want: str = "") -> str:
    """Which rollups hold this filter: "street" (day/month × street × category × channel), "unit"
    (day × lead unit × street) or "grid" (month × grid × category); combinations none holds are refused."""
    if scope.unit is not None or want == "unit":
        if f.category or f.channel:
            raise unsupported("unit", "按单位统计不能同时按类别或渠道筛选", "unit figures cannot be filtered by category or channel")
        if len(scope.prefix) > 9:
            raise unsupported("unit", "单位统计按街道汇总，不能按社区或网格筛选",
                              "unit figures are kept per street, not per community or grid")
        return "unit"
    if len(scope.prefix) > 9 or want == "grid":
        if f.channel:
            raise unsupported("channel", "社区和网格的统计不按渠道区分", "community and grid figures are not kept per channel")
        return "grid"
    return "street"


def street_filter(qs, prefix: str):
    if len(prefix) == 9:
        return qs.filter(street_code=prefix)
    return qs.filter(street_code__startswith=prefix) if prefix else qs


def _days(qs, start: dt.date | None, end: dt.date | None):
    if start:
        qs = qs.filter(day__gte=start)
    if end:
        qs = qs.filter(day__lte=end)
    return qs


def parts(f: Filter, scope: Scope, want: str = "", by_day: bool = False) -> list[Part]:
    """The queries that answer this filter (their sums added give its figures).

    Streets: the whole months of the period from MonthlyStreetRollup and the days before and after
    them from DailyStreetRollup (``by_day``: every day from the daily table); a year, or this month
    or year to date, is one query over the monthly table. Units: DailyUnitRollup. Communities and
    grids: the same split over MonthlyGridRollup and DailyGridRollup."""
    family_ = family(f, scope, want)
    if family_ == "unit":
        qs = DailyUnitRollup.objects.all()
        if scope.unit is not None:
            qs = qs.filter(unit_id=scope.unit)
        return [Part(DailyUnitRollup, _days(street_filter(qs, scope.prefix[:9]), f.start, f.end), "day")]
    cats = category_ids(f.category) if f.category else None

    def base(model):
        qs = model.objects.all()
        if family_ == "grid":
            qs = qs.filter(grid_code__startswith=scope.prefix) if scope.prefix else qs
        else:
            qs = street_filter(qs, scope.prefix[:9])
            if f.channel:
                qs = qs.filter(channel=f.channel)
        return qs.filter(category_id__in=cats) if cats is not None else qs

    daily_model, monthly_model = ((DailyGridRollup, MonthlyGridRollup) if family_ == "grid"
                                  else (DailyStreetRollup, MonthlyStreetRollup))
    split = None if by_day or not SPLIT_MONTHS else month_split(f.start, f.end, today())
    if split is None:
        return [Part(daily_model, _days(base(daily_model), f.start, f.end), "day")]
    first, last, edges = split
    monthly = base(monthly_model)
    if first is not None:
        monthly = monthly.filter(month__gte=first)
    if last is not None:
        monthly = monthly.filter(month__lte=last)
    parts = [Part(monthly_model, monthly, "month")]
    if edges:
        days = Q()
        for a, b in edges:
            days |= Q(day__gte=a, day__lte=b)
        parts.append(Part(daily_model, base(daily_model).filter(days), "day"))
    return parts
