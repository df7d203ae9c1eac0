"""Millions of synthetic cases straight into the database, for benchmarks: set-based SQL only.

``bulk_load(n)`` writes ``n`` cases, one party and a two-step timeline per case, the case
counters and the rollups, with set-based SQL per chunk — over ``generate_series`` on PostgreSQL
(one statement: the cases, and from their ``RETURNING`` rows the parties, events and rollup
contributions), over a recursive CTE on SQLite (one ``INSERT … SELECT`` per table). No Python
runs per case: Python only fills small lookup tables (grids, case templates, residents, time of
day, the working-day calendar) and the SQL picks from them with a hash of the row number.
Chunks are cut at whole days and month starts; on PostgreSQL two connections load them side by
side. Also ``zhili demo --bulk N``. Figures: docs/performance.md.

What a row gets, from its row number ``i`` (deterministic for a seed, an ``n`` and an ``end``):

- ``created_at``: the 365 (``days``) Shanghai days before ``end``'s day, in row order (numbers rise with time),
  the time of day following the demo's hourly weights (07:00–22:00);
- a grid of the district (its point one of 256 places inside the grid, each with its h3 cell and
  the address of one of 16 buildings: "胜利东街 1234号 福寿花园 5号楼"), and one of 512 templates of the grid's
  street — category (street-specific mix), type, channel, tier, urgency, title, description,
  jieba tokens, lead unit (department, street office or community office), deadline policy —
  drawn from the demo's matters (:mod:`zhili.demo.matters`), as the year of cases draws them: a
  title and text of the category, and a lead unit that handles it;
- a reporter from a pool of residents created here with real encrypted phones and blind
  indexes (``n // 10``, at least 1,000), 30 % of the cases from a few frequent filers;
- a life: 1 % rejected, 0.5 % merged, 45 % of the simple cases resolved on the spot, the rest
  accepted → dispatched → signed → result → checked → called back → closed, 70 % of those closed
  more than 60 days before ``end`` archived; about 1.5 % get stuck (never signed, never
  resolved, never checked, never called back), so among old cases about 97 % are closed or
  archived. Every step takes a hashed time; the state is the last step reached by ``end``, so
  recent cases are open in every state with deadlines around ``end`` and the to-do and overdue
  buckets are filled. Deadlines follow the matching :class:`DeadlinePolicy` exactly for hours,
  days and working days (the calendar of :mod:`zhili.core.calendar`); a calendar month is taken
  as 30 days. ``open_share`` keeps that share of the cases open at ``end`` (a backlog, for the
  warning sweep's benchmark). 6 % of the results come late; 4 % returned once, 5 % extended, 3 % reworked
  (counts only, no extra timeline steps); ``is_repeat`` is a 6 % flag, not the 30-day rule.

Rollups are added with one ``INSERT … SELECT … GROUP BY … ON CONFLICT DO UPDATE`` per rollup
table and chunk, and equal what :func:`zhili.cases.rollups.contribution` gives case by case —
``handling_seconds`` included: working time is computed exactly in SQL from a calendar table
filled from :func:`zhili.core.calendar.is_workday` (cumulative working days per Shanghai day),
so ``rollups.check()`` reports nothing. :func:`rebuild_rollups` recomputes every rollup row the
same way (for tables too large for :func:`zhili.cases.rollups.rebuild`).

Case numbers continue the :class:`CaseCounter` of each year (7 digits past 999,999 — 14
characters with the prefix ``KW``, the field holds 20): the numbers of the whole load are
reserved up front, so registrations running at the same time take the ones after them.
"""

from .load import bulk_load, secondary_indexes
from .statements import ROLLUP_TABLES, rebuild_rollups

__all__ = ["ROLLUP_TABLES", "bulk_load", "rebuild_rollups", "secondary_indexes"]
