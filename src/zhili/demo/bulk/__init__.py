"""The bulk loader: millions of synthetic cases straight into the database, for benchmarks."""

from .load import ROLLUP_TABLES, bulk_load, rebuild_rollups, secondary_indexes

__all__ = ["ROLLUP_TABLES", "bulk_load", "rebuild_rollups", "secondary_indexes"]
