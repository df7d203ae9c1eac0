"""How a demo case lives: which steps happen, how often and how long each takes.

:func:`live` tells one case's story through :class:`~zhili.demo.lifecycle.Life`, which holds it to
the workflow's rules; the story only decides. Its proportions follow the Kuiwen article's year: a few
matters not accepted or merged into an earlier one, simple ones settled on the spot, the rest
dispatched to a unit that handles their category, signed, handled (cooperating units record their
part, disputes are mediated, some ask for more time, a few are returned to the dispatcher or come
late), checked and called back. An unsatisfied or unsolved callback reopens the case as rework —
the unit handles it again and the resident is called back again — and a few residents stay
unsatisfied: their cases stay open. Major matters (重大纠纷会商研判) first go to the 政法委's joint
meeting (联席会议: a session a working day or two after, which the major matters accepted meanwhile
share — about 80 sessions for about 116 major matters a year) with a risk assessment; its lead unit,
cooperating units and deadline bind the dispatch. Old closed cases are archived.
"""

from __future__ import annotations

import datetime as dt
import random

from django.conf import settings

from zhili.cases.models import CaseEvent
from zhili.cases.workflow import CLOCK_STATES, OPEN_STATES
from zhili.core.calendar import SHANGHAI, is_workday

from .lifecycle import Life
from .matters import Draw, pick

DAY = dt.timedelta(days=1)
HOUR = dt.timedelta(hours=1)

REJECT = 0.015  # not accepted (不予受理)
MERGE = 0.35  # a repeat while the reporter's earlier case of the kind is open: merged into it
UNREACHABLE = 0.004  # the callback never gets through: closed as 无法联系 after the set attempts
STUCK = 0.5  # unsatisfied again after rework: the resident stays unsatisfied, the case open
ON_SPOT = {"consult": 0.75, "suggestion": 0.5, "help": 0.35, "dispute": 0.35, "complaint": 0.25, "livelihood": 0.2,
           "hazard": 0.15, "report": 0.1, "petition": 0.0}
#: the callback's verdict (solved, satisfaction): the first, after one rework, after more
VERDICTS = [
    [((True, "satisfied"), 82), ((True, "basic"), 12.5), ((False, "unsatisfied"), 4), ((True, "unsatisfied"), 0.5),
     ((False, "basic"), 1)],
    [((True, "satisfied"), 40), ((True, "basic"), 35), ((False, "unsatisfied"), 20), ((False, "basic"), 5)],
    [((True, "satisfied"), 30), ((True, "basic"), 40), ((False, "unsatisfied"), 25), ((False, "basic"), 5)],
]
UNSATISFIED_WORDS = ["问题没有解决", "处理结果不满意，要求重新办理", "只答复未实际处理", "对处理方式有意见"]
REJECTIONS = {
    "petition": ("属于应当通过诉讼、仲裁途径解决的事项", "向人民法院起诉或申请仲裁"),
    "dispute": ("纠纷已进入诉讼程序", "按诉讼程序依法解决"),
}
REJECTION = ("不属于本中心受理范围", "向有关职能部门反映")
RESULTS = {
    "consult": "已联系群众，详细解答相关政策和办理流程", "help": "已协调相关单位上门帮助解决",
    "complaint": "已到现场核实，责令相关方整改，整改完成后向群众反馈", "report": "已核查举报线索，依法处理并向举报人反馈",
    "suggestion": "已研究群众建议，答复采纳情况", "dispute": "经调解，双方矛盾已化解",
    "petition": "已调查核实并出具书面答复意见，告知信访人复查途径", "hazard": "已到现场排查处置，隐患已消除",
    "livelihood": "已协调处理，问题已解决",
}
ON_SPOT_RESULTS = {"consult": "现场解答相关政策和办理流程，群众表示清楚", "suggestion": "已记录建议并当场答复",
                   "dispute": "现场组织双方协商，达成一致意见"}
RISKS = {
    "dispute.land_requisition": "涉及多户被征收群众，情绪激烈，存在越级上访风险",
    "dispute.migrant_wages": "涉及农民工二十余人，临近年关，存在聚集讨薪风险",
    "labour.wage_arrears": "涉及员工人数较多，存在集体上访风险",
    "dispute.property_mgmt": "涉及全体业主利益，存在群体性事件风险",
    "livelihood.old_compound": "涉及整个小区居民，意见分歧大，存在聚集风险",
}
MEASURES = "专人包案，每日跟踪，做好稳控和疏导"


def _hours(rng: random.Random, a: float, b: float) -> dt.timedelta:
    return HOUR * rng.uniform(a, b)


def _state_at(life: Life, t: dt.datetime) -> str:
    state = "registered"
    for ev in life.events:
        if ev.at > t:
            break
        state = ev.to_state
    return state


def live(rng: random.Random, ctx, life: Life, d: Draw, grid_code: str, previous: Life | None) -> None:
    """The case's life from its registration to ``end`` (or until it stays where it is)."""
    case = life.case
    clerk = ctx.clerk_for(rng)
    t = case.created_at
    if rng.random() < REJECT:
        reason, channel = REJECTIONS.get(case.case_type, REJECTION)
        life.act(t + _hours(rng, 0.2, 4), "reject", {"reason": reason, "proper_channel": channel}, actor=clerk)
        return
    if previous is not None and rng.random() < MERGE:
        tm = t + _hours(rng, 0.5, 8)
        if tm < life.end and _state_at(previous, tm) in OPEN_STATES - {"registered"}:
            life.act(tm, "merge", {"master_case": previous.case, "comment": "重复诉求，合并办理"}, actor=clerk)
            life.others.append(_merged_in(previous, case, tm, clerk))
            return
    spot = case.tier == "simple" and rng.random() < ON_SPOT[case.case_type] and (
        case.channel in ("window", "grid") or (case.channel in ("phone", "online", "open311")
                                               and case.case_type in ("consult", "suggestion")))
    if spot:
        who = ctx.grid_worker(grid_code) if case.channel == "grid" else clerk
        result = ON_SPOT_RESULTS.get(case.case_type, "现场协调处理，当事人认可")
        if not life.act(t + dt.timedelta(minutes=rng.uniform(10, 90)), "resolve_on_spot", {"result": result},
                        actor=who, name="" if who else "网格员"):
            return
    else:
        if not life.act(t + _hours(rng, 0.2, 6), "accept", {}, actor=clerk):
            return
        if not handle(rng, ctx, life, d, grid_code, clerk):
            return
    confirm(rng, ctx, life, d, grid_code, clerk)
    after(rng, ctx, life, clerk)


def _merged_in(master: Life, case, t, clerk) -> CaseEvent:
    """The master's event of a merge (what the merge handler records on it)."""
    state = _state_at(master, t)
    return CaseEvent(case=master.case, at=t, actor=clerk, actor_name=clerk.display_name if clerk else "窗口工作人员",
                     actor_org=clerk.organisation.name if clerk and clerk.organisation_id else "", action="merged_in",
                     from_state=state, to_state=state, comment=f"合并了 {case.number}", data={"merged": case.number})


def handle(rng, ctx, life: Life, d: Draw, grid_code: str, clerk) -> bool:
    """From accepted to a submitted result: joint meeting (major), dispatch, returns, signing, the
    work; False if the case stops before (``end``)."""
    case = life.case
    leads = ctx.leads(d, grid_code)
    lead = leads[0]
    partners = [o for o in ctx.partners(d, grid_code) if o.pk != lead.pk]
    coop = []
    if case.tier == "complex" and partners:
        coop = rng.sample(partners, k=min(len(partners), rng.choice((1, 1, 2))))
    if case.tier == "major" and not life.meetings:
        coop = rng.sample(partners, k=min(len(partners), rng.choice((1, 2, 2, 3))))
        if not _meeting(rng, ctx, life, d, lead, coop):
            return False
        coop = []  # the meeting's cooperating units stay; the dispatch names none
    t = life.t + _hours(rng, 0.1, 5)
    if not life.act(t, "dispatch", {"lead_unit": lead, "cooperating_units": coop}, actor=clerk):
        return False
    dispatched, due = t, case.due_at
    others = [o for o in leads if o.pk != lead.pk]
    if others and rng.random() < 0.05:  # returned: another of the category's units takes it
        signed_first = rng.random() < 0.3
        if signed_first and not life.act(t + _hours(rng, 0.2, 6), "sign", {}, actor=ctx.staff(rng, lead), org=lead,
                                         name="承办人"):
            return False
        new = rng.choice(others)
        reason = "属地管理事项，请街道（社区）办理" if new.org_type in ("street_office", "community_office") \
            else "需由行业主管部门办理"
        if not life.act(life.t + _hours(rng, 0.5, 20), "return", {"reason": reason}, actor=ctx.staff(rng, lead), org=lead,
                        name="承办人"):
            return False
        lead = new
        if not life.act(life.t + _hours(rng, 0.3, 6), "dispatch", {"lead_unit": lead, "cooperating_units": coop,
                                                                    "comment": "重新分派"}, actor=clerk):
            return False
    return _work(rng, ctx, life, d, lead, dispatched, due)


def _meeting(rng, ctx, life: Life, d: Draw, lead, coop) -> bool:
    """The joint meeting (a session of the 政法委's, shared by the major matters of a few days) and the
    risk assessment."""
    held = _session(rng, ctx, life.t)
    local = held.astimezone(SHANGHAI)
    deadline = dt.datetime.combine(local.date() + DAY * rng.choice((15, 20, 20, 30)), dt.time(17, 30), SHANGHAI)
    names = "、".join(o.name for o in [lead, *coop])
    f = {"held_at": held, "venue": "区社会治理服务中心联席联办会商室", "attendees": f"区委政法委、{names}",
         "units": [lead, *coop], "decisions": f"由{lead.name}牵头" + (f"，{'、'.join(o.name for o in coop)}配合" if coop else "")
         + f"，{deadline:%m月%d日}前化解到位", "lead_unit": lead, "cooperating_units": coop, "deadline": deadline}
    if not life.act(held + _hours(rng, 0.5, 2), "hold_meeting", f, actor=ctx.admin, name="区委政法委"):
        return False
    level = pick(rng, [("high", 25), ("medium", 50), ("low", 25)])
    risk = {"level": level, "analysis": RISKS.get(d.leaf.code, "矛盾较为突出，存在激化和上访风险"), "measures": MEASURES}
    return life.act(life.t + _hours(rng, 0.2, 1), "assess_risk", risk, actor=ctx.admin, name="区委政法委")


def _session(rng, ctx, after: dt.datetime) -> dt.datetime:
    """A session of the joint meeting a major matter accepted at ``after`` goes to: one already set
    within the next 17 hours, or a new one on a working day one or two days on, at 14:30."""
    for held in reversed(ctx.sessions[-8:]):
        if after + 2 * HOUR < held <= after + 0.7 * DAY:
            return held
    day = (after + DAY * rng.uniform(1, 2)).astimezone(SHANGHAI).date()
    while not is_workday(day):
        day += DAY
    held = dt.datetime.combine(day, dt.time(14, 30), SHANGHAI)
    ctx.sessions.append(held)
    return held


def _work(rng, ctx, life: Life, d: Draw, lead, dispatched: dt.datetime, due: dt.datetime) -> bool:
    """Signing, the parts of the cooperating units, mediation, an extension, the result."""
    case = life.case
    staff = ctx.staff(rng, lead)
    span = due - dispatched
    sign_span = case.sign_due_at - life.t
    late_sign = rng.random() < 0.07
    t_sign = life.t + sign_span * (rng.uniform(1.05, 2.5) if late_sign else rng.uniform(0.05, 0.9))
    if not life.act(t_sign, "sign", {}, actor=staff, org=lead, name="承办人"):
        return False
    late = rng.random() < 0.05
    t_res = dispatched + span * (rng.uniform(1.02, 1.6) if late else rng.betavariate(2, 3))
    t_res = max(t_res, t_sign + min(4 * HOUR, span * 0.2))
    # an extension, asked for in time when the work will take longer
    room = life.extension_room()
    if room and rng.random() < 0.06:
        t_req = t_sign + (min(t_res, case.due_at) - t_sign) * rng.uniform(0.3, 0.7)
        days = min(room, rng.choice((3, 5, 7, 10, 15)))
        if t_req < case.due_at and life.act(t_req, "request_extension", {"days": days, "reason": rng.choice(
                ["需要进一步调查核实", "涉及多个单位，需协调处理", "等待鉴定结果"])}, actor=staff, org=lead, name="承办人"):
            approve = rng.random() < 0.88
            if not life.act(life.t + _hours(rng, 1, 8), "decide_extension", {"approve": approve, "comment": "同意" if approve
                            else "理由不充分，请在原期限内办结"}, actor=ctx.admin, name="中心负责人"):
                return False
            if approve and (late or rng.random() < 0.5):  # the extra time is used
                t_res = max(life.t + HOUR, due + (case.due_at - due) * rng.uniform(0.1, 0.9))
        elif t_req >= life.end:
            return False
    t_res = max(t_res, life.t + HOUR)
    between = [life.t + (t_res - life.t) * x for x in sorted(rng.uniform(0.2, 0.8) for _ in range(4))]
    # the cooperating units' parts
    for i, (org, recorded, _part) in enumerate(list(life.units.values())):
        if recorded is None and not life.act(max(between[i % 4], life.t + dt.timedelta(minutes=5)), "record_part",
                                             {"part": "已配合现场处置"}, org=org, name="配合单位"):
            return False
    t_res = max(t_res, life.t + HOUR)
    result = RESULTS[case.case_type]
    if case.case_type == "dispute" and life.agreement is None and rng.random() < 0.6:
        result = _mediate(rng, ctx, life, d, t_res, result)
        if result is None:
            return False
    t_res = max(t_res, life.t + dt.timedelta(minutes=20))
    return life.act(t_res, "submit_result", {"result": result}, actor=staff, org=lead, name="承办人")


def _mediate(rng, ctx, life: Life, d: Draw, t_res, result):
    """A mediation session of the matter's committee; an agreement or a failure. The result's text, or None."""
    case = life.case
    committee = ctx.committee(d, case.region_code)
    t = life.t + (t_res - life.t) * 0.4
    parties = "、".join(r.name for r, _ in life.parties)
    if not life.act(t, "record_mediation", {"held_at": t, "venue": f"{committee.name}“和为贵”调解室",
                                            "parties_present": parties, "notes": "双方陈述事实，调解员释法说理"},
                    actor=ctx.mediator, org=committee, name="调解员"):
        return None
    u = rng.random()
    t = life.t + (t_res - life.t) * 0.5
    if u < 0.55 and life.has_both_parties:
        local = t.astimezone(SHANGHAI).date()
        f = {"committee": committee, "facts": case.description, "disputed_items": "赔偿及责任承担",
             "responsibilities": "双方各自承担相应责任", "terms": "被申请人一次性补偿申请人损失", "performance_method": "现金支付",
             "performance_deadline": local + 15 * DAY, "signed_on": local}
        if not life.act(t, "record_agreement", f, actor=ctx.mediator, org=committee, name="调解员"):
            return None
        return "经调解双方达成调解协议，已签订人民调解协议书"
    if u < 0.7:
        if not life.act(t, "mediation_failed", {"remedies": "告知当事人可向人民法院起诉"}, actor=ctx.mediator, org=committee,
                        name="调解员"):
            return None
        return "调解不成，已告知当事人通过诉讼途径解决"
    return result


def confirm(rng, ctx, life: Life, d: Draw, grid_code: str, clerk) -> None:
    """From the result to closing: the check, the callback, and rework while the resident is not satisfied."""
    case = life.case
    rounds = 0
    while True:
        if case.state == "feedback":
            if rng.random() < 0.02:
                if not life.act(life.t + _hours(rng, 1, 30), "check_fail", {"reason": "未附现场照片，请补充"}, actor=clerk):
                    return
                lead = case.lead_unit
                if not life.act(life.t + _hours(rng, 4, 48), "submit_result", {"result": "已补充现场照片"},
                                actor=ctx.staff(rng, lead), org=lead, name="承办人"):
                    return
                continue
            if not life.act(life.t + _hours(rng, 1, 30), "check_pass", {}, actor=clerk):
                return
        if rng.random() < UNREACHABLE:  # three calls a day or more apart, none answered: 无法联系
            for _ in range(settings.ZHILI_CALLBACK_ATTEMPTS):
                if not life.act(life.t + _hours(rng, 20, 72), "callback_failed", {"comment": "电话无人接听"}, actor=clerk):
                    return
            return
        (solved, sat) = pick(rng, VERDICTS[min(rounds, 2)])
        words = "" if solved and sat != "unsatisfied" else rng.choice(UNSATISFIED_WORDS) if sat == "unsatisfied" \
            else "态度较好，但问题仍未解决"
        if not life.act(life.t + _hours(rng, 2, 48), "callback", {"solved": solved, "satisfaction": sat, "comment": words},
                        actor=clerk):
            return
        if case.state == "closed":
            return
        rounds += 1
        if rounds >= 2 and rng.random() < STUCK:
            _stuck(rng, ctx, life)
            return
        if case.state == "accepted":  # settled on the spot, reopened: dispatched properly now
            if not handle(rng, ctx, life, d, grid_code, clerk):
                return
            continue
        lead = case.lead_unit
        staff = ctx.staff(rng, lead)
        if not life.act(life.t + _hours(rng, 4, 40), "progress", {"comment": "按回访意见重新核实处理"}, actor=staff, org=lead,
                        name="承办人"):
            return
        if not life.act(life.t + _hours(rng, 12, 96), "submit_result", {"result": "按回访意见重新办理，已向群众再次反馈"},
                        actor=staff, org=lead, name="承办人"):
            return


def _stuck(rng, ctx, life: Life) -> None:
    """The resident stays unsatisfied: the unit keeps explaining; the centre urges and supervises."""
    lead = life.case.lead_unit
    if lead is not None:
        life.act(life.t + _hours(rng, 24, 120), "progress", {"comment": "群众诉求超出政策规定，持续做解释疏导工作"},
                 actor=ctx.staff(rng, lead), org=lead, name="承办人")


def after(rng, ctx, life: Life, clerk) -> None:
    """What follows the case's last step: the agreement's follow-up, archiving, urging an overdue one."""
    case = life.case
    if life.agreement is not None and case.state in ("handling", "feedback", "callback", "closed"):
        deadline = dt.datetime.combine(life.agreement.performance_deadline, dt.time(10), SHANGHAI)
        t = max(deadline, life.t + _hours(rng, 2, 24))
        performed = rng.random() < 0.93
        life.act(t, "follow_up", {"performed": performed, "note": "已按协议履行" if performed else "尚未履行，继续督促"},
                 actor=ctx.mediator, name="调解员")
    if case.state == "closed" and life.t < life.end - 60 * DAY and rng.random() < 0.7:
        life.act(life.t + DAY * rng.uniform(1, 10), "archive", {}, actor=clerk)
    if case.state in CLOCK_STATES and case.due_at is not None and case.due_at < life.end:
        t = max(case.due_at + _hours(rng, 4, 72), life.t + _hours(rng, 1, 24))
        if life.act(t, "urge", {"comment": "已超期，请抓紧办理"}, actor=ctx.admin, name="中心负责人") \
                and life.end - case.due_at > 15 * DAY:
            life.act(life.t + _hours(rng, 24, 240), "supervise", {"card": "yellow", "comment": "超期未办结，黄牌督办"},
                     actor=ctx.admin, name="中心负责人")
