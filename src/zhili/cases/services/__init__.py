"""Case actions. ``register_case`` creates a case; ``act`` performs any action of the workflow
table: check (role, relation, state, tier, fields, preconditions) → change in one transaction →
timeline event + audit event → notifications after commit.

By job: ``registration``, ``actions`` (and the per-action ``handlers``), ``events`` (the
timeline), ``confirmation`` (the resident's one-time link), ``residents`` (the public page and
the link's answer), ``dispatching`` (受理并分派 in one step), ``field_reports`` (a grid worker's report from the phone), ``attachments``, ``duplicates``, ``inbox``. The names below are the ones the
rest of the project uses as ``services.<name>``."""

from zhili.core.errors import Invalid

from .actions import ActResult, act, available_actions, clean_fields
from .attachments import UPLOAD_TYPES, attach_file
from .confirmation import issue_confirmation, token_case
from .dispatching import accept_and_dispatch
from .duplicates import find_duplicates
from .field_reports import file_report
from .inbox import read_notification
from .registration import REPEAT_DAYS, case_prefix, register_case, tokens
from .residents import confirm_by_resident, file_public_request

__all__ = [
    "REPEAT_DAYS",
    "UPLOAD_TYPES",
    "ActResult",
    "Invalid",
    "accept_and_dispatch",
    "act",
    "attach_file",
    "available_actions",
    "case_prefix",
    "clean_fields",
    "confirm_by_resident",
    "file_public_request",
    "file_report",
    "find_duplicates",
    "issue_confirmation",
    "read_notification",
    "register_case",
    "token_case",
    "tokens",
]
