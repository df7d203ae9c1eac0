"""The demo district: a synthetic but realistic Kuiwen district (奎文区) of Weifang, from one seed."""

from .build import (
    CITY_DISTRICTS,
    DEMO_ACCOUNTS,
    KUIWEN_BOX,
    KUIWEN_STREETS,
    DemoError,
    RegionSpec,
    build_demo,
    kuiwen_layout,
    layout_district,
    reset_demo_passwords,
    walk,
)

__all__ = ["CITY_DISTRICTS", "DEMO_ACCOUNTS", "KUIWEN_BOX", "KUIWEN_STREETS", "DemoError", "RegionSpec", "build_demo",
           "kuiwen_layout", "layout_district", "reset_demo_passwords", "walk"]
