"""The totals of a filter: the rollup counters summed over the queries that answer it (one SUM query
per rollup table it reads, one for a year), as :class:`Figures` with the count of cases overdue now."""

from __future__ import annotations

import datetime as dt
from collections import Counter
from collections.abc import Mapping
from typing import Any

from django.db.models import Sum

from zhili.cases.rollups import COUNTERS

from . import filters
from .definitions import Figures, zero
from .filters import Filter
from .overdue import overdue_now

SUMS = {c: Sum(c) for c in COUNTERS}


def counters(row: Mapping[str, Any]) -> dict[str, int]:
    return {c: int(row.get(c) or 0) for c in COUNTERS}


def sums(f: Filter) -> dict[str, int]:
    """The summed counters of a filter: one SUM query per rollup table it reads (one for a year)."""
    scope = filters.scope(f)
    if scope.empty:
        return zero()
    acc: Counter = Counter()
    for part in filters.parts(f, scope):
        acc.update(counters(part.qs.aggregate(**SUMS)))
    return {**zero(), **acc}


def figures(f: Filter, *, now: dt.datetime | None = None, with_overdue_now: bool = True) -> Figures:
    """The totals of a filter, with the count of cases overdue now."""
    return Figures(sums(f), overdue_now(f, now) if with_overdue_now else None)
