"""智能派单 measured on the demo year: the year is built as tests/test_demo_year.py builds it, the
latest month is held out, and for each held-out case that was dispatched the suggestion made from
the cases registered before that month is compared with the unit the demo's rules actually
dispatched it to first (its ledger's first assignment). The floor is well above the trivial
baseline (always the year's most frequent unit). No wall clock: the year ends at END."""

from __future__ import annotations

import datetime as dt
from collections import Counter

import pytest

from zhili.cases import ledger, rollups
from zhili.cases.models import Case, CaseCounter
from zhili.cases.rollups import TABLES
from zhili.cases.suggest import suggest_units
from zhili.core import geo
from zhili.core.calendar import SHANGHAI
from zhili.core.models import Compound, GridTeamMember, Organisation, Region, Resident, User
from zhili.demo import build_demo, generate_cases

END = dt.datetime(2026, 11, 26, tzinfo=SHANGHAI)
HOLD_OUT = dt.datetime(2026, 10, 26, tzinfo=SHANGHAI)  # the latest month
N = 1500

pytestmark = pytest.mark.slow


@pytest.fixture(scope="module")
def year(django_db_setup, django_db_blocker):
    """The demo district with a year of cases (as in test_demo_year), removed afterwards."""
    with django_db_blocker.unblock():
        build_demo(seed=2026)
        generate_cases(N, seed=5, end=END)
        yield
        Case.objects.update(master=None)
        Case.objects.all().delete()
        for model, _key in TABLES:
            model.objects.all().delete()
        for model in (rollups.RecurringRollup, rollups.DueRollup, rollups.TextKey, CaseCounter, Resident,
                      GridTeamMember):
            model.objects.all().delete()
        User.objects.all().delete()
        Compound.objects.all().delete()
        Organisation.objects.update(parent=None)
        Organisation.objects.all().delete()
        Region.objects.update(parent=None)
        Region.objects.all().delete()
        geo.invalidate()


def _first_unit(case: Case) -> int | None:
    chain = ledger.assignments(case)
    return chain[0]["u"] if chain else None


def test_suggestion_accuracy_on_the_held_out_month(year, db):
    clerk = User.objects.filter(role="window_clerk", region__level="district").order_by("pk").first()
    assert clerk is not None
    past = [(c.category_id, u) for c in Case.objects.filter(created_at__lt=HOLD_OUT, dispatched_at__isnull=False)
            if (u := _first_unit(c)) is not None]
    train = Counter(u for _cat, u in past)
    by_category: dict[int, Counter] = {}
    for cat, u in past:
        by_category.setdefault(cat, Counter())[u] += 1
    held = [c for c in Case.objects.filter(created_at__gte=HOLD_OUT, created_at__lt=END, dispatched_at__isnull=False)
            .order_by("created_at", "pk") if _first_unit(c) is not None]
    assert len(held) >= 50, len(held)
    top_unit, _n = train.most_common(1)[0]
    top1 = top3 = baseline = per_category = 0
    for c in held:
        truth = _first_unit(c)
        ranked = [s.unit_id for s in suggest_units(clerk, c, limit=3, before=HOLD_OUT)]
        top1 += bool(ranked) and ranked[0] == truth
        top3 += truth in ranked
        baseline += truth == top_unit
        usual = by_category.get(c.category_id)
        per_category += bool(usual) and usual.most_common(1)[0][0] == truth
    n = len(held)
    figures = {"held_out": n, "top1": top1 / n, "top3": top3 / n, "baseline": baseline / n,
               "per_category": per_category / n}
    print(f"\n智能派单 on the demo year's latest month: {n} dispatched cases; top-1 {figures['top1']:.1%}, "
          f"top-3 {figures['top3']:.1%}; baseline (the most frequent unit) {figures['baseline']:.1%}; "
          f"the category's most frequent unit {figures['per_category']:.1%}")
    assert figures["top1"] >= max(0.45, 3 * figures["baseline"]), figures
    assert figures["top3"] >= 0.75, figures
