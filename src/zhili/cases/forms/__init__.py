"""Input of the case office pages: the intake form, the list filters and the workflow action forms.

Adapters only. The intake form becomes the keyword arguments of ``services.register_case``; the
action forms are drawn from the FieldSpecs of :data:`zhili.cases.workflow.ACTIONS` and their
input goes unchanged to ``services.act`` (which cleans it with ``services.clean_fields``); the
filters narrow ``selectors.cases_for`` or a bucket of ``selectors.todo_buckets``.

By job: ``choices`` (the choice lists and the category tree), ``intake`` (the intake form),
``filters`` (the list filters and keyset pages; ``PAGE_SIZE`` lives there), ``actions`` (the
workflow action forms). The names below are the ones the case views use.
"""

from .actions import action_data, action_form, unit_groups
from .choices import (
    case_type_choices,
    category_options,
    category_path_label,
    channel_choices,
    party_role_choices,
    tier_choices,
    urgency_choices,
)
from .filters import apply_filters, keyset_page, parse_filters
from .intake import INTAKE_ROLES, Intake, blank_intake, parse_intake, to_float

__all__ = [
    "INTAKE_ROLES",
    "Intake",
    "action_data",
    "action_form",
    "apply_filters",
    "blank_intake",
    "case_type_choices",
    "category_options",
    "category_path_label",
    "channel_choices",
    "keyset_page",
    "parse_filters",
    "parse_intake",
    "party_role_choices",
    "tier_choices",
    "to_float",
    "unit_groups",
    "urgency_choices",
]
