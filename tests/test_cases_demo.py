"""The generated year of cases: deterministic, every channel/type/tier/state, mostly completed."""

import datetime as dt
import hashlib

import pytest

from zhili.cases.models import Case, CaseEvent
from zhili.core.calendar import SHANGHAI
from zhili.demo.cases import generate_cases

END = dt.datetime(2026, 11, 26, tzinfo=SHANGHAI)
pytestmark = pytest.mark.django_db


def _digest():
    h = hashlib.sha256()
    for row in Case.objects.order_by("number").values_list("number", "state", "category__code", "region_code", "tier",
                                                          "channel", "created_at", "due_at", "satisfaction"):
        h.update(repr(row).encode())
    for row in CaseEvent.objects.order_by("case__number", "at", "action").values_list("case__number", "action", "at"):
        h.update(repr(row).encode())
    return h.hexdigest()


def test_generated_cases_are_deterministic_and_plausible(district, hall, staff, django_db_blocker):
    from django.db import transaction

    result = generate_cases(600, seed=11, end=END)
    assert result["cases"] == 600
    first = _digest()
    states = set(Case.objects.values_list("state", flat=True))
    assert {"closed", "archived"} <= states and states & {"handling", "callback", "dispatched", "feedback"}
    assert set(Case.objects.values_list("tier", flat=True)) == {"simple", "complex", "major"}
    assert len(set(Case.objects.values_list("channel", flat=True))) >= 6
    old = Case.objects.filter(created_at__lt=END - dt.timedelta(days=45))
    done = old.filter(state__in=("closed", "archived", "rejected", "merged")).count()
    assert done / old.count() > 0.96
    # every case's timeline starts with its registration and ends in its state
    for case in Case.objects.all()[:200]:
        evs = list(case.events.order_by("at", "id"))
        assert evs[0].action == "register"
        assert evs[-1].to_state == case.state or case.state in ("registered",)
    # the same seed again gives the same cases
    with transaction.atomic():
        sid = transaction.savepoint()
        Case.objects.update(master=None)  # a merged case names its master (protected)
        Case.objects.all().delete()
        from zhili.cases.models import CaseCounter

        CaseCounter.objects.all().delete()
        generate_cases(600, seed=11, end=END)
        assert _digest() == first
        Case.objects.update(master=None)
        Case.objects.all().delete()
        CaseCounter.objects.all().delete()
        generate_cases(600, seed=12, end=END)
        assert _digest() != first
        transaction.savepoint_rollback(sid)
