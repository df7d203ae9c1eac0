"""The sweep: every enabled rule evaluated once, each kind by its rule function (:data:`KINDS`), and
the warnings raised from what they find — unless an open warning or a closed one on the same
evidence has the same key — linked to their cases and put in the inboxes of the recipients whose
scope holds them.

A rule with ``every_minutes`` runs at most that often; a rule raises at most ``max_new`` (default
:data:`MAX_NEW`) warnings per sweep, the oldest condition first; the rest follow a minute later.
"""

from __future__ import annotations

import datetime as dt
import logging
from collections import defaultdict

from django.db import IntegrityError, connection, transaction
from django.db.models import Max
from django.utils import timezone

from zhili.core.models import PREFIX_LENGTH

from .. import figures as fig
from ..models import Warning, WarningRule
from .clusters_spikes import rule_cluster, rule_spike
from .common import OPEN, Candidate, case_model
from .deadlines import rule_deadline_soon, rule_overdue
from .defaults import params
from .joint_meetings import rule_major_without_meeting
from .residents import rule_repeat_filer
from .sensitive_words import rule_sensitive_words
from .unit_rates import rule_unit_on_time_falling

log = logging.getLogger("zhili.warnings")

#: the most warnings one rule raises in one sweep (params "max_new" overrides)
MAX_NEW = 200
LEVEL_ZH = {"yellow": "黄色", "orange": "橙色", "red": "红色"}


KINDS = {
    "deadline_soon": rule_deadline_soon,
    "overdue": rule_overdue,
    "repeat_filer": rule_repeat_filer,
    "cluster": rule_cluster,
    "spike": rule_spike,
    "sensitive_words": rule_sensitive_words,
    "major_without_meeting": rule_major_without_meeting,
    "unit_on_time_falling": rule_unit_on_time_falling,
}


# ---------------------------------------------------------------- raising and notifying

class Context:
    """What one sweep reads once: the highest case id, the categories, the recipients."""

    def __init__(self, now: dt.datetime, rules: list[WarningRule]):
        from zhili.cases.models import CaseEvent

        self.now = now
        self.max_case_id = case_model().objects.aggregate(m=Max("id"))["m"] or 0
        self.max_event_id = CaseEvent.objects.aggregate(m=Max("id"))["m"] or 0
        self.closed = 0
        self._cats: dict | None = None
        self._users: tuple[dict, dict] | None = None
        self.roles = {r for rule in rules for r in (rule.recipients or [])}

    def cap(self, rule: WarningRule) -> int:
        return int(params(rule).get("max_new", MAX_NEW))

    def categories(self) -> dict:
        if self._cats is None:
            self._cats = fig.categories()
        return self._cats

    def _load_users(self) -> tuple[dict, dict]:
        from zhili.cases.selectors import UNIT_ROLES
        from zhili.core.models import User

        by_prefix: dict[tuple[str, str], list[int]] = defaultdict(list)
        by_unit: dict[tuple[str, int], list[int]] = defaultdict(list)
        for pk, role, prefix, org in User.objects.filter(is_active=True, role__in=self.roles).values_list(
                "pk", "role", "region__prefix", "organisation_id"):
            if role in UNIT_ROLES:
                if org:
                    by_unit[(role, org)].append(pk)
            else:
                by_prefix[(role, prefix)].append(pk)
        return by_prefix, by_unit

    def recipients(self, rule: WarningRule, region_code: str, unit_id: int | None) -> list[int]:
        """Users of the rule's roles whose scope holds the warning: a unit's staff for its own unit's
        warnings, a region's staff for warnings inside their region."""
        from zhili.cases.selectors import UNIT_ROLES

        if self._users is None:
            self._users = self._load_users()
        by_prefix, by_unit = self._users
        out: list[int] = []
        for role in rule.recipients or []:
            if role in UNIT_ROLES:
                if unit_id:
                    out += by_unit.get((role, unit_id), [])
                continue
            for n in sorted(set(PREFIX_LENGTH.values())):
                if len(region_code) >= n:
                    out += by_prefix.get((role, region_code[:n]), [])
        return list(dict.fromkeys(out))


def raise_warnings(rule: WarningRule, cands: list[Candidate], now: dt.datetime, ctx: Context) -> list[Warning]:
    """Create the warnings of the candidates that have no open warning and no closed one on the same
    evidence; link their cases; put them in the recipients' inboxes. Bulk writes only."""
    from zhili.cases.models import Notification

    if not cands:
        return []
    keys = list(dict.fromkeys(c.key for c in cands))
    existing: dict[str, list[tuple[str, str]]] = defaultdict(list)
    for i in range(0, len(keys), 500):
        for key, state, evidence in Warning.objects.filter(rule=rule, key__in=keys[i:i + 500]).values_list(
                "key", "state", "evidence"):
            existing[key].append((state, evidence))
    fresh, seen = [], set()
    for c in cands:
        if c.key in seen or any(s in OPEN or e == c.evidence for s, e in existing.get(c.key, ())):
            continue
        seen.add(c.key)
        fresh.append(c)
    fresh = fresh[:ctx.cap(rule)]
    if not fresh:
        return []
    made = Warning.objects.bulk_create([
        Warning(rule=rule, level=rule.level, key=c.key[:120], evidence=c.evidence[:64], title=c.title[:200], reason=c.reason,
                data=c.data, region_code=c.region_code[:15], unit_id=c.unit_id, subject_case_id=c.subject_case_id,
                subject_at=c.subject_at, created_at=now)
        for c in fresh])
    if any(w.pk is None for w in made):  # a backend that does not return ids
        by_key = dict(Warning.objects.filter(rule=rule, state="new", key__in=[c.key for c in fresh]).values_list("key", "pk"))
        for w in made:
            w.pk = w.id = by_key[w.key]
    Through = Warning.cases.through
    Through.objects.bulk_create([Through(warning_id=w.pk, case_id=cid) for w, c in zip(made, fresh, strict=True)
                                 for cid in dict.fromkeys(c.case_ids)], batch_size=2000)
    level = LEVEL_ZH.get(rule.level, "")
    Notification.objects.bulk_create([
        Notification(user_id=uid, kind="warning", case_id=(c.case_ids[0] if c.case_ids else None),
                     text=f"【{level}预警】{c.title}：{c.reason}"[:300], created_at=now)
        for w, c in zip(made, fresh, strict=True) for uid in ctx.recipients(rule, c.region_code, c.unit_id)],
        batch_size=2000)
    return made


def _due(rule: WarningRule, now: dt.datetime) -> bool:
    """A rule with ``every_minutes`` (the slow statistics) runs at most that often."""
    every = float(params(rule).get("every_minutes") or 0)
    if not every or rule.last_run_at is None:
        return True
    since = now - rule.last_run_at
    return not (dt.timedelta(0) <= since < dt.timedelta(minutes=every))


def sweep(now: dt.datetime | None = None) -> dict[str, int]:
    """Evaluate every enabled rule once; returns how many warnings each raised, and how many deadline
    warnings the system closed because their case closed. Idempotent: a second run with nothing new
    raises nothing."""
    now = now or timezone.now()
    rules = list(WarningRule.objects.filter(enabled=True).order_by("code"))
    ctx = Context(now, rules)
    out = {"closed": 0}
    for rule in rules:
        fn = KINDS.get(rule.kind)
        if fn is None:
            log.warning("warning rule %s has an unknown kind %r", rule.code, rule.kind)
            continue
        if not _due(rule, now):
            out[rule.code] = 0
            continue
        rule.cursor = dict(rule.cursor or {})
        try:
            with transaction.atomic():
                if connection.vendor == "postgresql":  # short queries: compiling them (JIT) costs more than it saves
                    with connection.cursor() as cur:
                        cur.execute("SET LOCAL jit = off")
                made = raise_warnings(rule, fn(rule, now, ctx), now, ctx)
                rule.cursor["case"], rule.cursor["event"] = ctx.max_case_id, ctx.max_event_id
                WarningRule.objects.filter(pk=rule.pk).update(last_run_at=now, cursor=rule.cursor)
        except IntegrityError:  # a concurrent sweep raised the same condition first
            log.warning("warning rule %s: a concurrent sweep won; trying again next time", rule.code)
            made = []
        out[rule.code] = len(made)
    out["closed"] = ctx.closed
    return out
