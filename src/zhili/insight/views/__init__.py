"""Pages of statistics and analysis (/insight/), warnings (/insight/warnings/) and the big screen (/screen/).

Read-only except for acknowledging and handling warnings. Every figure comes from
:mod:`zhili.insight.figures` (the one definition of each figure), the hotspot map and the recurring
matters and places included; the case queries here only list cases — those of a clicked map cell, the
screen's live feed — always on ``cases_for(actor)``, so the data scope applies.

One job a module: ``base`` (the dashboard permission, today, a refused filter's message),
``filterbar`` (the GET parameters as a Filter, the choices of the filter bar, the filter's cases),
``tables`` (the analysis page's tables, charts and Excel sheets), ``analysis_page`` (/insight/ and
the cases of a map cell), ``downloads`` (the Excel export and the Word report), ``warnings_page``
(/insight/warnings/) and ``big_screen`` (/screen/ and /screen/data.json).

This package imports the views ``zhili.insight.urls`` names and what else the rest of Zhili uses.
"""

from .analysis_page import CARD_FIGURES, CARD_LABELS, RISE_IS_BAD, analysis, cards, hex_cases
from .base import dashboard, today
from .big_screen import (
    COLOURS,
    REFRESH_MS,
    colour,
    map_regions,
    open_per_region,
    open_rows,
    open_total,
    screen,
    screen_data,
    screen_json,
)
from .downloads import export_xlsx, report_docx
from .filterbar import (
    filtered_cases,
    lead_units,
    parse_filter,
    quick_periods,
    regions_allowed,
    root_categories,
    streets_in_scope,
)
from .tables import (
    HEX_CAP,
    TOP,
    Table,
    build,
    hexagons,
    table_category,
    table_channel,
    table_clusters,
    table_figures,
    table_heat,
    table_hex,
    table_recurring,
    table_satisfaction,
    table_trend,
    table_units,
)
from .warnings_page import LEVEL_TAG, STATE_TAG, warning_act, warnings_list

__all__ = [
    "CARD_FIGURES",
    "CARD_LABELS",
    "COLOURS",
    "HEX_CAP",
    "LEVEL_TAG",
    "REFRESH_MS",
    "RISE_IS_BAD",
    "STATE_TAG",
    "TOP",
    "Table",
    "analysis",
    "build",
    "cards",
    "colour",
    "dashboard",
    "export_xlsx",
    "filtered_cases",
    "hex_cases",
    "hexagons",
    "lead_units",
    "map_regions",
    "open_per_region",
    "open_rows",
    "open_total",
    "parse_filter",
    "quick_periods",
    "regions_allowed",
    "report_docx",
    "root_categories",
    "screen",
    "screen_data",
    "screen_json",
    "streets_in_scope",
    "table_category",
    "table_channel",
    "table_clusters",
    "table_figures",
    "table_heat",
    "table_hex",
    "table_recurring",
    "table_satisfaction",
    "table_trend",
    "table_units",
    "today",
    "warning_act",
    "warnings_list",
]
