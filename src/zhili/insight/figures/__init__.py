"""Figures (统计指标) with one definition each.

Every figure that a page, an export or a report shows is one of the named functions of
:mod:`.definitions`, with its formula in its docstring; ``docs/metrics.md`` lists them
(``metrics_markdown`` writes the table and a test keeps the two equal). The functions take *summed
counters* — the sums of the rollup columns that ``zhili.cases.rollups.contribution`` defines per
case — so no page counts the cases table. The one exception is :func:`overdue_now`, a state of the
present moment that no rollup can hold (see its docstring).

A :class:`Filter` says whose figures (the actor: the data scope always applies), where (a region
prefix), when (dates in Asia/Shanghai, both ends included), what (a category and its
sub-categories, a channel) or which lead unit. ``figures(f)`` sums the matching rollup rows (one
SUM query per table it reads); ``by_region``, ``by_category``, ``by_channel``, ``by_unit`` and
``trend`` break them down; ``compare(f)`` sets them against the previous period (环比) and the same
period a year before (同比).

A division by zero is not 0% or 100% but "—": a :class:`Rate` (or :class:`Average`) whose
denominator is 0 has the value ``None``.

One job a module: ``values`` (Rate, Average), ``definitions`` (each figure and its definition, the
table of them, Figures, docs/metrics.md), ``filters`` (the Filter, the actor's scope, periods, which
rollup tables hold a filter), ``overdue`` (overdue now), ``totals`` (the summed counters of a
filter), ``breakdowns`` (per region, category, channel and lead unit, the unit ranking, the trend),
``maps`` (the hotspot map, the recurring matters: whole months, said on the page) and ``comparison``
(环比 and 同比).

This package imports what the rest of Zhili uses (``from zhili.insight import figures as fg``;
``fg.figures(f)``). ``today`` and ``SPLIT_MONTHS`` are not imported here: they are read, and
patched, on :mod:`.filters` (``fg.filters.today()``).
"""

from zhili.core.errors import Invalid

from .breakdowns import (
    UNPLACED,
    Row,
    by_category,
    by_channel,
    by_region,
    by_street_category,
    by_unit,
    channel_label,
    trend,
    unit_rank,
    unplaced,
    zh_label,
)
from .comparison import (
    Comparison,
    Delta,
    compare,
    period_label,
    previous_period,
    whole_months,
    year_before,
)
from .definitions import (
    BY_NAME,
    FIGURES,
    KEY_FIGURES,
    OVERDUE_NOW,
    Figure,
    Figures,
    avg_handling_hours,
    closed,
    completed,
    completion_rate,
    due,
    extension_rate,
    in_grid_rate,
    metrics_markdown,
    on_time_rate,
    overdue_ever,
    received,
    repeat_rate,
    resolution_rate,
    return_rate,
    rework_rate,
    satisfaction_rate,
    signing_timeliness,
    unreachable,
)
from .filters import (
    SYSTEM,
    Filter,
    add_months,
    categories,
    category_ids,
    category_root,
    month_end,
    month_split,
    region_prefix,
)
from .maps import by_cell, months_note, recurring
from .overdue import overdue_now
from .totals import figures, sums
from .values import DASH, Average, C, Rate, Value

__all__ = [
    "BY_NAME",
    "C",
    "DASH",
    "FIGURES",
    "KEY_FIGURES",
    "OVERDUE_NOW",
    "SYSTEM",
    "Average",
    "Comparison",
    "Delta",
    "Figure",
    "Figures",
    "Filter",
    "Invalid",
    "Rate",
    "Row",
    "UNPLACED",
    "Value",
    "add_months",
    "avg_handling_hours",
    "by_category",
    "by_cell",
    "by_channel",
    "by_region",
    "by_street_category",
    "by_unit",
    "categories",
    "category_ids",
    "category_root",
    "channel_label",
    "closed",
    "compare",
    "completed",
    "completion_rate",
    "due",
    "extension_rate",
    "figures",
    "in_grid_rate",
    "metrics_markdown",
    "month_end",
    "month_split",
    "months_note",
    "on_time_rate",
    "overdue_ever",
    "overdue_now",
    "period_label",
    "previous_period",
    "received",
    "recurring",
    "region_prefix",
    "repeat_rate",
    "resolution_rate",
    "return_rate",
    "rework_rate",
    "satisfaction_rate",
    "signing_timeliness",
    "sums",
    "trend",
    "unreachable",
    "unit_rank",
    "unplaced",
    "whole_months",
    "year_before",
    "zh_label",
]
