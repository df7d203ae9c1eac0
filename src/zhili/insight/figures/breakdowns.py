"""Figures broken down: per street, community or grid; per category, and category × street; per
channel; per lead unit, with the order of the unit ranking; and over time (the trend by day or month).
Each breakdown is one grouped SUM query per rollup table, the groups added up by key."""

from __future__ import annotations

import datetime as dt
import re
from collections import Counter, defaultdict
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from django.db.models.functions import Substr

from . import filters
from .definitions import Figures, zero
from .filters import Filter, Part, add_months, categories, category_root, unsupported
from .totals import SUMS, counters

# ---------------------------------------------------------------- breakdowns

@dataclass(frozen=True)
class Row:
    key: str
    label: str
    figures: Figures


def _grouped(parts: list[Part], *group: str, **annotations) -> dict[tuple, dict[str, int]]:
    """Each part's sums grouped by ``group`` (fields, or ``annotations``), added up by key in Python."""
    acc: dict[tuple, Counter] = defaultdict(Counter)
    for part in parts:
        qs = part.qs.annotate(**annotations) if annotations else part.qs
        for r in qs.values(*group).annotate(**SUMS).order_by():
            acc[tuple(r[g] for g in group)].update(counters(r))
    return {k: {**zero(), **c} for k, c in acc.items()}


def _sorted(rows: Iterable[Row]) -> list[Row]:
    return sorted(rows, key=lambda r: (-r.figures.counters["received"], r.key))


#: the row of the cases that no street holds: registered at the district level without a point or
#: a grid (their region is the registrar's, a district); shown, so that the streets add up to the district
UNPLACED = "未定位到街道（区级登记、无坐标）"


def unplaced(street_key: str) -> bool:
    """Whether a street key (the first 9 digits of a case's region code) is no street: a district's
    or city's code (370705000000 → 370705000)."""
    return len(street_key) < 9 or street_key[6:9] == "000"


def region_label(key: str, names: dict[str, str], length: int) -> str:
    """A region row's name: the region's, or :data:`UNPLACED` for the cases placed above the level."""
    if key in names:
        return names[key]
    return UNPLACED if length == 9 and unplaced(key) else key


def by_region(f: Filter, level: str = "street") -> list[Row]:
    """Figures per street (prefix length 9) or per community (12) or grid (15) within the filter.
    Streets come from the street rollups (a lead unit's: from the unit rollup); communities and
    grids from the monthly grid table. By street, the cases no street holds (a district-level
    registration without a point or grid) are a row of their own, :data:`UNPLACED`, so that the
    rows add up to the district."""
    from zhili.core.models import Region

    length = {"street": 9, "community": 12, "grid": 15}[level]
    scope = filters.scope(f)
    if scope.empty:
        return []
    if scope.unit is not None and level != "street":
        raise unsupported("unit", "按单位统计只能按街道细分", "unit figures are broken down by street only")
    if level == "street" and len(scope.prefix) <= 9:
        acc = _grouped(filters.parts(f, scope), "street_code")
    else:
        acc = _grouped(filters.parts(f, scope, want="grid"), "rk", rk=Substr("grid_code", 1, length))
    names = dict(Region.objects.filter(prefix__in=[k for (k,) in acc], level=level).values_list("prefix", "name"))
    return _sorted(Row(k, region_label(k, names, length), Figures(c)) for (k,), c in acc.items())


def by_category(f: Filter, level: str = "root") -> list[Row]:
    """Figures per top-level category (``root``: sub-categories added to their root) or per
    category as registered (``leaf``)."""
    scope = filters.scope(f)
    if scope.empty:
        return []
    if filters.family(f, scope) == "unit":
        raise unsupported("unit", "单位统计不按类别区分", "unit figures are not kept per category")
    cats = categories()
    acc: dict[int, Counter] = defaultdict(Counter)
    for (cid,), c in _grouped(filters.parts(f, scope), "category_id").items():
        acc[category_root(cats, cid) if level == "root" else cid].update(c)
    return _sorted(Row(cats.get(k, (str(k),))[0], cats.get(k, (str(k), str(k)))[1], Figures({**zero(), **c}))
                   for k, c in acc.items())


def by_street_category(f: Filter, level: str = "root") -> dict[str, list[Row]]:
    """Figures per category (as :func:`by_category`) in each street (prefix of 9 digits) of the filter:
    the category × street heat table, from one grouped query per rollup table (for a community or
    grid, its street's row from the grid table)."""
    scope = filters.scope(f)
    if scope.empty:
        return {}
    family = filters.family(f, scope)
    if family == "unit":
        raise unsupported("unit", "单位统计不按类别区分", "unit figures are not kept per category")
    cats = categories()
    acc: dict[str, dict[int, Counter]] = defaultdict(lambda: defaultdict(Counter))
    grouped = (_grouped(filters.parts(f, scope), "rk", "category_id", rk=Substr("grid_code", 1, 9)) if family == "grid"
               else _grouped(filters.parts(f, scope), "street_code", "category_id"))
    for (street, cid), c in grouped.items():
        acc[street][category_root(cats, cid) if level == "root" else cid].update(c)
    return {street: _sorted(Row(cats.get(k, (str(k),))[0], cats.get(k, (str(k), str(k)))[1], Figures({**zero(), **c}))
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
    scope = filters.scope(f)
    if scope.empty:
        return []
    if filters.family(f, scope) != "street":
        raise unsupported("channel", "该范围的统计不按渠道区分", "these figures are not kept per channel")
    return _sorted(Row(k, channel_label(k), Figures(c)) for (k,), c in _grouped(filters.parts(f, scope), "channel").items())


def by_unit(f: Filter) -> list[Row]:
    """Figures per lead unit (the units leading cases in the district or street; the unit ranking)."""
    from zhili.core.models import Organisation

    scope = filters.scope(f)
    if scope.empty:
        return []
    acc = _grouped(filters.parts(f, scope, want="unit"), "unit_id")
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
    scope = filters.scope(f)
    if scope.empty:
        return []
    parts = filters.parts(f, scope, by_day=(by == "day"))
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
            d = add_months(d, 1) if by == "month" else d + dt.timedelta(days=1)
    fmt = "%Y-%m" if by == "month" else "%Y-%m-%d"
    return [Row(d.strftime(fmt), d.strftime(fmt), Figures({**zero(), **acc.get(d, {})})) for d in sorted(keys)]
