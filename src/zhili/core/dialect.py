"""The few SQL expressions where PostgreSQL and SQLite differ, for hand-written statements.

Any app that writes set-based SQL (a rollup rebuilt from its records, a bulk loader) takes its
local day, local month and the like from here, so that every table is counted on the same China
day as the services count it (:data:`zhili.core.calendar.SHANGHAI`, UTC+8 all year since 1991)::

    d = Dialect(connection.vendor)
    cur.execute(f"SELECT {d.local_day('c.created_at')}, COUNT(*) FROM cases_case c GROUP BY 1")
"""

from __future__ import annotations

#: microseconds in a second (epoch expressions)
US = 1_000_000


class Dialect:
    """SQL text for one database vendor ("postgresql" or "sqlite"); anything else is refused."""

    def __init__(self, vendor: str):
        if vendor not in ("postgresql", "sqlite"):
            raise RuntimeError(f"hand-written SQL supports PostgreSQL and SQLite, not {vendor}")
        self.vendor = vendor
        self.pg = vendor == "postgresql"
        #: appended to a subquery, keeps the planner from inlining it
        self.fence = "OFFSET 0" if self.pg else "LIMIT -1 OFFSET 0"

    def series(self, lo: int, hi: int) -> str:
        """A ``WITH`` clause naming ``g(i)``: the integers lo..hi."""
        if self.pg:
            return f"WITH g(i) AS (SELECT generate_series({lo}::bigint, {hi}::bigint))"
        return f"WITH RECURSIVE g(i) AS (SELECT {lo} UNION ALL SELECT i + 1 FROM g WHERE i < {hi})"

    def ts(self, expr: str) -> str:
        """A timestamp from seconds since the epoch."""
        return f"to_timestamp({expr})" if self.pg else f"datetime({expr}, 'unixepoch')"

    def greatest(self, a: str, b: str) -> str:
        """The larger of the two, NULL if either is (SQLite's max(); PostgreSQL's GREATEST ignores NULLs)."""
        return f"(CASE WHEN ({a}) IS NULL OR ({b}) IS NULL THEN NULL ELSE GREATEST({a}, {b}) END)" if self.pg \
            else f"max({a}, {b})"

    def json(self, expr: str) -> str:
        return f"CAST({expr} AS jsonb)" if self.pg else expr

    def epoch_us(self, col: str) -> str:
        """Microseconds since the epoch of a timestamp column."""
        if self.pg:
            return f"CAST(EXTRACT(EPOCH FROM {col}) * {US} AS bigint)"
        # Django keeps 'YYYY-MM-DD HH:MM:SS[.ffffff]' (UTC) in SQLite
        return f"(CAST(strftime('%s', {col}) AS INTEGER) * {US} + CAST(substr({col} || '.000000', 21, 6) AS INTEGER))"

    def local_day(self, col: str) -> str:
        """The China (Asia/Shanghai) date of a timestamp column."""
        return f"CAST(({col} AT TIME ZONE 'Asia/Shanghai') AS date)" if self.pg else f"date({col}, '+8 hours')"

    def local_month(self, col: str) -> str:
        """The first day of the China (Asia/Shanghai) month of a timestamp column."""
        if self.pg:
            return f"CAST(date_trunc('month', {col} AT TIME ZONE 'Asia/Shanghai') AS date)"
        return f"strftime('%Y-%m-01', {col}, '+8 hours')"

    def root_code(self, col: str) -> str:
        """The first code of a '/'-joined code path."""
        if self.pg:
            return f"split_part({col}, '/', 1)"
        return f"CASE WHEN instr({col}, '/') > 0 THEN substr({col}, 1, instr({col}, '/') - 1) ELSE {col} END"

    def seq_text(self, expr: str) -> str:
        """A sequence number as text, at least six digits with leading zeros."""
        if self.pg:
            return f"(CASE WHEN {expr} < 1000000 THEN lpad(CAST({expr} AS text), 6, '0') ELSE CAST({expr} AS text) END)"
        return f"printf('%06d', {expr})"
