"""The hotspot map (received cases per h3 cell) and the recurring matters (titles and addresses that
several cases share): for the district or a street from their monthly rollups, for a community or a
grid from its own cases — by whole months either way."""

from __future__ import annotations

import datetime as dt

from django.db.models import Count, Sum

from zhili.cases.rollups import MonthlyCellRollup, RecurringRollup
from zhili.core.calendar import SHANGHAI

from . import filters
from .filters import Filter, Scope, categories, month_end, month_split, narrow, street_filter, unsupported

# ---------------------------------------------------------------- the map and the recurring matters (monthly)

def _monthly(model, f: Filter, scope: Scope, what_zh: str, what_en: str):
    """The rows of a month × street table for this filter: the period widened to the months it
    touches (see :func:`months_note`); a lead unit, a channel, a community or grid (and for the
    recurring texts, a category) are not kept there and are refused."""
    if scope.unit is not None:
        raise unsupported("unit", f"{what_zh}不按责任单位区分", f"{what_en} is not kept per lead unit")
    if f.channel:
        raise unsupported("channel", f"{what_zh}不按渠道区分", f"{what_en} is not kept per channel")
    if f.category and model is RecurringRollup:
        raise unsupported("category", f"{what_zh}不按类别区分", f"{what_en} is not kept per category")
    if len(scope.prefix) > 9:
        raise unsupported("region", f"{what_zh}按街道汇总，不能按社区或网格筛选", f"{what_en} is kept per street")
    qs = street_filter(model.objects.all(), scope.prefix)
    if f.category and model is MonthlyCellRollup:
        cats = categories()
        if not any(code == f.category and parent is None for code, _l, parent in cats.values()):
            raise unsupported("category", f"{what_zh}只按一级类别筛选", f"{what_en} is kept per top-level category")
        qs = qs.filter(root_category=f.category)
    if f.start:
        qs = qs.filter(month__gte=f.start.replace(day=1))
    if f.end:
        qs = qs.filter(month__lte=f.end)
    return qs


def months_note(f: Filter) -> str:
    """'' when the period is whole months (or ends today or later, see :func:`month_split`); else
    which months the monthly map and recurring tables cover instead."""
    split = month_split(f.start, f.end, filters.today())
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
    scope = filters.scope(f)
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

    scope = filters.scope(f)
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


def _region_cases(f: Filter, scope: Scope):
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
        qs = qs.filter(created_at__lt=dt.datetime.combine(month_end(f.end) + dt.timedelta(days=1), dt.time(), SHANGHAI))
    return narrow(qs, f, scope)
