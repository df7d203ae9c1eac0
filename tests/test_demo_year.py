"""The demo's year of cases in the demo district obeys the rules: every stored flag is what the case's
own timeline implies (recomputed here from the events, independently of the generator), titles
belong to their categories and the lead units handle them, unsatisfied verdicts survive, joint
meetings bind the dispatch, and the counters equal a recount. No wall clock: the year ends at END."""

from __future__ import annotations

import datetime as dt
from collections import Counter, defaultdict

import pytest
from django.db.models import Sum

from zhili.cases import deadlines, rollups
from zhili.cases.models import (
    Case,
    CaseCounter,
    CaseEvent,
    CaseUnit,
    DeadlinePolicy,
    JointMeeting,
    RiskAssessment,
)
from zhili.cases.rollups import COUNTERS, TABLES
from zhili.cases.workflow import ACTIONS, CLOCK_STATES, DONE, NOT_RECEIVED
from zhili.core import geo
from zhili.core.calendar import SHANGHAI
from zhili.core.models import CodeItem, Compound, GridTeamMember, Organisation, Region, Resident, User
from zhili.demo import build_demo, bulk_load, generate_cases
from zhili.demo import matters as m
from zhili.demo.district.names import DEPARTMENTS
from zhili.insight import figures as fg

END = dt.datetime(2026, 11, 26, tzinfo=SHANGHAI)
N = 1500
GRID_ROLES = {"grid_worker", "grid_leader", "grid_instructor", "grid_dept_staff", "community_staff"}


@pytest.fixture(scope="module")
def year(django_db_setup, django_db_blocker):
    """The demo district with a year of cases, built once for this module and removed afterwards."""
    with django_db_blocker.unblock():
        build_demo(seed=2026)
        result = generate_cases(N, seed=5, end=END)
        yield result
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


def _events() -> dict[int, list]:
    out = defaultdict(list)
    for ev in CaseEvent.objects.select_related("actor").order_by("case_id", "at", "id"):
        out[ev.case_id].append(ev)
    return out


def _replay(case: Case, events: list, policies: list, meetings: dict[int, JointMeeting]) -> dict:
    """What the timeline implies, by the rules of the services (handlers.py) and the overdue sweep."""
    p = deadlines.match_policy(policies, case_type=case.case_type, tier=case.tier, urgency=case.urgency,
                               ancestors=case.category_path.split("/"))
    sign = (p.sign_value, p.sign_unit) if p else deadlines.FALLBACK["sign"]
    handle = (p.handle_value, p.handle_unit) if p else deadlines.FALLBACK["handle"]
    s = {"state": "", "accepted_at": None, "dispatched_at": None, "signed_at": None, "sign_due_at": None, "due_at": None,
         "deadline_unit": "", "resolved_at": None, "closed_at": None, "archived_at": None, "on_time": None,
         "was_overdue": False, "return_count": 0, "extension_count": 0, "extended_days": 0, "rework_count": 0,
         "satisfaction": "", "solved": None, "resolved_in_grid": False, "lead_unit_id": None}
    meeting = None
    for ev in events:
        a = ev.action
        assert ev.from_state == s["state"], (case.number, a, ev.from_state, s["state"])
        if a not in ("register", "merged_in"):
            assert s["state"] in ACTIONS[a].sources and case.tier in ACTIONS[a].tiers, (case.number, a, s["state"])
        if s["state"] in CLOCK_STATES and s["due_at"] and s["due_at"] < ev.at:  # the overdue sweep
            s["was_overdue"] = True
        if a == "accept":
            s["accepted_at"] = ev.at
        elif a == "resolve_on_spot":
            s["accepted_at"] = s["accepted_at"] or ev.at
            s["resolved_at"], s["on_time"] = ev.at, True
            s["resolved_in_grid"] = ev.actor is not None and ev.actor.role in GRID_ROLES
        elif a == "hold_meeting":
            meeting = meetings[ev.data["meeting_id"]]
            s["lead_unit_id"] = meeting.lead_unit_id
            if s["state"] in CLOCK_STATES:
                s["due_at"] = meeting.deadline
        elif a == "dispatch":
            s["lead_unit_id"] = ev.data["lead_unit"]["id"]
            first = s["dispatched_at"] is None
            s["dispatched_at"] = ev.at
            if first or s["due_at"] is None:
                s["sign_due_at"], s["due_at"] = deadlines.add(ev.at, *sign), deadlines.add(ev.at, *handle)
                s["deadline_unit"] = handle[1]
                if meeting is not None:
                    s["due_at"] = meeting.deadline
            else:
                s["sign_due_at"] = deadlines.add(ev.at, *sign)
        elif a == "sign":
            s["signed_at"] = ev.at
        elif a == "return":
            s["return_count"] += 1
        elif a == "request_extension":
            assert s["due_at"] >= ev.at, (case.number, "asked after the deadline")
        elif a == "decide_extension" and ev.data["approve"]:
            days = int(ev.data["days"])
            s["due_at"] = deadlines.add(s["due_at"], days, "wd" if s["deadline_unit"] == "wd" else "d")
            s["extension_count"] += 1
            s["extended_days"] += days
        elif a == "submit_result":
            s["resolved_at"] = ev.at
            s["on_time"] = s["due_at"] is None or ev.at <= s["due_at"]
            s["was_overdue"] |= not s["on_time"]
        elif a == "check_fail":
            s["rework_count"] += 1
            s["resolved_at"] = None
        elif a == "callback":
            s["solved"], s["satisfaction"] = ev.data["solved"], ev.data["satisfaction"]
            if ev.data["solved"] and ev.data["satisfaction"] in ("satisfied", "basic"):
                assert ev.to_state == "closed"
                s["closed_at"] = ev.at
            else:  # reopened: rework, back to the unit (or to dispatch, if settled on the spot)
                assert ev.to_state == ("handling" if s["lead_unit_id"] else "accepted"), case.number
                s["rework_count"] += 1
                s["resolved_at"] = s["closed_at"] = None
        elif a == "callback_failed":
            assert ev.data["attempt"] <= ev.data["of"]
            if ev.data["attempt"] == ev.data["of"]:  # the last attempt allowed: closed as 无法联系
                assert ev.to_state == "closed" and ev.data["unreachable"] is True
                s["closed_at"] = ev.at
        elif a in ("reject", "merge"):
            s["closed_at"] = ev.at
        elif a == "archive":
            s["archived_at"] = ev.at
        if a != "merged_in":
            s["state"] = ev.to_state
    if s["state"] in CLOCK_STATES and s["due_at"] and s["due_at"] < END:
        s["was_overdue"] = True
    return s


def test_every_flag_is_what_the_timeline_implies(year, db):
    policies = list(DeadlinePolicy.objects.filter(active=True).select_related("category"))
    meetings = {mt.pk: mt for mt in JointMeeting.objects.all()}
    events = _events()
    cases = list(Case.objects.order_by("pk"))
    assert len(cases) == N
    for case in cases:
        evs = events[case.pk]
        assert evs[0].action == "register" and evs[0].at == case.created_at
        assert all(e.at < END for e in evs) and [e.at for e in evs] == sorted(e.at for e in evs)
        want = _replay(case, evs, policies, meetings)
        have = {k: getattr(case, k) for k in want}
        assert have == want, (case.number, {k: (have[k], want[k]) for k in want if have[k] != want[k]})
    # the timeline has what the flags count, and the flags say both ways
    flags = Counter()
    for case in cases:
        flags.update(k for k in ("was_overdue", "return_count", "extension_count", "rework_count", "resolved_in_grid")
                     if getattr(case, k))
        flags.update(["late"] if case.on_time is False else [])
        flags.update(["signed_late"] if case.signed_at and case.signed_at > case.sign_due_at else [])
    assert all(flags[k] for k in ("was_overdue", "return_count", "extension_count", "rework_count", "resolved_in_grid",
                                  "late", "signed_late")), flags


def _coherent(cases) -> int:
    """Every case's title and text are of its category; every lead unit handles it (one of the category's
    departments, or the case's own street or community office). The number of cases with a lead unit."""
    offices = {o.pk: o for o in Organisation.objects.filter(org_type__in=("street_office", "community_office"))}
    code_of = dict(Organisation.objects.values_list("pk", "code"))
    dispatched = 0
    for case in cases.select_related("category"):
        leaf = m.LEAVES[case.category.code]
        matter = next((mt for mt in leaf.matters if mt.title == case.title), None)
        assert matter is not None, (case.number, case.title, case.category.code)
        assert case.description.startswith(matter.text) and case.case_type in matter.types
        if case.lead_unit_id is None:
            continue
        dispatched += 1
        allowed = set(leaf.lead_units(matter))
        office = offices.get(case.lead_unit_id)
        if office is not None:  # the case's own street or community office
            kind, digits = (m.STREET, 9) if office.org_type == "street_office" else (m.COMMUNITY, 12)
            assert kind in allowed and case.region_code[:digits] == office.region_code[:digits], case.number
        else:
            assert code_of[case.lead_unit_id] in allowed, (case.number, case.category.code, code_of[case.lead_unit_id])
    return dispatched


def test_titles_and_units_belong_to_the_category(year, db):
    depts = {code for code, *_ in DEPARTMENTS}
    leaves = set(CodeItem.objects.filter(type="case_category", active=True, children__isnull=True)
                 .values_list("code", flat=True))
    assert leaves == set(m.LEAVES)  # a table for every leaf category of the code table, and no other
    for leaf in m.LEAVES.values():
        units = {u for mt in leaf.matters for u in leaf.lead_units(mt)} | set(leaf.partners)
        assert units <= depts | {m.STREET, m.COMMUNITY}, leaf.code
    dispatched = _coherent(Case.objects.all())
    assert dispatched > N * 0.6
    # the examples, independently of the table
    leads = defaultdict(set)
    for cat, unit in Case.objects.filter(lead_unit__org_type="department").values_list("category__code", "lead_unit__code"):
        leads[cat].add(unit)
    assert leads["livelihood.assistance"] <= {"dept-mzj"} and leads["livelihood.assistance"]
    assert leads["dispute.migrant_wages"] == {"dept-rsj"} and leads["labour.wage_arrears"] == {"dept-rsj"}
    assert leads["hazard.public_order"] == {"dept-gaj"}
    assert leads["city.0402"] <= {"dept-zhzfj"} and leads["livelihood.noise"] <= {"dept-zhzfj", "dept-gaj"}
    assert not Case.objects.filter(title="低保申请咨询").exclude(category__code="livelihood.assistance").exists()


def test_unsatisfied_verdicts_survive_and_reopen_the_case(year, db):
    reopened = CaseEvent.objects.filter(action="callback").exclude(to_state="closed")
    assert reopened.filter(data__satisfaction="unsatisfied").exists()
    for ev in reopened.select_related("case")[:200]:
        nxt = ev.case.events.filter(at__gt=ev.at).exclude(action__in=("urge", "supervise", "follow_up")).first()
        assert nxt is None or nxt.action in ("progress", "submit_result", "dispatch", "hold_meeting"), ev.case.number
    stay = Case.objects.filter(satisfaction="unsatisfied")
    assert stay.exists() and not stay.filter(state__in=DONE).exists()
    assert not Case.objects.filter(state__in=DONE, solved=False).exists()
    sums = RegionRollupSums()
    rate = fg.satisfaction_rate(sums)
    assert rate.value is not None and 0.9 < rate.value < 1
    assert fg.resolution_rate(sums).value < 1


def RegionRollupSums() -> dict[str, int]:
    """The year's counters (every case counts in exactly one RegionRollup row)."""
    got = rollups.RegionRollup.objects.aggregate(**{c: Sum(c) for c in COUNTERS})
    return {c: int(v or 0) for c, v in got.items()}


def test_joint_meetings_bind_the_dispatch(year, db):
    meetings = list(JointMeeting.objects.select_related("case").prefetch_related("cooperating", "units"))
    assert meetings
    for mt in meetings:
        case = mt.case
        assert case.tier == "major" and {o.pk for o in mt.cooperating.all()} <= {o.pk for o in mt.units.all()}
        assert mt.lead_unit_id in {o.pk for o in mt.units.all()}
        dispatch = case.events.filter(action="dispatch", at__gt=mt.held_at).order_by("at").first()
        if dispatch is None:
            continue
        assert dispatch.data["meeting_id"] == mt.pk
        assert dt.datetime.fromisoformat(dispatch.data["due_at"]) == mt.deadline
        coop = {u["id"] for u in dispatch.data["cooperating_units"]}
        assert coop == {o.pk for o in mt.cooperating.all()} - {dispatch.data["lead_unit"]["id"]}
        # still the case's units (a later transfer may have made one of them the lead)
        assert coop <= {*CaseUnit.objects.filter(case=case).values_list("unit_id", flat=True), case.lead_unit_id}
        extra = sum(int(e.data["days"]) for e in case.events.filter(action="decide_extension", data__approve=True))
        if not extra:
            assert case.due_at == mt.deadline, case.number
        # a major case's result comes after its meeting and risk assessment
        result = case.events.filter(action="submit_result").order_by("at").first()
        if result is not None:
            assert RiskAssessment.objects.filter(case=case, assessed_at__lt=result.at).exists()
    # several major matters may share a session of the joint meeting
    assert len({mt.held_at for mt in meetings}) <= len(meetings)


def test_the_year_looks_like_kuiwen_and_its_counters_add_up(year, db):
    received = Case.objects.exclude(state__in=NOT_RECEIVED)
    xinfang = received.filter(channel__in=m.XINFANG_CHANNELS).count()
    assert 0.9 < xinfang / received.count() < 0.98
    old = received.filter(created_at__lt=END - dt.timedelta(days=60))
    assert old.filter(state__in=DONE).count() / old.count() > 0.97
    assert Case.objects.filter(tier="major").exists() and RiskAssessment.objects.exists()
    assert Case.objects.filter(state="merged", master__isnull=True).count() == 0
    assert rollups.check() == []


def test_the_bulk_loaders_cases_are_coherent_too(year, db):
    before = Case.objects.count()
    bulk_load(400, seed=3, end=END, stdout=None)
    new = Case.objects.order_by("-pk")[:400]
    assert Case.objects.count() == before + 400
    assert _coherent(Case.objects.filter(pk__in=[c.pk for c in new])) > 200
    assert rollups.check() == []
