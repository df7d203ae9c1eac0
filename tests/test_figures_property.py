"""For random timelines, every counter the figures read equals the same counter recounted from the
case rows and their events (the timeline), for the district, a street and a community, for whole
months and for arbitrary ranges, and per unit.

The recount here reads the timeline, not the ledger the counters are kept from: who was dispatched
(the dispatch event's lead unit), who signed, returned or had an extension approved before the next
dispatch, every callback's verdict, the event that closed the case — so it checks the ledger too."""

import datetime as dt
from collections import Counter, defaultdict

import pytest
import time_machine
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from zhili.cases import rollups, services
from zhili.cases.models import COUNTERS, Case, CaseEvent
from zhili.cases.workflow import DONE, NOT_RECEIVED
from zhili.core.calendar import SHANGHAI
from zhili.core.errors import Forbidden, Invalid
from zhili.insight import figures as fg

pytestmark = pytest.mark.django_db

START = dt.datetime(2026, 10, 1, 8, tzinfo=SHANGHAI)
END = dt.datetime(2026, 12, 31, 23, tzinfo=SHANGHAI)
PLACES = ("370705001001001", "370705001002001", "370705002001001", "")  # two communities of street 001, street 002, none
REGIONS = ("", "370705001", "370705001001", "370705002")
H = dt.timedelta(hours=1)

case_plan = st.fixed_dictionaries({
    "hours": st.integers(0, 24 * 80), "place": st.integers(0, 3), "cat": st.sampled_from(["leak", "wages", "neighbour"]),
    "urgent": st.booleans(), "stop": st.integers(0, 6), "first": st.sampled_from(["zjj", "gaj"]),
    "returned": st.booleans(), "sign_h": st.integers(0, 60), "extend": st.booleans(), "result_h": st.integers(1, 500),
    "check_fail": st.booleans(), "verdicts": st.lists(st.sampled_from(["satisfied", "basic", "unsatisfied"]), min_size=1,
                                                       max_size=3),
    "unreachable": st.booleans(), "spot": st.booleans(),
})


def _act(staff, who, case, action, data=None, *, now):
    """One step; a step the workflow refuses (a deadline passed, a state) is left out, as a user would be refused."""
    try:
        return services.act(staff[who], Case.objects.get(pk=case.pk), action, data or {}, now=now)
    except (Invalid, Forbidden):
        return None


def play(staff, hall, categories, i: int, p: dict) -> None:
    t = START + p["hours"] * H
    place = PLACES[p["place"]]
    case = services.register_case(staff["clerk"], channel="window", case_type="hazard" if p["urgent"] else "dispute",
                                  urgency="urgent" if p["urgent"] else "normal", category=categories[p["cat"]].code,
                                  description="楼道漏水", grid=place, at=t,
                                  parties=[{"name": "张三", "phone": f"138053{i:05d}"}])
    if p["stop"] == 0:
        return
    if p["spot"]:
        t += H
        _act(staff, "clerk", case, "resolve_on_spot", {"result": "当场解释"}, now=t)
    else:
        _act(staff, "clerk", case, "accept", now=t + H)
        if p["stop"] == 1:
            return
        t += 2 * H
        _act(staff, "clerk", case, "dispatch", {"lead_unit": hall[p["first"]].pk}, now=t)
        unit = p["first"]
        if p["returned"]:
            t += H
            _act(staff, unit, case, "return", {"reason": "非本单位"}, now=t)
            unit = "gaj" if unit == "zjj" else "zjj"
            t += H
            _act(staff, "clerk", case, "dispatch", {"lead_unit": hall[unit].pk}, now=t)
        if p["stop"] == 2:
            return
        t += p["sign_h"] * H
        _act(staff, unit, case, "sign", now=t)
        if p["extend"]:
            t += H
            if _act(staff, unit, case, "request_extension", {"days": 2, "reason": "需鉴定"}, now=t):
                t += H
                _act(staff, f"{unit}_head" if unit == "zjj" else "admin", case, "decide_extension", {"approve": True},
                     now=t)
        if p["stop"] == 3:
            return
        t += p["result_h"] * H
        _act(staff, unit, case, "submit_result", {"result": "已处理"}, now=t)
        if p["check_fail"]:
            t += H
            _act(staff, "clerk", case, "check_fail", {"reason": "缺照片"}, now=t)
            t += 5 * H
            _act(staff, unit, case, "submit_result", {"result": "已补充"}, now=t)
        t += H
        _act(staff, "clerk", case, "check_pass", now=t)
    if p["stop"] == 4:
        return
    if p["unreachable"]:
        for _ in range(3):
            t += 20 * H
            _act(staff, "clerk", case, "callback_failed", {"comment": "无人接听"}, now=t)
        return
    for v in p["verdicts"]:
        t += 3 * H
        ok = v != "unsatisfied"
        _act(staff, "clerk", case, "callback", {"solved": ok, "satisfaction": v}, now=t)
        c = Case.objects.get(pk=case.pk)
        if c.state == "handling" and p["stop"] > 5:
            t += 10 * H
            _act(staff, "zjj" if c.lead_unit_id == hall["zjj"].pk else "gaj", case, "submit_result",
                 {"result": "重新办理"}, now=t)
            t += H
            _act(staff, "clerk", case, "check_pass", now=t)


def day(t: dt.datetime) -> dt.date:
    return t.astimezone(SHANGHAI).date()


def recount(case: Case, events: list[CaseEvent]) -> list[tuple[dt.date, int | None, Counter]]:
    """The entries of a case from its row and its timeline: (day, unit, counters)."""
    if case.state in NOT_RECEIVED:
        return []
    done = case.state in DONE
    reg = Counter(received=1)
    verdicts = [e for e in events if e.action in ("callback", "confirm") and e.data.get("satisfaction")]
    reworked = any(e.action == "check_fail" or e.data.get("reopened") for e in events)
    if done:
        reg.update(completed=1, reworked=int(reworked), in_grid=int(case.resolved_in_grid))
        if case.resolved_at:
            start = case.dispatched_at or case.created_at
            reg.update(handled=1, handling_seconds=max(0, int((case.resolved_at - start).total_seconds())))
    reg.update(overdue_ever=int(case.on_time is False or case.was_overdue), repeat=int(case.is_repeat))
    for e in verdicts:
        reg.update(callbacks=1, solved=int(bool(e.data.get("solved"))))
        reg[e.data["satisfaction"]] += 1
    out = [(day(case.created_at), case.lead_unit_id, reg)]
    dispatches = [e for e in events if e.action in ("dispatch", "transfer")]
    if done:
        closing = [e for e in events if e.to_state == "closed" and e.from_state != "closed"][-1]
        out.append((day(closing.at), case.lead_unit_id,
                    Counter(closed=1, unreachable=int(closing.action == "callback_failed"))))
    if case.due_at is not None and (case.resolved_at is not None or case.was_overdue):
        holder = [e.data["lead_unit"]["id"] for e in dispatches if e.at <= case.due_at]
        d = day(case.due_at) if case.resolved_at is None else min(day(case.due_at), day(case.resolved_at))
        out.append((d, holder[-1] if holder else case.lead_unit_id,
                    Counter(due=1, due_on_time=int(case.resolved_at is not None and case.on_time is True))))
    for k, e in enumerate(dispatches):
        until = dispatches[k + 1].at if k + 1 < len(dispatches) else END + H
        mine = [x for x in events if e.at <= x.at < until and x.pk > e.pk]
        signs = [x for x in mine if x.action == "sign"]
        sign_due = dt.datetime.fromisoformat(e.data["sign_due_at"])
        out.append((day(e.at), e.data["lead_unit"]["id"], Counter(
            dispatched=1, returned=int(any(x.action == "return" for x in mine)),
            signed_on_time=int(bool(signs) and int(signs[0].at.timestamp()) <= int(sign_due.timestamp())),
            extended=int(any(x.action == "decide_extension" and x.data.get("approved") for x in mine)))))
    return out


def expected(entries, region: str, start: dt.date, end: dt.date, unit: int | None = None) -> dict[str, int]:
    acc: Counter = Counter()
    for case, es in entries:
        if region and not (case.region_code.startswith(region) and (len(region) <= 9 or len(case.region_code) == 15)):
            continue
        for d, u, c in es:
            if start <= d <= end and (unit is None or u == unit):
                acc.update(c)
    return {k: acc.get(k, 0) for k in COUNTERS}


def _reset() -> None:
    Case.objects.all().delete()
    for model, _key in rollups.TABLES:
        model.objects.all().delete()
    for model in (rollups.RecurringRollup, rollups.TextKey, rollups.DueRollup):
        model.objects.all().delete()


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow])
@given(plans=st.lists(case_plan, min_size=1, max_size=6),
       ranges=st.lists(st.tuples(st.integers(0, 100), st.integers(0, 40)), min_size=2, max_size=3))
def test_counters_equal_a_recount_from_rows_and_timelines(staff, hall, categories, plans, ranges):
    # the clock after every timeline: a period ending "today" reads on to its month's end (no case is registered
    # after today), which holds only if the timelines are in the past
    with time_machine.travel(END + 24 * H, tick=False):
        _check(staff, hall, categories, plans, ranges)


def _check(staff, hall, categories, plans, ranges):
    _reset()
    for i, p in enumerate(plans):
        play(staff, hall, categories, i, p)
    rollups.mark_overdue(now=END)
    events = defaultdict(list)
    for e in CaseEvent.objects.order_by("at", "pk"):
        events[e.case_id].append(e)
    entries = [(c, recount(c, events[c.pk])) for c in Case.objects.all()]
    periods = [(dt.date(2026, 10, 1), dt.date(2026, 10, 31)), (dt.date(2026, 11, 1), dt.date(2026, 12, 31))]
    periods += [(dt.date(2026, 10, 1) + dt.timedelta(days=a), dt.date(2026, 10, 1) + dt.timedelta(days=a + n))
                for a, n in ranges]
    for start, end in periods:
        for region in REGIONS:
            got = fg.sums(fg.Filter(staff["admin"], region=region, start=start, end=end))
            assert got == expected(entries, region, start, end), (region, start, end)
        for unit in ("zjj", "gaj"):
            got = fg.sums(fg.Filter(staff["admin"], start=start, end=end, unit=hall[unit].pk))
            assert got == expected(entries, "", start, end, unit=hall[unit].pk), (unit, start, end)
    assert rollups.check() == []
