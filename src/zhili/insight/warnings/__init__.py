"""Early warning (预警提醒): rules as data, a sweep that raises warnings, and the services and selector
for the people who receive them.

``sweep(now)`` evaluates every enabled :class:`~zhili.insight.models.WarningRule` with set-based
queries and raises a :class:`~zhili.insight.models.Warning` for each condition found, unless

* the rule already has an *open* warning (new or acknowledged) with the same key — the key names
  the condition: ``case:KW2026-000123:handle``, ``resident:<phone index>``,
  ``grid:<code>:<category>:<ISO week>`` … (a partial unique index guards it too); or
* a closed warning of the same key rests on the same evidence (the same deadline, the same latest
  case): handling a warning does not make it come back a minute later.

So a sweep is idempotent: run twice, the second run raises nothing.

It is fast on a big table because each rule looks only at what changed since it last ran (its
``cursor``): the deadline rules follow a cursor over the deadline in index order (Case's
(state, due_at) and sign_due_at indexes), so a deadline is looked at when it crosses the edge,
and they look again at the cases whose timeline moved (new CaseEvent ids: a case reworked after
its deadline, a new emergency); the resident, cluster and word rules look at the cases registered
since (new Case ids) and count inside their window by index (reporter_phone_index,
(region_code, created_at)); the spike and unit rules read the rollup tables (the spike at most
hourly). A rule's first run looks back ``first_run_hours`` (or ``lookback_days``), not at all
history. Each rule raises at most ``max_new`` (default 200) warnings per run, the oldest condition
first; the rest follow a minute later.

Nothing is resolved automatically, except that a deadline warning whose case has since closed is
marked handled by the system (``handled_by`` empty).

One job a module. The engine: ``defaults`` (the rules as data: PARAMS, DEFAULT_RULES, seed_rules),
``common`` (what the rules share: Candidate, what changed since a rule last looked), ``engine`` (the
sweep: raising the warnings and routing them to their recipients) and ``inbox`` (who may see them —
a dashboard viewer every warning of his region — and who must act: acknowledging and handling is
for the recipients the rule routes it to). The rules, by kind: ``deadlines`` (deadline soon, overdue),
``residents`` (repeat filer), ``clusters_spikes`` (cluster, spike), ``sensitive_words``,
``joint_meetings`` (a major case without a joint meeting) and ``unit_rates`` (a unit's on-time rate
falling).

This package imports what the rest of Zhili uses (``from zhili.insight import warnings as wn``;
``wn.sweep()``). ``raise_warnings``, which the benchmark wraps, is read on :mod:`.engine`.
"""

from .clusters_spikes import (
    ewma,
    poisson_tail,
    rule_cluster,
    rule_spike,
    spike_score,
)
from .common import (
    ID_MARGIN,
    MAX_LINKED,
    OPEN,
    Candidate,
)
from .deadlines import (
    DEADLINE_KINDS,
    SYSTEM_NOTE,
    rule_deadline_soon,
    rule_overdue,
)
from .defaults import (
    DEFAULT_RULES,
    PARAMS,
    params,
    seed_rules,
)
from .engine import (
    KINDS,
    LEVEL_ZH,
    MAX_NEW,
    sweep,
)
from .inbox import (
    LEVELS,
    acknowledge_warning,
    handle_warning,
    open_counts_by_level,
    routed_rule_ids,
    warnings_for,
    warnings_to_act,
)
from .joint_meetings import BACKFILL, rule_major_without_meeting
from .residents import rule_repeat_filer
from .sensitive_words import rule_sensitive_words
from .unit_rates import rule_unit_on_time_falling

__all__ = [
    "BACKFILL",
    "DEADLINE_KINDS",
    "DEFAULT_RULES",
    "ID_MARGIN",
    "KINDS",
    "LEVELS",
    "LEVEL_ZH",
    "MAX_LINKED",
    "MAX_NEW",
    "OPEN",
    "PARAMS",
    "SYSTEM_NOTE",
    "Candidate",
    "acknowledge_warning",
    "ewma",
    "handle_warning",
    "open_counts_by_level",
    "params",
    "poisson_tail",
    "routed_rule_ids",
    "rule_cluster",
    "rule_deadline_soon",
    "rule_major_without_meeting",
    "rule_overdue",
    "rule_repeat_filer",
    "rule_sensitive_words",
    "rule_spike",
    "rule_unit_on_time_falling",
    "seed_rules",
    "spike_score",
    "sweep",
    "warnings_for",
    "warnings_to_act",
]
