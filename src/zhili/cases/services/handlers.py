"""One handler per workflow action: what the action changes on the case and records beside it
(units, meetings, assessments, mediation, agreements, merging); ``act`` sets the state and
calls them through ``HANDLERS``."""

from __future__ import annotations

from django.conf import settings

from zhili.core.calendar import SHANGHAI
from zhili.core.errors import Invalid
from zhili.core.models import Organisation

from .. import deadlines, ledger, notify
from ..models import (
    AgreementFollowUp,
    Case,
    CaseParty,
    CaseUnit,
    ConfirmationToken,
    JointMeeting,
    MediationAgreement,
    MediationSession,
    RiskAssessment,
)
from ..selectors import binding_meeting, cases_for
from ..workflow import ACTIONS, CLOSED_STATES
from .confirmation import issue_confirmation
from .events import event

GRID_ROLES = frozenset({"grid_worker", "grid_leader", "grid_instructor", "grid_dept_staff"})


# --- one handler per action: change the case (state is set by ``act``), return extras

def _set_units(case: Case, lead: Organisation, coop: list[Organisation]) -> None:
    case.lead_unit = lead
    keep = {o.pk for o in coop if o.pk != lead.pk}
    CaseUnit.objects.filter(case=case).exclude(unit_id__in=keep).delete()
    existing = set(CaseUnit.objects.filter(case=case).values_list("unit_id", flat=True))
    CaseUnit.objects.bulk_create([CaseUnit(case=case, unit_id=u) for u in keep - existing])


def _h_accept(actor, case, f, now):
    case.accepted_at = now
    if f.get("tier"):
        case.tier = f["tier"]


def _h_reject(actor, case, f, now):
    case.closed_at = now
    notify.text_resident(case, case.reporter, f"【诉求办理】您的诉求 {case.number} 不予受理：{f['reason']}。建议途径：{f['proper_channel']}。")


def _h_resolve_on_spot(actor, case, f, now):
    case.result = f["result"]
    case.accepted_at = case.accepted_at or now
    case.resolved_at = now
    case.on_time = True
    case.resolved_in_grid = bool(actor is not None and (actor.role in GRID_ROLES or actor.role == "community_staff"))
    return {"token": issue_confirmation(case, now)}


def _h_dispatch(actor, case, f, now):
    """分派 (and 转办, which calls it): the lead unit, the cooperating units, the deadlines.

    After a joint meeting (联席会议) its decisions bind every dispatch that follows it:

    * **its cooperating units stay.** The units a dispatch names are *added* to them (a unit named
      as the lead leaves them); a dispatch that names none keeps them. Without a meeting the units
      named replace the case's, as before (none named: none).
    * **its deadline stands.** The dispatch that starts the clock takes the meeting's deadline
      instead of the policy's (the signing deadline still comes from the policy); a later dispatch
      keeps the deadline as it stands, as before. The form and the API offer no deadline of their
      own: a deadline a meeting decided moves only by another meeting, an approved extension or a
      suspension — not by whoever dispatches.
    """
    meeting = binding_meeting(case)
    named = list(f.get("cooperating_units", []))
    kept = [o for o in meeting.cooperating.all() if o.pk != f["lead_unit"].pk] if meeting is not None else []
    _set_units(case, f["lead_unit"], [*kept, *named])
    if f.get("tier"):
        case.tier = f["tier"]
    case.dispatched_by = actor
    case.handler = None
    first = case.dispatched_at is None
    case.dispatched_at = now
    if first or case.due_at is None:
        deadlines.start_clock(case, now)
        if meeting is not None:
            case.due_at = meeting.deadline
    else:  # re-dispatch after a return: the handling deadline stands, the new unit gets its signing time
        p = deadlines.policy_for(case)
        case.sign_due_at = deadlines.add(now, p.sign_value if p else 1, p.sign_unit if p else "wd")
    ledger.assigned(case, f["lead_unit"].pk, now, case.sign_due_at)
    data = {"sign_due_at": case.sign_due_at.isoformat(), "due_at": case.due_at.isoformat()}
    if meeting is not None:  # the timeline says what the case has, not only what was named
        units = {o.pk: o for o in [*kept, *named] if o.pk != f["lead_unit"].pk}
        data |= {"meeting_id": meeting.pk, "cooperating_units": list(units.values())}
    return {"data": data}


def _h_transfer(actor, case, f, now):
    old = case.lead_unit.name if case.lead_unit_id else ""
    out = _h_dispatch(actor, case, f, now)
    out["data"]["from_unit"] = old
    return out


def _h_sign(actor, case, f, now):
    case.signed_at = now
    case.handler = actor
    ledger.signed(case, now)


def _h_return(actor, case, f, now):
    case.return_count += 1
    case.handler = None
    ledger.returned(case)


def _h_noop(actor, case, f, now):
    return None


def _h_record_part(actor, case, f, now):
    CaseUnit.objects.filter(case=case, unit_id=actor.organisation_id).update(part=f["part"], recorded_at=now, recorded_by=actor)
    return {"comment": f["part"]}


def _h_request_extension(actor, case, f, now):
    limit = deadlines.max_extension_days(case)
    if limit is not None and case.extended_days + f["days"] > limit:
        raise Invalid("days", f"延期总天数不能超过{limit}天（已延期{case.extended_days}天）",
                      f"extensions may total at most {limit} days ({case.extended_days} already granted)")
    if limit is None:
        raise Invalid("days", "该类案件的时限规则不允许延期", "the deadline policy of this case allows no extension")
    case.extension_pending = {"days": f["days"], "reason": f["reason"], "by": actor.pk, "at": now.isoformat()}
    return {"comment": f["reason"]}


def _h_decide_extension(actor, case, f, now):
    req = case.extension_pending
    case.extension_pending = None
    if f["approve"]:
        days = int(req["days"])
        case.due_at = deadlines.add(case.due_at, days, "wd" if case.deadline_unit == "wd" else "d")
        case.extended_days += days
        case.extension_count += 1
        ledger.extended(case)
        return {"data": {"approved": True, "days": days, "due_at": case.due_at.isoformat()}}
    return {"data": {"approved": False, "days": req["days"]}}


def _h_suspend(actor, case, f, now):
    case.suspended_at = now
    case.suspended_from = case.state


def _h_resume(actor, case, f, now):
    deadlines.shift_for_suspension(case, now)
    case.suspended_at = None
    return {"data": {"due_at": case.due_at.isoformat() if case.due_at else None}}


def _h_submit_result(actor, case, f, now):
    case.result = f["result"]
    case.resolved_at = now
    case.on_time = case.due_at is None or now <= case.due_at
    if not case.on_time:
        case.was_overdue = True
    return {"comment": f["result"]}


def _h_check_pass(actor, case, f, now):
    return {"token": issue_confirmation(case, now)}


def _h_check_fail(actor, case, f, now):
    case.rework_count += 1
    case.resolved_at = None


def _h_callback(actor, case, f, now, *, via_resident: bool = False):
    case.solved = f["solved"]
    case.satisfaction = f["satisfaction"]
    case.callback_attempts = 0
    ledger.verdict(case, f["satisfaction"], f["solved"])
    ConfirmationToken.objects.filter(case=case, used_at__isnull=True).update(used_at=now)
    if f["solved"] and f["satisfaction"] in ("satisfied", "basic"):
        case.closed_at = now
        return {"to_state": "closed"}
    case.rework_count += 1
    case.resolved_at = None
    case.closed_at = None
    case.result = case.result
    words = f.get("comment") or ""
    # reopened: back to the unit that handled it, or — settled on the spot — to be dispatched properly
    return {"to_state": "handling" if case.lead_unit_id else "accepted", "comment": words, "data": {"reopened": True}}


def _h_callback_failed(actor, case, f, now):
    """回访未接通: one more failed attempt; the last one allowed closes the case as 无法联系."""
    case.callback_attempts += 1
    limit = max(1, settings.ZHILI_CALLBACK_ATTEMPTS)
    data = {"attempt": case.callback_attempts, "of": limit}
    if case.callback_attempts >= limit:
        case.unreachable = True
        case.closed_at = now
        ConfirmationToken.objects.filter(case=case, used_at__isnull=True).update(used_at=now)
        return {"to_state": "closed", "data": data | {"unreachable": True}}
    return {"data": data}


def _h_archive(actor, case, f, now):
    case.archived_at = now


def _h_supervise(actor, case, f, now):
    if case.card != "red":
        case.card = f["card"]


def _h_hold_meeting(actor, case, f, now):
    m = JointMeeting.objects.create(case=case, held_at=f["held_at"], venue=f.get("venue", ""), convenor=actor,
                                    attendees=f["attendees"], decisions=f["decisions"], lead_unit=f["lead_unit"],
                                    deadline=f["deadline"])
    m.units.set(f["units"])
    m.cooperating.set(f.get("cooperating_units", []))
    running = case.state in ("dispatched", "handling", "returned")
    if running and case.lead_unit_id != f["lead_unit"].pk:  # the meeting hands the case to another unit
        ledger.assigned(case, f["lead_unit"].pk, now, now, signed=now)
    _set_units(case, f["lead_unit"], f.get("cooperating_units", []))
    if running:
        case.due_at = f["deadline"]
    return {"comment": f["decisions"], "data": {"meeting_id": m.pk}}


def _h_assess_risk(actor, case, f, now):
    r = RiskAssessment.objects.create(case=case, level=f["level"], analysis=f["analysis"], measures=f["measures"],
                                      assessed_by=actor, assessed_at=now)
    return {"comment": f["analysis"], "data": {"assessment_id": r.pk}}


def _h_record_mediation(actor, case, f, now):
    s = MediationSession.objects.create(case=case, held_at=f["held_at"], venue=f["venue"],
                                        parties_present=f["parties_present"], notes=f["notes"])
    s.mediators.set([actor])
    return {"comment": f["notes"][:500], "data": {"session_id": s.pk}}


def _h_record_agreement(actor, case, f, now):
    if f["committee"].org_type != "mediation_committee":
        raise Invalid("committee", "请选择人民调解委员会", "choose a people's mediation committee")
    year = now.astimezone(SHANGHAI).year
    a = MediationAgreement.objects.create(
        case=case, number=f"{case.number}-调", committee=f["committee"], facts=f["facts"], disputed_items=f["disputed_items"],
        responsibilities=f["responsibilities"], terms=f["terms"], performance_method=f["performance_method"],
        performance_deadline=f["performance_deadline"], signed_on=f["signed_on"])
    a.mediators.set([actor])
    case.outcome = {"result": "agreement", "agreement": a.number, "year": year}
    return {"comment": f["terms"][:500], "data": {"agreement": a.number}}


def _h_mediation_failed(actor, case, f, now):
    case.outcome = {"result": "failed", "remedies": f["remedies"]}
    return {"comment": f["remedies"]}


def _h_follow_up(actor, case, f, now):
    AgreementFollowUp.objects.create(agreement=case.agreement, visited_on=now.astimezone(SHANGHAI).date(),
                                     performed=f["performed"], note=f.get("note", ""), by=actor)
    return {"comment": f.get("note", "")}


def _h_merge(actor, case, f, now):
    master = cases_for(actor).filter(number=f["master"]).first()
    if master is None:
        raise Invalid("master", f"主案件 {f['master']} 不存在或无权访问", f"master case {f['master']} not found")
    if master.pk == case.pk or master.master_id:
        raise Invalid("master", "不能合并到自身或已合并的案件", "cannot merge into itself or into a merged case")
    if master.state in CLOSED_STATES:
        raise Invalid("master", "主案件已结案", "the master case is closed")
    case.master = master
    case.closed_at = now
    have = set(master.parties.values_list("resident_id", "role"))
    CaseParty.objects.bulk_create([CaseParty(case=master, resident_id=rid, role="reporter")
                                   for rid in case.parties.values_list("resident_id", flat=True).distinct()
                                   if (rid, "reporter") not in have and (rid, "applicant") not in have])
    event(master, actor, "merged_in", master.state, master.state, comment=f"合并了 {case.number}", data={"merged": case.number}, at=now)
    return {"data": {"master": master.number}}


HANDLERS = {
    "accept": _h_accept, "reject": _h_reject, "resolve_on_spot": _h_resolve_on_spot, "dispatch": _h_dispatch,
    "transfer": _h_transfer, "sign": _h_sign, "return": _h_return, "progress": _h_noop, "record_part": _h_record_part,
    "request_extension": _h_request_extension, "decide_extension": _h_decide_extension, "suspend": _h_suspend,
    "resume": _h_resume, "submit_result": _h_submit_result, "check_pass": _h_check_pass, "check_fail": _h_check_fail,
    "callback": _h_callback, "callback_failed": _h_callback_failed, "archive": _h_archive, "supervise": _h_supervise, "urge": _h_noop,
    "hold_meeting": _h_hold_meeting, "assess_risk": _h_assess_risk, "record_mediation": _h_record_mediation,
    "record_agreement": _h_record_agreement, "mediation_failed": _h_mediation_failed, "follow_up": _h_follow_up,
    "merge": _h_merge,
}
assert set(HANDLERS) == set(ACTIONS), set(ACTIONS) ^ set(HANDLERS)
