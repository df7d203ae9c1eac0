"""The case workflow as one table: states, actions (from → to), who may, what each needs.

Pages draw their buttons and forms from it, the API exposes each action at
``POST /api/v1/cases/{number}/actions/{name}``, ``docs/case-workflow.md`` is generated from it,
and the tests walk it. Nothing else restates it.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from django.utils.translation import gettext_lazy as _

STATES: dict[str, str] = {
    "registered": _("Registered (已登记)"),
    "accepted": _("Accepted, to dispatch (已受理)"),
    "rejected": _("Not accepted (不予受理)"),
    "dispatched": _("Dispatched, to sign (待签收)"),
    "returned": _("Returned to dispatcher (已退回)"),
    "handling": _("Being handled (办理中)"),
    "suspended": _("Suspended (已挂起)"),
    "feedback": _("Result submitted, to check (待核查)"),
    "callback": _("To confirm with the resident (待回访)"),
    "closed": _("Closed (已结案)"),
    "archived": _("Archived (已归档)"),
    "merged": _("Merged into another case (已合并)"),
}
CLOSED_STATES = frozenset({"rejected", "closed", "archived", "merged"})
OPEN_STATES = frozenset(STATES) - CLOSED_STATES
#: states in which the handling clock runs
CLOCK_STATES = frozenset({"dispatched", "handling", "returned"})
#: the figures: a case rejected or merged was never received (it counts nowhere); closed or archived is done
NOT_RECEIVED = ("rejected", "merged")
DONE = ("closed", "archived")

DISPATCHERS = frozenset({"window_clerk", "centre_admin", "street_staff"})
REGISTRARS = frozenset({"window_clerk", "centre_admin", "street_staff", "community_staff", "grid_worker", "grid_leader"})
HANDLERS = frozenset({"dept_handler", "dept_head", "street_staff", "community_staff"})
CHECKERS = frozenset({"window_clerk", "centre_admin", "street_staff"})


@dataclass(frozen=True)
class FieldSpec:
    name: str
    kind: str  # text, int, bool, choice, unit, units, datetime, date, case
    label: str
    required: bool = True
    choices: tuple[tuple[str, str], ...] = ()
    help: str = ""
    max_length: int = 2000


@dataclass(frozen=True)
class Action:
    name: str
    label: str
    sources: frozenset[str]
    target: str | None  # None: the state does not change
    roles: frozenset[str]
    relation: str = "scope"  # scope | lead_unit | coop_unit | lead_head_or_centre
    fields: tuple[FieldSpec, ...] = ()
    tiers: frozenset[str] = frozenset({"simple", "complex", "major"})
    style: str = "default"  # primary | danger | default: how the button looks
    description: str = ""
    extra_roles_note: str = ""
    requires: tuple[str, ...] = field(default_factory=tuple)  # named preconditions checked by the service


COMMENT = FieldSpec("comment", "text", _("Comment"), required=False)
REASON = FieldSpec("reason", "text", _("Reason"))
TIER_CHOICES = (("simple", _("Simple")), ("complex", _("Complex")), ("major", _("Major")))
SATISFACTION_CHOICES = (("satisfied", _("Satisfied (满意)")), ("basic", _("Basically satisfied (基本满意)")),
                        ("unsatisfied", _("Unsatisfied (不满意)")))

#: what a dispatch or transfer keeps of a joint meeting (services.handlers: 分派)
AFTER_MEETING = ("After a joint meeting (hold_meeting) its decisions stand: the cooperating units it set stay and the "
                 "units named here are added to them (without a meeting they replace the case's); the dispatch that "
                 "starts the clock takes the meeting's deadline, not the policy's. No deadline is set here: another "
                 "meeting, an approved extension or a suspension moves it.")

ACTIONS: dict[str, Action] = {
    a.name: a
    for a in [
        Action("accept", _("Accept (受理)"), frozenset({"registered"}), "accepted", REGISTRARS - {"grid_worker", "grid_leader"},
               fields=(FieldSpec("tier", "choice", _("Tier"), required=False, choices=TIER_CHOICES), COMMENT), style="primary"),
        Action("reject", _("Do not accept (不予受理)"), frozenset({"registered"}), "rejected", REGISTRARS - {"grid_worker", "grid_leader"},
               fields=(REASON, FieldSpec("proper_channel", "text", _("The proper channel (告知途径)"), max_length=300)), style="danger"),
        Action("resolve_on_spot", _("Resolved on the spot (当场办结)"), frozenset({"registered"}), "callback",
               REGISTRARS, fields=(FieldSpec("result", "text", _("What was done")),), tiers=frozenset({"simple"}), style="primary",
               description="Simple matters: the clerk or grid worker settles it and the resident still confirms."),
        Action("dispatch", _("Dispatch (分派)"), frozenset({"accepted", "returned"}), "dispatched", DISPATCHERS,
               fields=(FieldSpec("lead_unit", "unit", _("Lead unit (责任单位)")),
                       FieldSpec("cooperating_units", "units", _("Cooperating units (配合单位)"), required=False),
                       FieldSpec("tier", "choice", _("Tier"), required=False, choices=TIER_CHOICES), COMMENT), style="primary",
               description=AFTER_MEETING),
        Action("transfer", _("Transfer (转办)"), frozenset({"dispatched", "handling", "returned"}), "dispatched",
               frozenset({"window_clerk", "centre_admin"}),
               fields=(FieldSpec("lead_unit", "unit", _("New lead unit")), REASON,
                       FieldSpec("cooperating_units", "units", _("Cooperating units"), required=False)),
               description=AFTER_MEETING),
        Action("sign", _("Sign for it (签收)"), frozenset({"dispatched"}), "handling", HANDLERS, relation="lead_unit",
               fields=(COMMENT,), style="primary"),
        Action("return", _("Return (退回)"), frozenset({"dispatched", "handling"}), "returned", HANDLERS, relation="lead_unit",
               fields=(REASON,), style="danger"),
        Action("progress", _("Record progress (办理记录)"), frozenset({"handling"}), None, HANDLERS, relation="lead_unit",
               fields=(FieldSpec("comment", "text", _("What was done so far")),)),
        Action("record_part", _("Record our part (配合情况)"), frozenset({"handling"}), None, HANDLERS, relation="coop_unit",
               fields=(FieldSpec("part", "text", _("What our unit did")),), tiers=frozenset({"complex", "major"})),
        Action("request_extension", _("Ask for more time (申请延期)"), frozenset({"handling"}), None, HANDLERS, relation="lead_unit",
               fields=(FieldSpec("days", "int", _("Extra days")), REASON), requires=("no_pending_extension", "not_overdue")),
        Action("decide_extension", _("Decide on the extension (延期审批)"), frozenset({"handling"}), None,
               frozenset({"dept_head", "centre_admin"}), relation="lead_head_or_centre",
               fields=(FieldSpec("approve", "bool", _("Approve")), COMMENT), requires=("pending_extension",)),
        Action("suspend", _("Suspend (挂起)"), frozenset({"handling"}), "suspended", frozenset({"dept_head", "centre_admin"}),
               relation="lead_head_or_centre", fields=(REASON,)),
        Action("resume", _("Resume (恢复)"), frozenset({"suspended"}), "handling", frozenset({"dept_head", "centre_admin"}),
               relation="lead_head_or_centre", fields=(COMMENT,)),
        Action("submit_result", _("Submit the result (办结反馈)"), frozenset({"handling"}), "feedback", HANDLERS,
               relation="lead_unit", fields=(FieldSpec("result", "text", _("What was done")),), style="primary",
               requires=("parts_recorded", "major_prepared")),
        Action("check_pass", _("Check passed (核查通过)"), frozenset({"feedback"}), "callback", CHECKERS,
               fields=(COMMENT,), style="primary"),
        Action("check_fail", _("Check failed: rework (核查不通过，返工)"), frozenset({"feedback"}), "handling", CHECKERS,
               fields=(REASON,), style="danger"),
        Action("callback", _("Record the callback (回访)"), frozenset({"callback"}), "closed",
               CHECKERS | {"community_staff"},
               fields=(FieldSpec("solved", "bool", _("Solved?")),
                       FieldSpec("satisfaction", "choice", _("Satisfaction"), choices=SATISFACTION_CHOICES),
                       FieldSpec("comment", "text", _("The resident's words"), required=False)),
               style="primary", description="Unsatisfied or not solved reopens the case as rework (重办)."),
        Action("callback_failed", _("Resident not reached (回访未接通)"), frozenset({"callback"}), None,
               CHECKERS | {"community_staff"}, fields=(FieldSpec("comment", "text", _("How it was tried"), required=False),),
               description="Each failed attempt is recorded; after ZHILI_CALLBACK_ATTEMPTS of them (3 by default) the "
                           "case closes as 无法联系 (unreachable), counted apart from the verdicts."),
        Action("archive", _("Archive (归档)"), frozenset({"closed"}), "archived", frozenset({"window_clerk", "centre_admin"})),
        Action("supervise", _("Supervise (督办)"), OPEN_STATES - {"registered"}, None, frozenset({"centre_admin"}),
               fields=(FieldSpec("card", "choice", _("Card"), choices=(("yellow", _("Yellow card (黄牌)")), ("red", _("Red card (红牌)")))),
                       FieldSpec("comment", "text", _("Instruction"))), style="danger"),
        Action("urge", _("Urge (催办)"), OPEN_STATES - {"registered"}, None, frozenset({"centre_admin", "window_clerk"}),
               fields=(FieldSpec("comment", "text", _("Message")),)),
        Action("hold_meeting", _("Record a joint meeting (联席会议)"), OPEN_STATES - {"registered", "feedback", "callback"}, None,
               frozenset({"centre_admin"}),
               fields=(FieldSpec("held_at", "datetime", _("Held at")), FieldSpec("venue", "text", _("Venue"), required=False, max_length=120),
                       FieldSpec("attendees", "text", _("Attendees")), FieldSpec("units", "units", _("Units present")),
                       FieldSpec("decisions", "text", _("Decisions")), FieldSpec("lead_unit", "unit", _("Lead unit")),
                       FieldSpec("cooperating_units", "units", _("Cooperating units"), required=False),
                       FieldSpec("deadline", "datetime", _("Deadline"))),
               tiers=frozenset({"complex", "major"})),
        Action("assess_risk", _("Risk assessment (风险研判)"), OPEN_STATES - {"registered"}, None, frozenset({"centre_admin"}),
               fields=(FieldSpec("level", "choice", _("Risk level"), choices=(("low", _("Low")), ("medium", _("Medium")), ("high", _("High")))),
                       FieldSpec("analysis", "text", _("Analysis")), FieldSpec("measures", "text", _("Stability measures"))),
               tiers=frozenset({"major"})),
        Action("record_mediation", _("Record a mediation session (调解记录)"), frozenset({"accepted", "handling"}), None,
               frozenset({"mediator", "community_staff", "street_staff", "dept_handler", "centre_admin"}),
               fields=(FieldSpec("held_at", "datetime", _("Held at")), FieldSpec("venue", "text", _("Venue"), max_length=120),
                       FieldSpec("parties_present", "text", _("Parties present")), FieldSpec("notes", "text", _("Notes"), max_length=10000))),
        Action("record_agreement", _("Mediation agreement (调解协议)"), frozenset({"handling"}), None,
               frozenset({"mediator", "community_staff", "street_staff", "centre_admin"}),
               fields=(FieldSpec("committee", "unit", _("Mediation committee")),
                       FieldSpec("facts", "text", _("Main facts of the dispute")),
                       FieldSpec("disputed_items", "text", _("Matters in dispute")),
                       FieldSpec("responsibilities", "text", _("Each party's responsibility")),
                       FieldSpec("terms", "text", _("Agreed terms")),
                       FieldSpec("performance_method", "text", _("How it is performed"), max_length=200),
                       FieldSpec("performance_deadline", "date", _("Performed by")),
                       FieldSpec("signed_on", "date", _("Signed on"))),
               requires=("no_agreement", "has_parties")),
        Action("mediation_failed", _("Mediation failed (调解不成)"), frozenset({"handling"}), None,
               frozenset({"mediator", "community_staff", "street_staff", "centre_admin"}),
               fields=(FieldSpec("remedies", "text", _("Other remedies explained (告知的其他途径)")), COMMENT)),
        Action("follow_up", _("Follow up the agreement (履行回访)"), frozenset({"handling", "feedback", "callback", "closed"}), None,
               frozenset({"mediator", "community_staff", "street_staff", "centre_admin"}),
               fields=(FieldSpec("performed", "bool", _("Performed?")), FieldSpec("note", "text", _("Note"), required=False)),
               requires=("has_agreement",)),
        Action("merge", _("Merge into another case (合并)"), frozenset({"registered", "accepted"}), "merged",
               frozenset({"window_clerk", "centre_admin"}),
               fields=(FieldSpec("master", "case", _("Master case number")), COMMENT)),
    ]
}


def actions_from(state: str, tier: str) -> list[Action]:
    return [a for a in ACTIONS.values() if state in a.sources and tier in a.tiers]


def mermaid() -> str:
    """The state diagram for docs/case-workflow.md, generated from the table."""
    lines = ["stateDiagram-v2", "    [*] --> registered: register (登记)"]
    for a in ACTIONS.values():
        if a.target is None:
            continue
        for s in sorted(a.sources):
            lines.append(f"    {s} --> {a.target}: {a.name}")
    lines.append("    callback --> handling: callback (unsatisfied → 重办)")
    for s in sorted(CLOSED_STATES):
        lines.append(f"    {s} --> [*]")
    return "\n".join(lines)
