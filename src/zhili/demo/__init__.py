"""Demo and benchmark data: everything Zhili generates rather than records, one module per app.

- :mod:`zhili.demo.district`: the demo district (Kuiwen, or the whole city of Weifang) — regions
  and their boundaries, organisations, compounds, staff, grid teams and the demo accounts;
- :mod:`zhili.demo.cases`: a living year of cases for that district, through the ORM — what each
  case is about from :mod:`zhili.demo.matters` (titles, texts and units by category), how it lives
  from :mod:`zhili.demo.story`, held to the workflow's rules by :mod:`zhili.demo.lifecycle`;
- :mod:`zhili.demo.bulk`: millions of synthetic cases in set-based SQL, for the benchmarks.

Used by ``zhili demo`` and ``zhili up`` (:mod:`zhili.cli`), the benchmarks in ``bench/`` and the
tests — never by the product's code paths: the demo imports the product (its models, services and
rollups), the product never imports the demo.
"""

from .bulk import bulk_load, rebuild_rollups
from .cases import generate_cases
from .district import DEMO_ACCOUNTS, DemoError, build_demo, reset_demo_passwords

__all__ = ["DEMO_ACCOUNTS", "DemoError", "build_demo", "bulk_load", "generate_cases", "rebuild_rollups",
           "reset_demo_passwords"]
