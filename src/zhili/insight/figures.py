"""Figures (统计指标) with one definition each.

Every figure that a page, an export or a report shows is one of the named functions below, with
its formula in its docstring; ``docs/metrics.md`` lists them (``metrics_markdown`` writes the table
and a test keeps the two equal). The functions take *summed counters* — the sums of the rollup
columns that ``zhili.cases.rollups.contribution`` defines per case — so no page counts the cases
table. The one exception is :func:`overdue_now`, a state of the present moment that no rollup can
hold (see its docstring).

A :class:`Filter` says whose figures (the actor: the data scope always applies), where (a region
prefix), when (dates in Asia/Shanghai, both ends included), what (a category and its
sub-categories, a channel) or which lead unit. ``figures(f)`` sums the matching rollup rows (one
SUM query per table it reads); ``by_region``, ``by_category``, ``by_channel``, ``by_unit`` and
``trend`` break them down; ``compare(f)`` sets them against the previous period (环比) and the same
period a year before (同比).

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
* ``MonthlyGridRollup`` (month × grid × category): a community or a grid (prefix of 12 or 15
  digits). It counts by whole months — a period is widened to the months it touches — and only the
  cases located in a grid.

A division by zero is not 0% or 100% but "—": a :class:`Rate` (or :class:`Average`) whose
denominator is 0 has the value ``None``.
"""

from __future__ import annotations

import calendar as pycal
import datetime as dt
import re
from collections import Counter, defaultdict
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field, replace
from decimal import ROUND_HALF_UP, Decimal
from typing import Any

from django.db.models import Count, Q, Sum
from django.db.models.functions import Substr
from django.utils import timezone

from zhili.cases.rollups import (
    COUNTERS,
    DailyStreetRollup,
    DailyUnitRollup,
    MonthlyCellRollup,
    MonthlyGridRollup,
    MonthlyStreetRollup,
    RecurringRollup,
)
from zhili.core.calendar import SHANGHAI
from zhili.core.errors import Invalid

DASH = "—"


class _System:
    """The worker (monthly report, warning sweep): sees every region. Pages pass ``request.user``."""

    is_authenticated = True
    is_superuser = True

    def __repr__(self) -> str:
        return "SYSTEM"


SYSTEM = _System()


# ---------------------------------------------------------------- values that know how to show themselves

def _fmt(value: Decimal, places: str = "0.01") -> str:
    return str(value.quantize(Decimal(places), rounding=ROUND_HALF_UP))


@dataclass(frozen=True)
class Rate:
    """A share: ``numerator / denominator``. Shown as "66.67%" (two decimals, half up), or "—"
    when the denominator is 0 (then ``value`` is None)."""

    numerator: int
    denominator: int

    @property
    def value(self) -> float | None:
        return self.numerator / self.denominator if self.denominator else None

    @property
    def percent(self) -> Decimal | None:
        if not self.denominator:
            return None
        return (Decimal(self.numerator) * 100 / Decimal(self.denominator)).quantize(Decimal("0.01"), rounding=ROUND_HALF_UP)

    def __str__(self) -> str:
        p = self.percent
        return DASH if p is None else f"{p}%"


@dataclass(frozen=True)
class Average:
    """A mean: ``total / count / scale`` (e.g. seconds → hours). Shown with two decimals, or "—"
    when ``count`` is 0."""

    total: int
    count: int
    scale: int = 1

    @property
    def value(self) -> float | None:
        return self.total / self.count / self.scale if self.count else None

    def __str__(self) -> str:
        if not self.count:
            return DASH
        return _fmt(Decimal(self.total) / Decimal(self.count) / Decimal(self.scale))


Value = int | Rate | Average
C = Mapping[str, int]  # summed counters


# ---------------------------------------------------------------- the figures

def received(c: C) -> int:
    """受理量 = Σ received: the cases registered in the period.

    Each registered case counts 1, except those not accepted (不予受理) and those merged into
    another case."""
    return c.get("received", 0)


def completed(c: C) -> int:
    """办结量 = Σ completed: the cases of the period that are completed.

    Completed means closed or archived: the resident confirmed, or the callback was recorded as
    solved and (basically) satisfied."""
    return c.get("completed", 0)


def completion_rate(c: C) -> Rate:
    """办结率 = 办结量 / 受理量 = completed / received."""
    return Rate(c.get("completed", 0), c.get("received", 0))


def on_time_rate(c: C) -> Rate:
    """按期办结率 = 按期办结量 / 办结量 = completed_on_time / completed.

    A completed case is on time when its result was submitted before its handling deadline
    (cases settled on the spot are on time)."""
    return Rate(c.get("completed_on_time", 0), c.get("completed", 0))


def overdue_ever(c: C) -> int:
    """累计超期件数 = Σ overdue_ever: the cases of the period that were past their handling deadline
    at some time.

    A result submitted late counts, and so does an open case the overdue sweep marked."""
    return c.get("overdue_ever", 0)


def avg_handling_hours(c: C) -> Average:
    """平均办理时长（工作小时） = handling_seconds / handled / 3600.

    handling_seconds is the working time from dispatch (or registration, for cases settled without
    dispatch) to the result, counted on working days only (the official holiday calendar, make-up
    days included; a working day counts 24 hours); handled is the number of completed cases with a
    result."""
    return Average(c.get("handling_seconds", 0), c.get("handled", 0), 3600)


def satisfaction_rate(c: C) -> Rate:
    """满意率 = (满意 + 基本满意) / 回访成功数 = (satisfied + basic) / callbacks.

    callbacks counts cases whose resident answered the callback (a satisfaction was recorded)."""
    return Rate(c.get("satisfied", 0) + c.get("basic", 0), c.get("callbacks", 0))


def resolution_rate(c: C) -> Rate:
    """解决率 = 回访"已解决" / 回访成功数 = solved / callbacks."""
    return Rate(c.get("solved", 0), c.get("callbacks", 0))


def return_rate(c: C) -> Rate:
    """退单率 = 退单件数 / 派单数 = returned / dispatched.

    returned counts dispatched cases that a unit sent back at least once."""
    return Rate(c.get("returned", 0), c.get("dispatched", 0))


def extension_rate(c: C) -> Rate:
    """延期率 = 延期件数 / 派单数 = extended / dispatched (cases with at least one approved extension)."""
    return Rate(c.get("extended", 0), c.get("dispatched", 0))


def rework_rate(c: C) -> Rate:
    """返工率（重办率） = 返工件数 / 办结量 = reworked / completed.

    reworked counts cases sent back at least once (check failed, or the resident was not satisfied
    or not helped); the denominator is the completed cases (金牛 style: 返工数 / 应结案数)."""
    return Rate(c.get("reworked", 0), c.get("completed", 0))


def signing_timeliness(c: C) -> Rate:
    """签收及时率 = 时限内签收件数 / 派单数 = signed_on_time / dispatched."""
    return Rate(c.get("signed_on_time", 0), c.get("dispatched", 0))


def repeat_rate(c: C) -> Rate:
    """重复诉求率 = 重复诉求件数 / 受理量 = repeat / received.

    A case is a repeat when the same resident filed a matter of the same top-level category in the
    30 days before."""
    return Rate(c.get("repeat", 0), c.get("received", 0))


def in_grid_rate(c: C) -> Rate:
    """事在格里办率 = 网格内办结件数 / 办结量 = in_grid / completed.

    in_grid counts completed cases settled on the spot by the grid team or the community."""
    return Rate(c.get("in_grid", 0), c.get("completed", 0))


def overdue_now(f: Filter, now: dt.datetime | None = None) -> int:
    """当前超期件数 = COUNT(open cases with due_at < now): cases whose handling clock runs
    (dispatched, handling, returned) and whose handling deadline has passed.

    This one is not summed from the rollups: a rollup row changes when a service changes a case,
    but a case becomes overdue by the clock alone and stops being overdue when it is completed, so
    "overdue now" is a state of the present moment. For the district or a street it is the open cases
    of ``DueRollup`` whose deadline day is before today plus today's past deadlines counted from
    Case's (state, due_at) index (:mod:`zhili.cases.rollups.dues`); for a community, grid, unit, category or
    channel it is that indexed count over the actor's cases (``selectors.cases_for``) in the filter.
    The period does not apply (it is a snapshot, not a flow)."""
    from zhili.cases.models import Case
    from zhili.cases.rollups import dues
    from zhili.cases.selectors import REGION_ROLES, cases_for
    from zhili.cases.workflow import CLOCK_STATES

    scope = _scope(f)
    if scope.empty:
        return 0
    now = now or timezone.now()
    by_region = f.actor is SYSTEM or f.actor.is_superuser or f.actor.role in REGION_ROLES
    if by_region and scope.unit is None and not f.category and not f.channel and len(scope.prefix) <= 9:
        return dues.overdue(scope.prefix, now)  # the district or a street: from DueRollup
    qs = Case.objects.all() if f.actor is SYSTEM else cases_for(f.actor)
    return _narrow(qs.filter(state__in=CLOCK_STATES, due_at__lt=now), f, scope).count()


def _narrow(qs, f: Filter, scope: _Scope):
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


@dataclass(frozen=True)
class Figure:
    name: str
    label: str  # Chinese name
    label_en: str
    fn: Callable[[C], Value]
    kind: str  # count | rate | hours
    numerator: str
    denominator: str
    counters: tuple[str, ...]


#: every figure, in the order pages and reports list them
FIGURES: tuple[Figure, ...] = (
    Figure("received", "受理量", "Received", received, "count", "received", "", ("received",)),
    Figure("completed", "办结量", "Completed", completed, "count", "completed", "", ("completed",)),
    Figure("completion_rate", "办结率", "Completion rate", completion_rate, "rate", "completed", "received",
           ("completed", "received")),
    Figure("on_time_rate", "按期办结率", "On-time completion rate", on_time_rate, "rate", "completed_on_time", "completed",
           ("completed_on_time", "completed")),
    Figure("overdue_ever", "累计超期件数", "Overdue at some time", overdue_ever, "count", "overdue_ever", "",
           ("overdue_ever",)),
    Figure("avg_handling_hours", "平均办理时长（工作小时）", "Average handling time (working hours)", avg_handling_hours,
           "hours", "handling_seconds / 3600", "handled", ("handling_seconds", "handled")),
    Figure("satisfaction_rate", "满意率", "Satisfaction rate", satisfaction_rate, "rate", "satisfied + basic", "callbacks",
           ("satisfied", "basic", "callbacks")),
    Figure("resolution_rate", "解决率", "Resolution rate", resolution_rate, "rate", "solved", "callbacks",
           ("solved", "callbacks")),
    Figure("return_rate", "退单率", "Return rate", return_rate, "rate", "returned", "dispatched", ("returned", "dispatched")),
    Figure("extension_rate", "延期率", "Extension rate", extension_rate, "rate", "extended", "dispatched",
           ("extended", "dispatched")),
    Figure("rework_rate", "返工率", "Rework rate", rework_rate, "rate", "reworked", "completed", ("reworked", "completed")),
    Figure("signing_timeliness", "签收及时率", "Signing timeliness", signing_timeliness, "rate", "signed_on_time",
           "dispatched", ("signed_on_time", "dispatched")),
    Figure("repeat_rate", "重复诉求率", "Repeat-request rate", repeat_rate, "rate", "repeat", "received",
           ("repeat", "received")),
    Figure("in_grid_rate", "事在格里办率", "Resolved inside the grid", in_grid_rate, "rate", "in_grid", "completed",
           ("in_grid", "completed")),
)
BY_NAME = {f.name: f for f in FIGURES}
#: the five figures 赵书记 reports upward; the big screen and the report lead with them
KEY_FIGURES = ("received", "completed", "completion_rate", "on_time_rate", "satisfaction_rate")
OVERDUE_NOW = Figure("overdue_now", "当前超期件数", "Overdue now", lambda c: 0, "count", "open cases past due_at", "",
                     ())


@dataclass(frozen=True)
class Figures:
    """The figures of one set of summed counters (and, for totals, the overdue count of now)."""

    counters: Mapping[str, int]
    overdue_now: int | None = None

    def __getattr__(self, name: str) -> Value:
        fig = BY_NAME.get(name)
        if fig is None:
            raise AttributeError(name)
        return fig.fn(self.counters)

    def value(self, name: str) -> Value | None:
        if name == "overdue_now":
            return self.overdue_now
        return BY_NAME[name].fn(self.counters)

    def rows(self) -> list[tuple[Figure, Value | None]]:
        """(figure, value) in the standard order, "overdue now" after "overdue ever" when known."""
        out: list[tuple[Figure, Value | None]] = []
        for fig in FIGURES:
            out.append((fig, fig.fn(self.counters)))
            if fig.name == "overdue_ever" and self.overdue_now is not None:
                out.append((OVERDUE_NOW, self.overdue_now))
        return out

    def as_dict(self) -> dict[str, str]:
        """Every figure as the text pages show ("66.67%", "—", "12")."""
        return {fig.name: str(v) for fig, v in self.rows()}


def _zero() -> dict[str, int]:
    return dict.fromkeys(COUNTERS, 0)


# ---------------------------------------------------------------- filter and scope

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
class _Scope:
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


def _scope(f: Filter) -> _Scope:
    """The filter narrowed to the actor's data scope (a street user sees its street's figures)."""
    from zhili.cases.selectors import REGION_ROLES, UNIT_ROLES

    region = region_prefix(f.region)
    actor = f.actor
    if actor is SYSTEM or (actor is not None and getattr(actor, "is_authenticated", False) and actor.is_superuser):
        return _Scope(False, region, f.unit)
    if actor is None or not getattr(actor, "is_authenticated", False):
        return _Scope(True)
    if actor.role in UNIT_ROLES:  # a department sees the cases it leads
        org = actor.organisation_id
        if not org or (f.unit is not None and f.unit != org):
            return _Scope(True)
        return _Scope(False, region, org)
    if actor.role in REGION_ROLES:
        own = actor.scope_prefix
        if region.startswith(own):
            return _Scope(False, region, f.unit)
        if own.startswith(region):
            return _Scope(False, own, f.unit)
        return _Scope(True)
    return _Scope(True)



def _categories() -> dict[int, tuple[str, str, int | None]]:
    """id → (code, label, parent id) of the case categories (a small table, read per call)."""
    from zhili.core.models import CodeItem

    return {pk: (code, label, parent) for pk, code, label, parent in
            CodeItem.objects.filter(type="case_category").values_list("pk", "code", "label", "parent_id")}


def category_ids(code: str, cats: dict | None = None) -> list[int]:
    """The ids of a category and all its sub-categories."""
    cats = cats if cats is not None else _categories()
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


def _unsupported(field_: str, zh: str, en: str):
    return Invalid(field_, zh, en)


#: answer the whole calendar months of a period from MonthlyStreetRollup and only its edge days from
#: DailyStreetRollup (False: every day from the daily table — the single-table answer tests compare with)
SPLIT_MONTHS = True


@dataclass(frozen=True)
class _Part:
    """One query's worth of a filter: a rollup table, its rows that match, and the date field they carry."""

    model: type
    qs: Any
    date_field: str  # "day" or "month"


def _family(f: Filter, scope: _Scope, want: str = "") -> str:
    """Which rollups hold this filter: "street" (day/month × street × category × channel), "unit"
    (day × lead unit × street) or "grid" (month × grid × category); combinations none holds are refused."""
    if scope.unit is not None or want == "unit":
        if f.category or f.channel:
            raise _unsupported("unit", "按单位统计不能同时按类别或渠道筛选", "unit figures cannot be filtered by category or channel")
        if len(scope.prefix) > 9:
            raise _unsupported("unit", "单位统计按街道汇总，不能按社区或网格筛选",
                               "unit figures are kept per street, not per community or grid")
        return "unit"
    if len(scope.prefix) > 9 or want == "grid":
        if f.channel:
            raise _unsupported("channel", "社区和网格的统计不按渠道区分", "community and grid figures are not kept per channel")
        return "grid"
    return "street"


def _street_filter(qs, prefix: str):
    if len(prefix) == 9:
        return qs.filter(street_code=prefix)
    return qs.filter(street_code__startswith=prefix) if prefix else qs


def _days(qs, start: dt.date | None, end: dt.date | None):
    if start:
        qs = qs.filter(day__gte=start)
    if end:
        qs = qs.filter(day__lte=end)
    return qs


def _today() -> dt.date:
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
        end = _month_end(end)
    first = None if start is None else (start if start.day == 1 else _add_months(start.replace(day=1), 1))
    if end is None:
        last = None
    elif end == _month_end(end):
        last = end.replace(day=1)
    else:
        last = _add_months(end.replace(day=1), -1)
    if first is not None and last is not None and first > last:
        return None
    edges = []
    if start is not None and first is not None and start < first:
        edges.append((start, first - dt.timedelta(days=1)))
    if end is not None and last is not None and end > _month_end(last):
        edges.append((_month_end(last) + dt.timedelta(days=1), end))
    return first, last, edges


def _parts(f: Filter, scope: _Scope, want: str = "", by_day: bool = False) -> list[_Part]:
    """The queries that answer this filter (their sums added give its figures).

    Streets: the whole months of the period from MonthlyStreetRollup and the days before and after
    them from DailyStreetRollup (``by_day``: every day from the daily table); a year, or this month
    or year to date, is one query over the monthly table. Units: DailyUnitRollup. Communities and grids: MonthlyGridRollup, the
    period widened to the months it touches."""
    family = _family(f, scope, want)
    if family == "unit":
        qs = DailyUnitRollup.objects.all()
        if scope.unit is not None:
            qs = qs.filter(unit_id=scope.unit)
        return [_Part(DailyUnitRollup, _days(_street_filter(qs, scope.prefix[:9]), f.start, f.end), "day")]
    cats = category_ids(f.category) if f.category else None

    def base(model):
        qs = model.objects.all()
        if family == "grid":
            qs = qs.filter(grid_code__startswith=scope.prefix) if scope.prefix else qs
        else:
            qs = _street_filter(qs, scope.prefix[:9])
            if f.channel:
                qs = qs.filter(channel=f.channel)
        return qs.filter(category_id__in=cats) if cats is not None else qs

    if family == "grid":
        qs = base(MonthlyGridRollup)
        if f.start:
            qs = qs.filter(month__gte=f.start.replace(day=1))
        if f.end:
            qs = qs.filter(month__lte=f.end)
        return [_Part(MonthlyGridRollup, qs, "month")]
    split = None if by_day or not SPLIT_MONTHS else month_split(f.start, f.end, _today())
    if split is None:
        return [_Part(DailyStreetRollup, _days(base(DailyStreetRollup), f.start, f.end), "day")]
    first, last, edges = split
    monthly = base(MonthlyStreetRollup)
    if first is not None:
        monthly = monthly.filter(month__gte=first)
    if last is not None:
        monthly = monthly.filter(month__lte=last)
    parts = [_Part(MonthlyStreetRollup, monthly, "month")]
    if edges:
        days = Q()
        for a, b in edges:
            days |= Q(day__gte=a, day__lte=b)
        parts.append(_Part(DailyStreetRollup, base(DailyStreetRollup).filter(days), "day"))
    return parts


_SUMS = {c: Sum(c) for c in COUNTERS}


def _counters(row: Mapping[str, Any]) -> dict[str, int]:
    return {c: int(row.get(c) or 0) for c in COUNTERS}


def sums(f: Filter) -> dict[str, int]:
    """The summed counters of a filter: one SUM query per rollup table it reads (one for a year)."""
    scope = _scope(f)
    if scope.empty:
        return _zero()
    acc: Counter = Counter()
    for part in _parts(f, scope):
        acc.update(_counters(part.qs.aggregate(**_SUMS)))
    return {**_zero(), **acc}


def figures(f: Filter, *, now: dt.datetime | None = None, with_overdue_now: bool = True) -> Figures:
    """The totals of a filter, with the count of cases overdue now."""
    return Figures(sums(f), overdue_now(f, now) if with_overdue_now else None)


# ---------------------------------------------------------------- breakdowns

@dataclass(frozen=True)
class Row:
    key: str
    label: str
    figures: Figures


def _grouped(parts: list[_Part], *group: str, **annotations) -> dict[tuple, dict[str, int]]:
    """Each part's sums grouped by ``group`` (fields, or ``annotations``), added up by key in Python."""
    acc: dict[tuple, Counter] = defaultdict(Counter)
    for part in parts:
        qs = part.qs.annotate(**annotations) if annotations else part.qs
        for r in qs.values(*group).annotate(**_SUMS).order_by():
            acc[tuple(r[g] for g in group)].update(_counters(r))
    return {k: {**_zero(), **c} for k, c in acc.items()}


def _sorted(rows: Iterable[Row]) -> list[Row]:
    return sorted(rows, key=lambda r: (-r.figures.counters["received"], r.key))


def by_region(f: Filter, level: str = "street") -> list[Row]:
    """Figures per street (prefix length 9) or per community (12) or grid (15) within the filter.
    Streets come from the street rollups (a lead unit's: from the unit rollup); communities and
    grids from the monthly grid table."""
    from zhili.core.models import Region

    length = {"street": 9, "community": 12, "grid": 15}[level]
    scope = _scope(f)
    if scope.empty:
        return []
    if scope.unit is not None and level != "street":
        raise _unsupported("unit", "按单位统计只能按街道细分", "unit figures are broken down by street only")
    if level == "street" and len(scope.prefix) <= 9:
        acc = _grouped(_parts(f, scope), "street_code")
    else:
        acc = _grouped(_parts(f, scope, want="grid"), "rk", rk=Substr("grid_code", 1, length))
    names = dict(Region.objects.filter(prefix__in=[k for (k,) in acc], level=level).values_list("prefix", "name"))
    return _sorted(Row(k, names.get(k, k), Figures(c)) for (k,), c in acc.items())


def by_category(f: Filter, level: str = "root") -> list[Row]:
    """Figures per top-level category (``root``: sub-categories added to their root) or per
    category as registered (``leaf``)."""
    scope = _scope(f)
    if scope.empty:
        return []
    if _family(f, scope) == "unit":
        raise _unsupported("unit", "单位统计不按类别区分", "unit figures are not kept per category")
    cats = _categories()
    acc: dict[int, Counter] = defaultdict(Counter)
    for (cid,), c in _grouped(_parts(f, scope), "category_id").items():
        acc[category_root(cats, cid) if level == "root" else cid].update(c)
    return _sorted(Row(cats.get(k, (str(k),))[0], cats.get(k, (str(k), str(k)))[1], Figures({**_zero(), **c}))
                   for k, c in acc.items())


def by_street_category(f: Filter, level: str = "root") -> dict[str, list[Row]]:
    """Figures per category (as :func:`by_category`) in each street (prefix of 9 digits) of the filter:
    the category × street heat table, from one grouped query per rollup table (for a community or
    grid, its street's row from the grid table)."""
    scope = _scope(f)
    if scope.empty:
        return {}
    family = _family(f, scope)
    if family == "unit":
        raise _unsupported("unit", "单位统计不按类别区分", "unit figures are not kept per category")
    cats = _categories()
    acc: dict[str, dict[int, Counter]] = defaultdict(lambda: defaultdict(Counter))
    grouped = (_grouped(_parts(f, scope), "rk", "category_id", rk=Substr("grid_code", 1, 9)) if family == "grid"
               else _grouped(_parts(f, scope), "street_code", "category_id"))
    for (street, cid), c in grouped.items():
        acc[street][category_root(cats, cid) if level == "root" else cid].update(c)
    return {street: _sorted(Row(cats.get(k, (str(k),))[0], cats.get(k, (str(k), str(k)))[1], Figures({**_zero(), **c}))
                            for k, c in per.items()) for street, per in acc.items()}


_ZH = re.compile(r"[（(]([^（()）]*[\u4e00-\u9fff][^（()）]*)[)）]")


def zh_label(label: Any) -> str:
    """The Chinese part of a bilingual label ("Phone / 12345 (电话)" → "电话")."""
    s = str(label)
    m = _ZH.search(s)
    return m.group(1) if m else s


def channel_label(code: str) -> str:
    from zhili.cases.models import Channel

    return zh_label(dict(Channel.choices).get(code, code))


def by_channel(f: Filter) -> list[Row]:
    """Figures per channel (窗口, 电话, 网上, 网格员上报 …)."""
    scope = _scope(f)
    if scope.empty:
        return []
    if _family(f, scope) != "street":
        raise _unsupported("channel", "该范围的统计不按渠道区分", "these figures are not kept per channel")
    return _sorted(Row(k, channel_label(k), Figures(c)) for (k,), c in _grouped(_parts(f, scope), "channel").items())


def by_unit(f: Filter) -> list[Row]:
    """Figures per lead unit (the units leading cases in the district or street; the unit ranking)."""
    from zhili.core.models import Organisation

    scope = _scope(f)
    if scope.empty:
        return []
    acc = _grouped(_parts(f, scope, want="unit"), "unit_id")
    names = dict(Organisation.objects.filter(pk__in=[k for (k,) in acc]).values_list("pk", "name"))
    return _sorted(Row(str(k), names.get(k, str(k)), Figures(c)) for (k,), c in acc.items())


def unit_rank(r: Row) -> tuple:
    """The order of the unit ranking (the page, the report, a department's home): on-time rate,
    highest first (a unit with nothing to rate last), then cases received."""
    v = r.figures.on_time_rate.value
    return (-(v if v is not None else -1), -r.figures.received)


def trend(f: Filter, by: str = "day") -> list[Row]:
    """Figures per day or per month, oldest first; with both period ends given, the days (months)
    without cases are there too, as zeros. Community and grid figures exist per month only."""
    scope = _scope(f)
    if scope.empty:
        return []
    parts = _parts(f, scope, by_day=(by == "day"))
    if by == "day" and any(p.date_field == "month" for p in parts):
        by = "month"
    acc: dict[dt.date, Counter] = defaultdict(Counter)
    for part in parts:
        for (d,), c in _grouped([part], part.date_field).items():
            acc[d.replace(day=1) if by == "month" else d].update(c)
    keys = set(acc)
    if f.start and f.end:
        d = f.start.replace(day=1) if by == "month" else f.start
        while d <= f.end:
            keys.add(d)
            d = _add_months(d, 1) if by == "month" else d + dt.timedelta(days=1)
    fmt = "%Y-%m" if by == "month" else "%Y-%m-%d"
    return [Row(d.strftime(fmt), d.strftime(fmt), Figures({**_zero(), **acc.get(d, {})})) for d in sorted(keys)]


# ---------------------------------------------------------------- the map and the recurring matters (monthly)

def _monthly(model, f: Filter, scope: _Scope, what_zh: str, what_en: str):
    """The rows of a month × street table for this filter: the period widened to the months it
    touches (see :func:`months_note`); a lead unit, a channel, a community or grid (and for the
    recurring texts, a category) are not kept there and are refused."""
    if scope.unit is not None:
        raise _unsupported("unit", f"{what_zh}不按责任单位区分", f"{what_en} is not kept per lead unit")
    if f.channel:
        raise _unsupported("channel", f"{what_zh}不按渠道区分", f"{what_en} is not kept per channel")
    if f.category and model is RecurringRollup:
        raise _unsupported("category", f"{what_zh}不按类别区分", f"{what_en} is not kept per category")
    if len(scope.prefix) > 9:
        raise _unsupported("region", f"{what_zh}按街道汇总，不能按社区或网格筛选", f"{what_en} is kept per street")
    qs = _street_filter(model.objects.all(), scope.prefix)
    if f.category and model is MonthlyCellRollup:
        cats = _categories()
        if not any(code == f.category and parent is None for code, _l, parent in cats.values()):
            raise _unsupported("category", f"{what_zh}只按一级类别筛选", f"{what_en} is kept per top-level category")
        qs = qs.filter(root_category=f.category)
    if f.start:
        qs = qs.filter(month__gte=f.start.replace(day=1))
    if f.end:
        qs = qs.filter(month__lte=f.end)
    return qs


def months_note(f: Filter) -> str:
    """'' when the period is whole months (or ends today or later, see :func:`month_split`); else
    which months the monthly map and recurring tables cover instead."""
    split = month_split(f.start, f.end, _today())
    if split is not None and not split[2]:
        return ""
    a = f.start.strftime("%Y年%m月") if f.start else "最早"
    b = f.end.strftime("%Y年%m月") if f.end else "今"
    return f"按整月统计（{a}至{b}）"


def by_cell(f: Filter) -> dict[str, int]:
    """Received cases per h3 cell of their points (the hotspot map). For the district or a street
    from MonthlyCellRollup: the period widened to whole months, top-level categories only, no channel
    or unit filter; for a community or grid, which that rollup does not keep, from its own cases
    (:func:`_region_cases`: whole months too, as its figures are)."""
    scope = _scope(f)
    if scope.empty:
        return {}
    if len(scope.prefix) > 9:
        rows = _region_cases(f, scope).exclude(cell="").values("cell").annotate(n=Count("id")).order_by()
        return {cell: n for cell, n in rows.values_list("cell", "n")}
    qs = _monthly(MonthlyCellRollup, f, scope, "热点图", "the hotspot map")
    return {cell: n for cell, n in qs.values("cell").annotate(n=Sum("received")).order_by().values_list("cell", "n") if n}


def recurring(f: Filter, kind: str, minimum: int = 2, limit: int = 10) -> list[tuple[str, int]]:
    """The titles (``kind="title"``) or addresses that at least ``minimum`` received cases of the
    filter share, most cases first: [(text, cases)].

    For the district or a street from RecurringRollup (normalised text, see
    :mod:`zhili.cases.rollups.recurring`): by street and month — the period widened to whole months, no
    category, channel or unit filter. For a community or a grid, which that rollup does not keep,
    from the region's own cases (:func:`_region_cases`: whole months too, as its figures are)."""
    from zhili.cases.rollups import TextKey
    from zhili.cases.rollups import recurring as rec

    scope = _scope(f)
    if scope.empty:
        return []
    if len(scope.prefix) > 9:
        key = f"{kind}_key"
        agg = list(_region_cases(f, scope).filter(**{f"{key}__isnull": False}).values(key).annotate(cases=Count("id"))
                   .filter(cases__gte=minimum).order_by("-cases", key)[:limit])
        texts = dict(TextKey.objects.filter(kind=kind, digest__in=[r[key] for r in agg]).values_list("digest", "text"))
        return [(texts.get(r[key], ""), r["cases"]) for r in agg]
    qs = _monthly(RecurringRollup, f, scope, "反复反映统计", "recurrence")
    return rec.top(qs.filter(kind=kind), minimum, limit)


def _region_cases(f: Filter, scope: _Scope):
    """The received cases of one community or grid in the filter, the period widened to the months
    it touches — as the region's figures are (MonthlyGridRollup), so that its map and its tables
    count the cases its figures count. A community's year is thousands of cases, counted over
    Case's region index."""
    from zhili.cases.models import Case
    from zhili.cases.workflow import NOT_RECEIVED

    qs = Case.objects.exclude(state__in=NOT_RECEIVED)
    if f.start:
        qs = qs.filter(created_at__gte=dt.datetime.combine(f.start.replace(day=1), dt.time(), SHANGHAI))
    if f.end:
        qs = qs.filter(created_at__lt=dt.datetime.combine(_month_end(f.end) + dt.timedelta(days=1), dt.time(), SHANGHAI))
    return _narrow(qs, f, scope)


# ---------------------------------------------------------------- periods and comparison

def _add_months(d: dt.date, n: int) -> dt.date:
    m = d.month - 1 + n
    y, m = d.year + m // 12, m % 12 + 1
    return d.replace(year=y, month=m, day=min(d.day, pycal.monthrange(y, m)[1]))


def _month_end(d: dt.date) -> dt.date:
    return d.replace(day=pycal.monthrange(d.year, d.month)[1])


def whole_months(start: dt.date, end: dt.date) -> int:
    """How many whole calendar months [start, end] is (0 if it is not whole months)."""
    if start.day != 1 or end != _month_end(end) or end < start:
        return 0
    return (end.year - start.year) * 12 + end.month - start.month + 1


def previous_period(start: dt.date, end: dt.date) -> tuple[dt.date, dt.date]:
    """环比: the period just before, of equal length — whole months give the months before
    (November → October), any other period the same number of days before."""
    n = whole_months(start, end)
    if n:
        s = _add_months(start, -n)
        return s, _month_end(_add_months(s, n - 1))
    days = (end - start).days + 1
    return start - dt.timedelta(days=days), start - dt.timedelta(days=1)


def year_before(start: dt.date, end: dt.date) -> tuple[dt.date, dt.date]:
    """同比: the same dates a year before (29 February → 28 February; a whole month stays whole)."""
    n = whole_months(start, end)
    if n:
        s = start.replace(year=start.year - 1)
        return s, _month_end(_add_months(s, n - 1))
    return _add_months(start, -12), _add_months(end, -12)


@dataclass(frozen=True)
class Delta:
    """The change of one figure against a base period. Counts change in per cent of the base
    ("+50.00%", "—" when the base is 0); rates in percentage points ("+3.20个百分点"); hours in
    hours ("-1.50小时"). "—" whenever either side has no value."""

    kind: str
    current: Value | None
    base: Value | None

    @property
    def value(self) -> float | None:
        if self.kind == "count":
            if self.current is None or self.base is None or not self.base:
                return None
            return (self.current - self.base) / self.base
        cur = getattr(self.current, "value", None)
        base = getattr(self.base, "value", None)
        if cur is None or base is None:
            return None
        return (cur - base) * (100 if self.kind == "rate" else 1)

    def _diff(self) -> Decimal | None:
        if self.kind == "count":
            if self.current is None or self.base is None or not self.base:
                return None
            return Decimal(self.current - self.base) * 100 / Decimal(self.base)
        if self.kind == "rate":
            a, b = self.current, self.base
            if not isinstance(a, Rate) or not isinstance(b, Rate) or a.percent is None or b.percent is None:
                return None
            return a.percent - b.percent
        a, b = self.current, self.base
        if not isinstance(a, Average) or not isinstance(b, Average) or a.value is None or b.value is None:
            return None
        return Decimal(str(a)) - Decimal(str(b))

    def __str__(self) -> str:
        d = self._diff()
        if d is None:
            return DASH
        text = _fmt(d)
        sign = "+" if d > 0 else ("" if d < 0 else "±")
        unit = {"count": "%", "rate": "个百分点", "hours": "小时"}[self.kind]
        return f"{sign}{text}{unit}"


@dataclass(frozen=True)
class Comparison:
    """A period with its previous period (环比) and the same period a year before (同比)."""

    current: Figures
    previous: Figures
    year_ago: Figures
    period: tuple[dt.date, dt.date]
    previous_period: tuple[dt.date, dt.date]
    year_ago_period: tuple[dt.date, dt.date]
    extra: dict = field(default_factory=dict)

    def mom(self, name: str) -> Delta:
        """环比 of one figure."""
        return Delta(BY_NAME[name].kind, self.current.value(name), self.previous.value(name))

    def yoy(self, name: str) -> Delta:
        """同比 of one figure."""
        return Delta(BY_NAME[name].kind, self.current.value(name), self.year_ago.value(name))


def compare(f: Filter, *, now: dt.datetime | None = None) -> Comparison:
    """The filter's period against the previous period (环比) and a year before (同比)."""
    if not (f.start and f.end):
        raise Invalid("start", "比较需要起止日期", "a comparison needs a start and an end date")
    prev = previous_period(f.start, f.end)
    ago = year_before(f.start, f.end)
    previous = Figures(sums(f.period(*prev)))
    return Comparison(
        current=figures(f, now=now),
        previous=previous,
        year_ago=previous if ago == prev else Figures(sums(f.period(*ago))),  # a whole year: the same twelve months
        period=(f.start, f.end), previous_period=prev, year_ago_period=ago,
    )


def period_label(start: dt.date, end: dt.date) -> str:
    """2026年11月 for a whole month, 2026年 for a whole year, else 2026年11月1日至2026年11月26日."""
    n = whole_months(start, end)
    if n == 1:
        return f"{start.year}年{start.month}月"
    if n == 12 and start.month == 1:
        return f"{start.year}年"
    if n and start.year == end.year:
        return f"{start.year}年{start.month}月至{end.month}月"
    return f"{start.year}年{start.month}月{start.day}日至{end.year}年{end.month}月{end.day}日"


# ---------------------------------------------------------------- docs/metrics.md

def metrics_markdown() -> str:
    """The tables of docs/metrics.md, from the definitions above (a test keeps the doc equal to it)."""
    ordered = (*FIGURES[:5], OVERDUE_NOW, *FIGURES[5:])

    def doc(figure: Figure) -> str:
        text = (overdue_now.__doc__ if figure is OVERDUE_NOW else figure.fn.__doc__) or ""
        return text.replace("``", "`")

    lines = ["| figure | 名称 | formula | numerator | denominator | counters |", "|---|---|---|---|---|---|"]
    for figure in ordered:
        first = " ".join(doc(figure).strip().split("\n\n")[0].split())
        counters = ", ".join(f"`{c}`" for c in figure.counters) or "— (indexed count of open cases)"
        lines.append(f"| `{figure.name}` | {figure.label} | {first} | {figure.numerator} | {figure.denominator or '—'} "
                     f"| {counters} |")
    lines += ["", "### Each figure in full", ""]
    for figure in ordered:
        paragraphs = [" ".join(p.split()) for p in doc(figure).strip().split("\n\n")]
        lines += [f"**`{figure.name}` {figure.label}** ({figure.label_en}, {figure.kind}). " + " ".join(paragraphs), ""]
    return "\n".join(lines)
