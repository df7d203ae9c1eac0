"""The demo district: a synthetic but realistic Kuiwen district (奎文区, 370705) of Weifang (潍坊市).

Everything is generated from one seed (``random.Random``, never the global generator), so the
same seed gives the same regions, organisations, compounds, people and teams in any database.
Only the demo accounts' passwords (from :mod:`secrets`) and bookkeeping timestamps differ.

The figures follow the Kuiwen article (``shared/seed/``): 8 streets, 65 communities, 408 grids
with one full-time grid worker each, 15 departments stationed in the service hall, 18 windows,
67 property companies, 19 property service stations, 726 compounds, legal aid on four levels,
and a 1+2+N+X team per grid. Street names and the district's outline are real (public DataV
GeoAtlas boundaries, converted to WGS-84); street codes 370705001…008, community names, the
boundaries of streets, communities and grids (generated inside the real outline) and all people
are made up (demo data, ``is_demo=True``).

One module per job: :mod:`.names` (names and figures), :mod:`.outlines` (the real outlines, with
:mod:`.gcj02` that converted them), :mod:`.partition` and :mod:`.layout` (the boundaries cut from
them, no database), :mod:`.build` (regions, organisations, compounds: :func:`build_demo`) and
:mod:`.people` (staff, grid teams, the demo accounts and their passwords).
"""

from .build import DemoError, build_demo
from .layout import RegionSpec, kuiwen_layout, layout_district, walk
from .names import CITY_DISTRICTS, KUIWEN_BOX, KUIWEN_STREETS
from .people import DEMO_ACCOUNTS, reset_demo_passwords

__all__ = ["CITY_DISTRICTS", "DEMO_ACCOUNTS", "KUIWEN_BOX", "KUIWEN_STREETS", "DemoError", "RegionSpec", "build_demo",
           "kuiwen_layout", "layout_district", "reset_demo_passwords", "walk"]
