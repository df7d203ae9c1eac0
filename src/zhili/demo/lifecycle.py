"""A demo case's timeline, built action by action by the rules of the live services.

:class:`Life` performs the actions of the workflow table (:data:`zhili.cases.workflow.ACTIONS`) on
an unsaved case, in time order, and records each as the timeline event ``act`` would write. Every
action must be allowed from the case's state and tier, and its preconditions must hold (a major case
has its joint meeting and risk assessment before its result, cooperating units record their part,
an extension is asked for before the deadline and within the policy's total …): a story that breaks
a rule fails loudly. What an action changes on the case is what the live services change:

- the product's own handlers (:data:`zhili.cases.services.handlers.HANDLERS`) for the actions
  whose handler touches nothing but the case — accept, sign, return, decide on an extension,
  submit a result, fail a check, archive, progress, urge, supervise;
- the same rules, restated here without the database, for the others (their handlers write rows:
  confirmation tokens, units, meetings, sessions): 当场办结, 分派 (the policy's deadlines, or a
  joint meeting's deadline and cooperating units), 申请延期, 核查通过, 回访 (an unsatisfied or
  unsolved verdict reopens the case as rework), 联席会议, 风险研判, mediation, agreements, 合并;
- and the overdue sweep (:func:`zhili.cases.rollups.mark_overdue`): a case whose handling clock
  runs (dispatched, handling, returned) past its deadline is marked ``was_overdue``, checked
  before every event and at the end.

The deadlines come from :func:`zhili.cases.deadlines.add` with the matching ``DeadlinePolicy``
(working days by the calendar of :mod:`zhili.core.calendar`).
"""

from __future__ import annotations

import datetime as dt

from django.conf import settings

from zhili.cases import deadlines, ledger
from zhili.cases.models import (
    AgreementFollowUp,
    CaseEvent,
    JointMeeting,
    MediationAgreement,
    MediationSession,
    RiskAssessment,
)
from zhili.cases.services.handlers import GRID_ROLES, HANDLERS
from zhili.cases.workflow import ACTIONS, CLOCK_STATES
from zhili.core.calendar import SHANGHAI
from zhili.core.models import Organisation

#: actions whose product handler changes only the case: the demo calls it
PURE = frozenset({"accept", "sign", "return", "decide_extension", "submit_result", "check_fail", "archive", "progress",
                  "urge", "supervise"})


class StoryError(AssertionError):
    """The demo's story asked for an action the workflow does not allow."""


def jsonable(d: dict) -> dict:
    """An event's data as ``act`` stores it (units as id and name, times as ISO text)."""
    out = {}
    for k, v in d.items():
        if isinstance(v, Organisation):
            out[k] = {"id": v.pk, "name": v.name}
        elif isinstance(v, list | tuple):
            out[k] = [{"id": x.pk, "name": x.name} if isinstance(x, Organisation) else x for x in v]
        elif isinstance(v, dt.datetime | dt.date):
            out[k] = v.isoformat()
        else:
            out[k] = v
    return out


class Life:
    """The timeline of one case: ``act`` performs an action at a time (before ``end``), in order."""

    def __init__(self, case, end: dt.datetime, policy: tuple | None, who: str):
        self.case, self.end, self.policy = case, end, policy
        self.t = case.created_at
        by = case.registered_by
        self.events = [CaseEvent(at=case.created_at, actor=by, actor_name=by.display_name if by else who,
                                 actor_org=by.organisation.name if by and by.organisation_id else "", action="register",
                                 from_state="", to_state="registered", data={"channel": case.channel})]
        self.units: dict[int, list] = {}  # unit pk → [unit, recorded_at, part] (CaseUnit)
        self.meetings: list[JointMeeting] = []  # each with ._units and ._coop
        self.risks: list[RiskAssessment] = []
        self.sessions: list[MediationSession] = []
        self.agreement: MediationAgreement | None = None
        self.followups: list[AgreementFollowUp] = []
        self.others: list[CaseEvent] = []  # events of other cases (the master of a merge)
        self.parties: list[tuple] = []  # (resident, role)
        self.has_both_parties = False  # an applicant and a respondent (an agreement needs both)
        self.refs: list[tuple[CaseEvent, str, object]] = []  # (event, data key, row): the row's id once written
        self._ref: tuple[str, object] | None = None

    # --- performing an action

    def act(self, t: dt.datetime, action: str, fields: dict | None = None, *, actor=None, name: str = "",
            org: Organisation | None = None) -> bool:
        """Perform ``action`` at ``t``; False (and nothing done) if ``t`` is not before ``end``. ``org`` is the
        unit acting (a cooperating unit recording its part, the committee mediating) and, without an
        ``actor``, the event's unit beside ``name``."""
        if t >= self.end:
            return False
        case, a, f = self.case, ACTIONS[action], dict(fields or {})
        if t <= self.t:
            raise StoryError(f"{case.number}: {action} at {t} is not after the last step ({self.t})")
        if case.state not in a.sources or case.tier not in a.tiers:
            raise StoryError(f"{case.number}: {action} is not allowed from {case.state} ({case.tier})")
        self._requires(a, t)
        self.sweep(t)
        frm = case.state
        ledger.begin(case)
        if action in PURE:
            out = HANDLERS[action](actor, case, f, t) or {}
        else:
            out = getattr(self, f"_{action}")(t, actor, org, f) or {}
        case.state = out.pop("to_state", a.target or case.state)
        comment = out.pop("comment", f.get("comment", "") or f.get("reason", ""))
        data = jsonable({**{k: v for k, v in f.items() if k != "comment"}, **out.get("data", {})})
        if actor is not None:  # named as ``act`` names them; without one, as the story says
            name, org = actor.display_name or actor.username, actor.organisation if actor.organisation_id else None
        ev = CaseEvent(at=t, actor=actor, actor_name=name, actor_org=org.name if org else "", action=action,
                       from_state=frm, to_state=case.state, comment=comment, data=data)
        self.events.append(ev)
        if self._ref is not None:
            self.refs.append((ev, *self._ref))
            self._ref = None
        self.t = t
        return True

    def sweep(self, t: dt.datetime) -> None:
        """The overdue sweep up to ``t``: the clock ran past the deadline."""
        c = self.case
        if c.state in CLOCK_STATES and c.due_at is not None and c.due_at < min(t, self.end):
            c.was_overdue = True

    def finish(self) -> None:
        self.sweep(self.end)

    def _requires(self, a, t) -> None:
        c, bad = self.case, ""
        for req in a.requires:
            if req == "no_pending_extension" and c.extension_pending:
                bad = "an extension is pending"
            elif req == "pending_extension" and not c.extension_pending:
                bad = "no extension is pending"
            elif req == "not_overdue" and c.due_at and c.due_at < t:
                bad = "overdue: too late to ask for an extension"
            elif req == "parts_recorded" and c.tier in ("complex", "major") and any(
                    rec is None for _, rec, _ in self.units.values()):
                bad = "a cooperating unit has not recorded its part"
            elif req == "major_prepared" and c.tier == "major" and not (self.meetings and self.risks):
                bad = "a major case needs its joint meeting and risk assessment first"
            elif req == "no_agreement" and self.agreement is not None:
                bad = "the case has an agreement"
            elif req == "has_agreement" and self.agreement is None:
                bad = "the case has no agreement"
            elif req == "has_parties" and not self.has_both_parties:
                bad = "an agreement needs an applicant and a respondent"
        if bad:
            raise StoryError(f"{c.number}: {a.name}: {bad}")

    # --- the deadlines

    def sign_time(self) -> tuple[int, str]:
        p = self.policy
        return (p[0], p[1]) if p else deadlines.FALLBACK["sign"]

    def extension_room(self) -> int:
        """Days an extension may still add (0: the policy allows none)."""
        p = self.policy
        limit = deadlines.FALLBACK["extension"] if p is None else (p[4] or 0)
        return max(0, limit - self.case.extended_days)

    # --- the actions whose handlers write rows: the same rules without them

    def _set_units(self, lead: Organisation, coop: list[Organisation]) -> None:
        self.case.lead_unit = lead
        keep = {o.pk: o for o in coop if o.pk != lead.pk}
        self.units = {pk: self.units.get(pk, [o, None, ""]) for pk, o in keep.items()}

    def _reject(self, t, actor, org, f):
        self.case.closed_at = t

    def _merge(self, t, actor, org, f):
        master = f.pop("master_case")
        f["master"] = master.number
        self.case.master_ref = master
        self.case.closed_at = t
        return {"data": {"master": master.number}}

    def _resolve_on_spot(self, t, actor, org, f):
        c = self.case
        c.result = f["result"]
        c.accepted_at = c.accepted_at or t
        c.resolved_at = t
        c.on_time = True
        c.resolved_in_grid = bool(actor is not None and (actor.role in GRID_ROLES or actor.role == "community_staff"))

    def _dispatch(self, t, actor, org, f):
        c = self.case
        meeting = self.meetings[-1] if self.meetings else None
        named = list(f.get("cooperating_units", []))
        kept = [o for o in meeting._coop if o.pk != f["lead_unit"].pk] if meeting is not None else []
        self._set_units(f["lead_unit"], [*kept, *named])
        c.dispatched_by, c.handler = actor, None
        first = c.dispatched_at is None
        c.dispatched_at = t
        if first or c.due_at is None:
            p = self.policy
            if p is None:
                c.sign_due_at, c.due_at = deadlines.add(t, *deadlines.FALLBACK["sign"]), deadlines.add(t, *deadlines.FALLBACK["handle"])
                c.deadline_unit = deadlines.FALLBACK["handle"][1]
            else:
                c.sign_due_at, c.due_at, c.deadline_unit = deadlines.add(t, p[0], p[1]), deadlines.add(t, p[2], p[3]), p[3]
            if meeting is not None:
                c.due_at = meeting.deadline
        else:
            c.sign_due_at = deadlines.add(t, *self.sign_time())
        ledger.assigned(c, f["lead_unit"].pk, t, c.sign_due_at)
        data = {"sign_due_at": c.sign_due_at.isoformat(), "due_at": c.due_at.isoformat()}
        if meeting is not None:
            units = {o.pk: o for o in [*kept, *named] if o.pk != f["lead_unit"].pk}
            data |= {"meeting_id": None, "cooperating_units": list(units.values())}
            self._ref = ("meeting_id", meeting)
        return {"data": data}

    def _request_extension(self, t, actor, org, f):
        room = self.extension_room()
        if room < f["days"]:
            raise StoryError(f"{self.case.number}: an extension of {f['days']} days is more than the policy allows")
        self.case.extension_pending = {"days": f["days"], "reason": f["reason"], "by": actor.pk if actor else None,
                                       "at": t.isoformat()}
        return {"comment": f["reason"]}

    def _check_pass(self, t, actor, org, f):
        return None

    def _callback(self, t, actor, org, f):
        c = self.case
        c.solved, c.satisfaction = f["solved"], f["satisfaction"]
        c.callback_attempts = 0
        ledger.verdict(c, f["satisfaction"], f["solved"])
        if f["solved"] and f["satisfaction"] in ("satisfied", "basic"):
            c.closed_at = t
            return {"to_state": "closed"}
        c.rework_count += 1
        c.resolved_at = c.closed_at = None
        return {"to_state": "handling" if c.lead_unit_id else "accepted", "comment": f.get("comment", ""),
                "data": {"reopened": True}}

    def _callback_failed(self, t, actor, org, f):
        c = self.case
        c.callback_attempts += 1
        limit = max(1, settings.ZHILI_CALLBACK_ATTEMPTS)
        data = {"attempt": c.callback_attempts, "of": limit}
        if c.callback_attempts >= limit:
            c.unreachable, c.closed_at = True, t
            return {"to_state": "closed", "data": data | {"unreachable": True}}
        return {"data": data}

    def _hold_meeting(self, t, actor, org, f):
        m = JointMeeting(held_at=f["held_at"], venue=f.get("venue", ""), convenor=actor, attendees=f["attendees"],
                         decisions=f["decisions"], lead_unit=f["lead_unit"], deadline=f["deadline"], created_at=t)
        m._units, m._coop = list(f["units"]), list(f.get("cooperating_units", []))
        self.meetings.append(m)
        running = self.case.state in ("dispatched", "handling", "returned")
        if running and self.case.lead_unit_id != f["lead_unit"].pk:
            ledger.assigned(self.case, f["lead_unit"].pk, t, t, signed=t)
        self._set_units(f["lead_unit"], m._coop)
        if running:
            self.case.due_at = f["deadline"]
        self._ref = ("meeting_id", m)
        return {"comment": f["decisions"], "data": {"meeting_id": None}}

    def _assess_risk(self, t, actor, org, f):
        self.risks.append(RiskAssessment(level=f["level"], analysis=f["analysis"], measures=f["measures"],
                                         assessed_by=actor, assessed_at=t))
        self._ref = ("assessment_id", self.risks[-1])
        return {"comment": f["analysis"], "data": {"assessment_id": None}}

    def _record_part(self, t, actor, org, f):
        unit = self.units.get(org.pk)
        if unit is None:
            raise StoryError(f"{self.case.number}: {org.name} is not a cooperating unit")
        unit[1], unit[2] = t, f["part"]
        return {"comment": f["part"]}

    def _record_mediation(self, t, actor, org, f):
        s = MediationSession(held_at=f["held_at"], venue=f["venue"], committee=org, parties_present=f["parties_present"],
                             notes=f["notes"], created_at=t)
        s._mediators = [actor] if actor is not None else []
        self.sessions.append(s)
        self._ref = ("session_id", s)
        return {"comment": f["notes"][:500], "data": {"session_id": None}}

    def _record_agreement(self, t, actor, org, f):
        year = t.astimezone(SHANGHAI).year
        a = MediationAgreement(number=f"{self.case.number}-调", committee=f["committee"], facts=f["facts"],
                               disputed_items=f["disputed_items"], responsibilities=f["responsibilities"], terms=f["terms"],
                               performance_method=f["performance_method"], performance_deadline=f["performance_deadline"],
                               signed_on=f["signed_on"], created_at=t)
        a._mediators = [actor] if actor is not None else []
        self.agreement = a
        self.case.outcome = {"result": "agreement", "agreement": a.number, "year": year}
        return {"comment": f["terms"][:500], "data": {"agreement": a.number}}

    def _mediation_failed(self, t, actor, org, f):
        self.case.outcome = {"result": "failed", "remedies": f["remedies"]}
        return {"comment": f["remedies"]}

    def _follow_up(self, t, actor, org, f):
        self.followups.append(AgreementFollowUp(visited_on=t.astimezone(SHANGHAI).date(), performed=f["performed"],
                                                note=f.get("note", ""), by=actor))
        return {"comment": f.get("note", "")}
