"""环比 and 同比: a period against the period just before and the same period a year before, the
change of each figure against them (:class:`Delta`), and the names of periods ("2026年11月")."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from decimal import Decimal

from zhili.core.errors import Invalid

from .definitions import BY_NAME, Figures
from .filters import Filter, add_months, month_end
from .totals import figures, sums
from .values import DASH, Average, Rate, Value, fmt

# ---------------------------------------------------------------- periods and comparison

def whole_months(start: dt.date, end: dt.date) -> int:
    """How many whole calendar months [start, end] is (0 if it is not whole months)."""
    if start.day != 1 or end != month_end(end) or end < start:
        return 0
    return (end.year - start.year) * 12 + end.month - start.month + 1


def months_spanned(start: dt.date, end: dt.date) -> int:
    """How many calendar months [start, end] touches (1 for 3–10 December)."""
    return (end.year - start.year) * 12 + end.month - start.month + 1


def previous_period(start: dt.date, end: dt.date) -> tuple[dt.date, dt.date]:
    """环比: the period just before, of equal length — whole months give the months before
    (November → October); a period from the 1st of a month to a day that is not a month's end
    (this month, quarter or year so far) the same days of the months before (1–3 December →
    1–3 November: the same number of days, not all of November); any other period the same
    number of days before."""
    n = whole_months(start, end)
    if n:
        s = add_months(start, -n)
        return s, month_end(add_months(s, n - 1))
    if start.day == 1 and end >= start:
        k = months_spanned(start, end)
        return add_months(start, -k), add_months(end, -k)
    days = (end - start).days + 1
    return start - dt.timedelta(days=days), start - dt.timedelta(days=1)


def year_before(start: dt.date, end: dt.date) -> tuple[dt.date, dt.date]:
    """同比: the same dates a year before (29 February → 28 February; a whole month stays whole)."""
    n = whole_months(start, end)
    if n:
        s = start.replace(year=start.year - 1)
        return s, month_end(add_months(s, n - 1))
    return add_months(start, -12), add_months(end, -12)


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
        text = fmt(d)
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
