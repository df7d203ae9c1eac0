"""The case counters (统计汇总), kept by the case services and read by ``insight``.

Counters live with the data they count: every change of a case adds the difference of its
contribution to its rows inside the same transaction (:func:`track`, :func:`apply_change`); the
figures (:mod:`zhili.insight.figures`) sum these rows and never count the cases table.

- :mod:`.counters` — what a case counts for (:func:`contribution`, :func:`keys`) and keeping the
  rows current; the overdue sweep (:func:`mark_overdue`);
- :mod:`.recurring` — recurring titles and addresses (反复反映的事项和地点);
- :mod:`.dues` — open cases by deadline day, for "overdue now";
- :mod:`.check` — rebuild every table from the cases and check it against a raw recount.

The tables themselves are :mod:`zhili.cases.models.rollups`, re-exported here: this package is
what another app reads the counters through.
"""

from ..models import (
    COUNTERS,
    DailyGridRollup,
    DailyStreetRollup,
    DailyUnitRollup,
    DueRollup,
    MonthlyCellRollup,
    MonthlyGridRollup,
    MonthlyStreetRollup,
    RecurringRollup,
    RegionRollup,
    TextKey,
)
from ..workflow import DONE, NOT_RECEIVED
from . import dues, recurring
from .check import add_sums, check, rebuild, recount, recount_in_sql
from .counters import (
    TABLES,
    apply_change,
    changes,
    contribution,
    keys,
    mark_overdue,
    rows,
    snapshot,
    track,
    upsert_sql,
)

__all__ = [
    "COUNTERS", "DailyGridRollup", "DailyStreetRollup", "DailyUnitRollup", "DueRollup", "MonthlyCellRollup", "MonthlyGridRollup",
    "MonthlyStreetRollup", "RecurringRollup", "RegionRollup", "TextKey",
    "DONE", "NOT_RECEIVED", "TABLES",
    "dues", "recurring",
    "add_sums", "apply_change", "changes", "check", "contribution", "keys", "mark_overdue", "rebuild", "recount",
    "recount_in_sql", "rows", "snapshot", "track", "upsert_sql",
]
