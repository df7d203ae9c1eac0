"""智能派单: which unit to dispatch a case to, ranked from where the region's past cases of the same
category and similar text were sent, and how they ended.

One bounded read: the latest :data:`SAMPLE` dispatched cases of the case's category registered in
the :data:`WINDOW_DAYS` before it, inside the actor's data scope (the ``(category, created_at)``
index); when the category has fewer than :data:`FEW` of them, the cases of its sibling categories
count too, for less. Each past case votes for the units its ledger (:mod:`zhili.cases.ledger`)
assigned it to, with a weight of ``BASE + Jaccard`` of the two cases' jieba tokens (``search_text``):

* the unit that kept it (its last assignment) gains the weight, times how it ended — closed on time
  and solved to the resident's satisfaction counts fully; late, unsatisfied or unsolved count less;
  still open counts a little less;
* a unit that returned it (退回) loses half the weight: the case was not its business.

A street or community office a past case was sent to *as its own place's office* (属地) votes for
the office of the new case's place, not for an office elsewhere. Reads only: no wall clock (the
window ends at the case's registration, or at ``before``)."""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from dataclasses import dataclass

from django.utils.translation import gettext as _

from zhili.core.models import Organisation

from . import ledger
from .models import Case
from .workflow import DISPATCHERS, DONE

WINDOW_DAYS = 365
SAMPLE = 400
FEW = 12
BASE = 0.15
SIBLING = 0.3  # a sibling category's case weighs this much of one of the same category
RETURN_PENALTY = 0.5
LOCAL_TYPES = ("street_office", "community_office")
_FIELDS = ("id", "region_code", "category_id", "search_text", "ledger", "lead_unit_id", "dispatched_at",
           "sign_due_at", "signed_at", "return_count", "extension_count", "state", "on_time", "satisfaction", "solved")


@dataclass
class Suggestion:
    unit_id: int
    name: str
    score: float
    sent: int  # past cases given to this unit (any assignment)
    kept: int  # of which it kept (its last assignment, not returned)
    done: int  # of those, completed
    on_time: int  # of those, completed on time
    returned: int  # cases it returned
    similar: int  # of the cases sent to it, how many with similar text
    local: bool  # the office of the case's own place

    @property
    def on_time_rate(self) -> float | None:
        return self.on_time / self.done if self.done else None

    @property
    def reason(self) -> str:
        if self.local:
            text = _("In the past year %(n)d cases of this category went to the local office") % {"n": self.sent}
        else:
            text = _("In the past year %(n)d cases of this category went to this unit") % {"n": self.sent}
        rate = self.on_time_rate
        text += "，" + (_("%(rate)d%% closed on time") % {"rate": round(rate * 100)} if rate is not None
                       else _("none closed yet"))
        if self.similar:
            text += "，" + _("%(n)d with similar text") % {"n": self.similar}
        if self.returned:
            text += "，" + _("returned %(n)d") % {"n": self.returned}
        return text

    def as_dict(self) -> dict:
        return {"unit_id": self.unit_id, "name": self.name, "score": round(self.score, 3), "sent": self.sent,
                "kept": self.kept, "done": self.done, "on_time": self.on_time, "returned": self.returned,
                "similar": self.similar, "local": self.local, "reason": self.reason}


def _words(text: str) -> set[str]:
    return {w for w in (text or "").split() if any(ch.isalnum() for ch in w)}


def _quality(c: Case) -> float:
    """How well the case ended for the unit that kept it: 1 closed on time and satisfied."""
    if c.state not in DONE:
        return 0.8
    q = 1.0
    if c.on_time is False:
        q -= 0.3
    if c.satisfaction == "unsatisfied":
        q -= 0.3
    if c.solved is False:
        q -= 0.2
    return max(q, 0.1)


def _past(actor, case: Case, before: dt.datetime) -> list[tuple[Case, float]]:
    since = before - dt.timedelta(days=WINDOW_DAYS)
    qs = Case.objects.filter(created_at__gte=since, created_at__lt=before, dispatched_at__isnull=False).exclude(pk=case.pk)
    if not actor.is_superuser:
        qs = qs.filter(region_code__startswith=actor.scope_prefix)
    same = list(qs.filter(category_id=case.category_id).only(*_FIELDS).order_by("-created_at")[:SAMPLE])
    out = [(c, 1.0) for c in same]
    parent = case.category_path.rsplit("/", 1)[0] if "/" in (case.category_path or "") else ""
    if len(same) < FEW and parent:
        siblings = (qs.filter(category_path__startswith=parent + "/").exclude(category_id=case.category_id)
                    .only(*_FIELDS).order_by("-created_at")[:SAMPLE])
        out += [(c, SIBLING) for c in siblings]
    return out


def _local_office(case: Case, org_type: str) -> Organisation | None:
    """The office of this type whose region contains the case's (the longest prefix)."""
    prefixes = [case.region_code[:n] for n in (6, 9, 12, 15) if len(case.region_code) >= n]
    found = list(Organisation.objects.filter(org_type=org_type, active=True, region__prefix__in=prefixes)
                 .select_related("region"))
    return max(found, key=lambda o: len(o.region.prefix), default=None)


def suggest_units(actor, case: Case, *, limit: int = 5, before: dt.datetime | None = None) -> list[Suggestion]:
    """The units to dispatch ``case`` to, best first, each with its figures and a short reason."""
    if actor is None or not actor.is_authenticated or not (actor.is_superuser or actor.role in DISPATCHERS):
        return []
    before = before or case.created_at
    past = _past(actor, case, before)
    if not past:
        return []
    mine = _words(case.search_text)
    rows = []
    unit_ids = set()
    for c, base in past:
        other = _words(c.search_text)
        sim = len(mine & other) / len(mine | other) if mine and other else 0.0
        chain = ledger.assignments(c)
        unit_ids.update(a["u"] for a in chain)
        rows.append((c, base * (BASE + sim), sim, chain))
    units = {o.pk: o for o in Organisation.objects.filter(pk__in=unit_ids).select_related("region")}

    def key(unit_id: int, region_code: str):
        o = units.get(unit_id)
        if o is not None and o.org_type in LOCAL_TYPES and region_code.startswith(o.region.prefix):
            return ("local", o.org_type)
        return unit_id

    score: dict = defaultdict(float)
    figures: dict = defaultdict(lambda: {"sent": set(), "kept": 0, "done": 0, "on_time": 0, "returned": 0, "similar": set()})
    for c, w, sim, chain in rows:
        for i, a in enumerate(chain):
            k = key(a["u"], c.region_code)
            f = figures[k]
            f["sent"].add(c.pk)
            if sim >= 0.3:
                f["similar"].add(c.pk)
            if a.get("r"):
                f["returned"] += 1
                score[k] -= RETURN_PENALTY * w
            elif i == len(chain) - 1:
                f["kept"] += 1
                score[k] += w * _quality(c)
                if c.state in DONE:
                    f["done"] += 1
                    f["on_time"] += 1 if c.on_time else 0
    out = []
    for k, s in score.items():
        local = isinstance(k, tuple)
        o = _local_office(case, k[1]) if local else units.get(k)
        if o is None or not o.active or s <= 0:
            continue
        f = figures[k]
        out.append(Suggestion(unit_id=o.pk, name=o.name, score=s, sent=len(f["sent"]), kept=f["kept"], done=f["done"],
                              on_time=f["on_time"], returned=f["returned"], similar=len(f["similar"]), local=local))
    merged: dict[int, Suggestion] = {}
    for s in sorted(out, key=lambda s: (-s.score, s.unit_id)):
        merged.setdefault(s.unit_id, s)  # a local office that is also named directly: its better entry
    return list(merged.values())[:limit]
