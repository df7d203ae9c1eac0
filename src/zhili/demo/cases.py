"""A year of realistic cases for the demo district, through a bulk path.

``generate_cases(n, seed, end)`` writes cases, parties, units, timelines, mediation sessions and
agreements, joint meetings and risk assessments with ``bulk_create`` — deterministic for a seed
and an end date. The mix follows the seed's figures: every channel, type, tier and state; about
99 % of the cases older than a month completed; returns, extensions, rework, callbacks; a
category mix that differs from street to street. Each case has a point inside its grid and a
real-looking address: mostly a building of one of the grid's compounds, else a house on the
nearest road (:mod:`zhili.demo.district.addresses`). Used by ``zhili demo`` (and so ``zhili up``) and
by ``zhili demo --cases N`` for benchmarks.
"""

from __future__ import annotations

import datetime as dt
import random
from collections import Counter, defaultdict

from django.db import transaction
from shapely.geometry import shape

from zhili.cases import deadlines, keys, rollups
from zhili.cases.models import (
    AgreementFollowUp,
    Case,
    CaseCounter,
    CaseEvent,
    CaseParty,
    CaseUnit,
    DeadlinePolicy,
    JointMeeting,
    MediationAgreement,
    MediationSession,
    RiskAssessment,
)
from zhili.cases.services import REPEAT_DAYS, case_prefix, tokens
from zhili.core import crypto
from zhili.core.calendar import SHANGHAI
from zhili.core.models import CodeItem, Compound, Organisation, Region, Resident, User

from .district import addresses

ROOT_WEIGHTS = {"dispute": 24, "livelihood": 36, "hazard": 15, "city": 12, "labour": 8, "other": 5}
TYPES_BY_ROOT = {
    "dispute": [("dispute", 70), ("petition", 20), ("complaint", 10)],
    "livelihood": [("livelihood", 35), ("complaint", 25), ("help", 20), ("consult", 12), ("suggestion", 8)],
    "hazard": [("hazard", 70), ("report", 30)],
    "city": [("complaint", 60), ("report", 25), ("suggestion", 15)],
    "labour": [("complaint", 45), ("petition", 30), ("dispute", 25)],
    "other": [("consult", 60), ("suggestion", 40)],
}
CHANNELS = [("window", 24), ("phone", 30), ("online", 15), ("grid", 18), ("petition", 5), ("platform", 4),
            ("leader", 2), ("open311", 2)]
LEAD_BY_ROOT = {
    "dispute": ["dept-sfj", "street", "community"], "livelihood": ["dept-zjj", "street", "dept-zhzfj", "dept-mzj"],
    "hazard": ["dept-yjj", "dept-scjgj", "dept-zjj", "street"], "city": ["dept-zhzfj", "street"],
    "labour": ["dept-rsj"], "other": ["street", "dept-xfj"],
}
SUBJECTS = {
    "dispute": ["楼上漏水引发邻里纠纷", "相邻通行纠纷", "装修噪声纠纷", "物业费纠纷", "房屋租赁押金纠纷", "家庭赡养纠纷",
                "交通事故赔偿纠纷", "宠物伤人赔偿纠纷", "车位占用纠纷", "婚姻财产纠纷"],
    "livelihood": ["小区停水", "暖气不热", "楼道灯不亮", "电梯故障停运", "垃圾清运不及时", "夜间施工噪声扰民",
                   "小区绿地被占", "老旧小区改造进度", "道路坑洼积水", "低保申请咨询"],
    "hazard": ["楼道堆放杂物堵塞消防通道", "电动车楼道充电", "燃气管道老化", "工地围挡倾斜", "窨井盖缺失",
               "餐馆使用过期食材", "广告牌松动", "危房墙体开裂"],
    "city": ["占道经营", "乱贴小广告", "渣土车遗撒", "私搭乱建", "店外堆放杂物", "工地扬尘"],
    "labour": ["拖欠农民工工资", "公司未缴社保", "劳动合同未签订", "工伤认定咨询", "加班费未支付"],
    "other": ["政策咨询", "办事流程咨询", "对社区工作的建议", "公共设施建议"],
}
DETAILS = ["多次反映未解决", "影响正常生活", "希望尽快处理", "已与对方协商未果", "涉及多户居民", "老人孩子出行不便",
           "存在安全隐患", "请相关部门核实"]
SURNAMES = "王张李刘陈杨赵孙徐马于高郭宋林胡韩郑曹田董周吴朱黄何"
GIVEN = "建国军伟芳娜敏静丽强磊洋艳勇杰娟涛明超秀霞平刚桂英华玉兰红梅志新海波"
DAY = dt.timedelta(days=1)
HOUR = dt.timedelta(hours=1)


def pick(rng: random.Random, weighted):
    items, weights = zip(*weighted, strict=True)
    return rng.choices(items, weights=weights)[0]


def _name(rng: random.Random) -> str:
    return rng.choice(SURNAMES) + "".join(rng.choice(GIVEN) for _ in range(rng.choice((1, 2, 2))))


def _working_hour(rng: random.Random, day: dt.date) -> dt.datetime:
    hour = rng.choices(range(7, 22), weights=[2, 8, 12, 12, 10, 6, 8, 10, 10, 9, 6, 3, 2, 1, 1])[0]
    return dt.datetime(day.year, day.month, day.day, hour, rng.randrange(60), rng.randrange(60), tzinfo=SHANGHAI)


class _Context:
    """Everything the generator draws from, loaded once."""

    def __init__(self, rng: random.Random, district_prefix: str):
        self.grids = list(Region.objects.filter(level="grid", code__startswith=district_prefix, geometry__isnull=False)
                          .order_by("code").values_list("code", "id", "geometry"))
        if not self.grids:
            raise RuntimeError("no grids: build the demo district first")
        self.grid_ids = [(code, pk) for code, pk, _ in self.grids]
        self.shapes = {code: shape(geom) for code, _, geom in self.grids}
        # the compounds of each grid, where most matters happen: (name, gate lon, gate lat, buildings)
        self.compounds = defaultdict(list)
        for name, grid, lon, lat, households in (Compound.objects.filter(region_code__startswith=district_prefix,
                                                                          lon__isnull=False, grid__isnull=False)
                                                 .order_by("region_code", "name").values_list(
                                                     "name", "grid__code", "lon", "lat", "households")):
            if grid in self.shapes:
                self.compounds[grid].append((name, lon, lat, addresses.buildings_of(households)))
        streets = sorted({c[:9] for c, _, _ in self.grids})
        # each street has its own mix of matters
        self.street_mix = {s: {r: w * rng.uniform(0.6, 1.6) for r, w in ROOT_WEIGHTS.items()} for s in streets}
        cats = list(CodeItem.objects.filter(type="case_category", active=True).values_list("id", "code", "parent_id"))
        by_id = {pk: (code, parent) for pk, code, parent in cats}
        children = defaultdict(list)
        for pk, _code, parent in cats:
            if parent:
                children[parent].append(pk)
        self.leaves = defaultdict(list)
        self.path = {}
        for pk in by_id:
            chain, node = [], pk
            while node:
                chain.append(by_id[node][0])
                node = by_id[node][1]
            self.path[pk] = "/".join(reversed(chain))
            if not children.get(pk):
                self.leaves[chain[-1]].append(pk)
        self.cat_code = {pk: code for pk, (code, _) in by_id.items()}
        self.orgs = {o.code: o for o in Organisation.objects.filter(code__startswith="dept-")}
        self.street_office = {o.region_code[:9]: o for o in Organisation.objects.filter(org_type="street_office")}
        self.comm_office = {o.region_code[:12]: o for o in Organisation.objects.filter(org_type="community_office")}
        self.committees = {o.region_code[:9]: o for o in Organisation.objects.filter(org_type="mediation_committee",
                                                                                    region__level="street")}
        self.district_committee = Organisation.objects.filter(code="med-district").first() or \
            Organisation.objects.filter(org_type="mediation_committee").first()
        users = {u.username: u for u in User.objects.filter(username__in=["clerk", "handler", "admin", "mediator", "street",
                                                                          "gridworker", "depthead"])}
        self.clerk = users.get("clerk") or User.objects.filter(role="window_clerk").first()
        self.admin = users.get("admin") or User.objects.filter(role="centre_admin").first()
        self.mediator = users.get("mediator") or User.objects.filter(role="mediator").first()
        self.grid_worker_of = dict(User.objects.filter(role="grid_worker").values_list("region__code", "id"))
        self.policy_cache: dict = {}
        self.policies = list(DeadlinePolicy.objects.filter(active=True).select_related("category"))
        self.token_cache: dict[str, str] = {}

    def tokens(self, text: str) -> str:
        if text not in self.token_cache:
            self.token_cache[text] = " ".join(tokens(text))
        return self.token_cache[text]


def _policy(ctx: _Context, case: Case):
    key = (case.case_type, case.tier, case.urgency, case.category_path)
    if key not in ctx.policy_cache:
        p = deadlines.match_policy(ctx.policies, case_type=case.case_type, tier=case.tier, urgency=case.urgency,
                                   ancestors=case.category_path.split("/"))
        ctx.policy_cache[key] = (p.sign_value, p.sign_unit, p.handle_value, p.handle_unit, p.extension_max_value) if p \
            else (1, "wd", 15, "wd", 15)
    return ctx.policy_cache[key]


def generate_cases(n: int, seed: int = 2026, end: dt.datetime | None = None, district_prefix: str = "370705",
                   days: int = 365, batch: int = 2000, stdout=None) -> dict:
    """Write ``n`` cases created over the ``days`` before ``end`` (default: today 00:00 Shanghai)."""
    rng = random.Random(seed * 7919 + n)
    if end is None:
        today = dt.datetime.now(SHANGHAI).date()
        end = dt.datetime(today.year, today.month, today.day, tzinfo=SHANGHAI)
    ctx = _Context(rng, district_prefix)
    start_day = (end - days * DAY).date()
    # residents: a pool, some of whom come again and again
    n_res = max(50, int(n * 0.75))
    counts = defaultdict(int)
    sums: dict = defaultdict(Counter)
    last_filed: dict = {}
    ctx.last_filed = last_filed
    with transaction.atomic():
        residents = _make_residents(rng, n_res, ctx)
        created_times = sorted(_working_hour(rng, start_day + dt.timedelta(days=int(rng.random() ** 0.9 * days)))
                               for _ in range(n))
        year_seq: dict[int, int] = {}
        existing = {c.year: c.last for c in CaseCounter.objects.filter(prefix=case_prefix())}
        done = 0
        for lo in range(0, n, batch):
            chunk = created_times[lo:lo + batch]
            plans = [_plan(rng, ctx, t, end, residents, year_seq, existing) for t in chunk]
            cases = Case.objects.bulk_create([p["case"] for p in plans], batch_size=batch)
            parties, units, events, sessions, agreements, meetings, risks = [], [], [], [], [], [], []
            for case, p in zip(cases, plans, strict=True):
                counts[case.state] += 1
                for res, role in p["parties"]:
                    parties.append(CaseParty(case=case, resident=res, role=role))
                for org, recorded in p["units"]:
                    units.append(CaseUnit(case=case, unit=org, part="已配合现场处置" if recorded else "",
                                          recorded_at=recorded))
                for ev in p["events"]:
                    ev.case = case
                    events.append(ev)
                if p.get("session"):
                    s = p["session"]
                    s.case = case
                    sessions.append(s)
                if p.get("agreement"):
                    a = p["agreement"]
                    a.case = case
                    agreements.append(a)
                if p.get("meeting"):
                    m = p["meeting"]
                    m.case = case
                    meetings.append(m)
                if p.get("risk"):
                    r = p["risk"]
                    r.case = case
                    risks.append(r)
            CaseParty.objects.bulk_create(parties, batch_size=5000)
            CaseUnit.objects.bulk_create(units, batch_size=5000)
            CaseEvent.objects.bulk_create(events, batch_size=5000)
            MediationSession.objects.bulk_create(sessions)
            made = MediationAgreement.objects.bulk_create(agreements)
            AgreementFollowUp.objects.bulk_create([
                AgreementFollowUp(agreement=a, visited_on=a.performance_deadline, performed=rng.random() < 0.93,
                                  note="回访履行情况", by=ctx.mediator) for a in made
                if ctx.mediator and a.performance_deadline < end.date()])
            JointMeeting.objects.bulk_create(meetings)
            RiskAssessment.objects.bulk_create(risks)
            for case in cases:
                if case.state not in ("closed", "archived", "rejected", "merged") and case.due_at and case.due_at < end:
                    case.was_overdue = True
                    Case.objects.filter(pk=case.pk).update(was_overdue=True)
            for k, v in rollups.recount(cases).items():
                sums[k].update(v)
            done += len(cases)
            counts["events"] += len(events)
            if stdout and n >= 20000:
                stdout.write(f"  cases: {done}/{n}\n")
        rollups.add_sums(sums)
        rollups.recount_in_sql()  # recurring texts depend on all the cases of a key; deadline days
        for year, last in year_seq.items():
            CaseCounter.objects.update_or_create(prefix=case_prefix(), year=year, defaults={"last": last})
    return {"cases": n, **dict(counts)}


def _make_residents(rng, n, ctx) -> list[Resident]:
    rows = []
    used = set()
    for _ in range(n):
        while True:
            phone = rng.choice(["138", "139", "135", "136", "150", "151", "158", "186", "187", "133"]) + \
                f"{rng.randrange(10**8):08d}"
            if phone not in used:
                used.add(phone)
                break
        grid = rng.choice(ctx.grids)[0]
        rows.append(Resident(name=_name(rng), phone=phone, phone_index=crypto.blind_index(phone, "phone"),
                             region_code=grid))
    return Resident.objects.bulk_create(rows, batch_size=5000)


def _plan(rng, ctx: _Context, created: dt.datetime, end: dt.datetime, residents, year_seq, existing) -> dict:
    code, grid_id = rng.choice(ctx.grid_ids)
    street = code[:9]
    root = pick(rng, list(ctx.street_mix[street].items()))
    leaves = ctx.leaves.get(root) or ctx.leaves.get("other") or next(iter(ctx.leaves.values()))
    cat_id = rng.choice(leaves)
    case_type = pick(rng, TYPES_BY_ROOT[root])
    channel = "petition" if case_type == "petition" else pick(rng, CHANNELS)
    if channel == "petition" and case_type not in ("petition",):
        channel = "window"
    tier = pick(rng, [("simple", 68), ("complex", 27), ("major", 5)] if root in ("dispute", "labour")
                else [("simple", 78), ("complex", 21), ("major", 1)])
    urgency = pick(rng, [("normal", 88), ("urgent", 9), ("emergency", 3)])
    lon, lat, address = addresses.place(rng, ctx.shapes[code], ctx.compounds.get(code))
    year = created.year
    year_seq[year] = year_seq.get(year, existing.get(year, 0)) + 1
    number = f"{case_prefix()}{year}-{year_seq[year]:06d}"
    # repeat filers: a few residents file many times
    reporter = residents[int(len(residents) * (rng.random() ** 2.2))] if rng.random() < 0.3 else rng.choice(residents)
    key = (reporter.pk, root)
    previous = ctx.last_filed.get(key)
    is_repeat = previous is not None and created - previous <= dt.timedelta(days=REPEAT_DAYS)
    ctx.last_filed[key] = created
    subject = rng.choice(SUBJECTS[root])
    d1, d2 = rng.sample(DETAILS, 2)
    desc = f"{subject}，{d1}，{d2}。"
    case = Case(number=number, channel=channel, case_type=case_type, category_id=cat_id, category_path=ctx.path[cat_id],
                title=subject, description=desc, request="请尽快协调解决", address=address,
                lon=lon, lat=lat, grid_id=grid_id, region_code=code, urgency=urgency, tier=tier,
                state="registered", confidential=case_type == "report" and rng.random() < 0.5, reporter=reporter,
                reporter_phone_index=reporter.phone_index, registered_by=ctx.clerk if channel == "window" else None,
                created_at=created, is_repeat=is_repeat, search_text=ctx.tokens(f"{subject} {desc}"))
    keys.derive(case)
    parties = [(reporter, "applicant" if case_type == "dispute" else "reporter")]
    if case_type == "dispute":
        other = rng.choice(residents)
        if other.pk != reporter.pk:
            parties.append((other, "respondent"))
    events = [CaseEvent(at=created, actor_name="窗口工作人员" if channel == "window" else "系统", action="register",
                        from_state="", to_state="registered", data={"channel": channel})]
    plan = {"case": case, "parties": parties, "units": [], "events": events}

    def ev(t, action, frm, to, comment="", data=None, who="工作人员", org=""):
        events.append(CaseEvent(at=t, actor_name=who, actor_org=org, action=action, from_state=frm, to_state=to,
                                comment=comment, data=data or {}))

    age = end - created
    # how long each step takes (hours); the whole may end before or after `end`
    t = created
    fate = rng.random()
    if fate < 0.02:  # not accepted
        t += HOUR * rng.uniform(0.2, 4)
        if t < end:
            ev(t, "reject", "registered", "rejected", "属于诉讼事项", {"proper_channel": "向人民法院起诉"})
            case.state, case.closed_at = "rejected", t
        return plan
    if fate < 0.03 and age > 10 * DAY:  # merged duplicate
        t += HOUR * rng.uniform(0.5, 8)
        ev(t, "merge", "registered", "merged", "重复诉求，合并办理")
        case.state, case.closed_at = "merged", t
        return plan
    on_spot = tier == "simple" and rng.random() < 0.45
    if on_spot:
        t += dt.timedelta(minutes=rng.uniform(10, 90))
        if t >= end:
            return plan
        case.accepted_at = case.resolved_at = t
        case.result = "现场协调处理，当事人认可"
        case.on_time = True
        case.resolved_in_grid = channel == "grid"
        ev(t, "resolve_on_spot", "registered", "callback", case.result, who="网格员" if channel == "grid" else "窗口工作人员")
        case.state = "callback"
        return _finish(rng, ctx, plan, t, end, ev)
    t += HOUR * rng.uniform(0.2, 6)
    if t >= end:
        return plan
    case.accepted_at = t
    ev(t, "accept", "registered", "accepted")
    case.state = "accepted"
    t += HOUR * rng.uniform(0.1, 5)
    if t >= end:
        return plan
    lead = _lead(rng, ctx, root, code)
    coop = []
    if tier != "simple":
        pool = [o for c, o in ctx.orgs.items() if o.pk != lead.pk and c in ("dept-gaj", "dept-zjj", "dept-sfj", "dept-rsj", "dept-zhzfj", "dept-scjgj")]
        coop = rng.sample(pool, k=min(len(pool), rng.choice((1, 1, 2))))
    if tier == "major":  # the joint meeting and the risk assessment come before the dispatch
        mt = t + HOUR * rng.uniform(2, 48)
        if mt >= end and rng.random() < 0.5:
            return plan  # a major case still waiting for its meeting
        if mt < end:
            plan["meeting"] = JointMeeting(held_at=mt, venue="区社会治理服务中心会议室", convenor=ctx.admin,
                                           attendees="政法委、" + "、".join(o.name for o in [lead, *coop]),
                                           decisions=f"{lead.name}牵头，限期化解", lead_unit=lead, deadline=mt + 20 * DAY)
            ev(mt, "hold_meeting", "accepted", "accepted", "召开联席会议，明确责任单位和配合单位", who="政法委")
            plan["risk"] = RiskAssessment(level=rng.choice(["medium", "high", "low"]), analysis="涉及人数较多，存在上访风险",
                                          measures="专人包案，每日回访", assessed_by=ctx.admin, assessed_at=mt + HOUR)
            ev(mt + HOUR, "assess_risk", "accepted", "accepted", "风险研判", who="政法委")
            t = mt + 2 * HOUR
            if t >= end:
                return plan
    case.lead_unit, case.dispatched_at = lead, t
    sign_v, sign_u, handle_v, handle_u, ext_max = _policy(ctx, case)
    case.sign_due_at = deadlines.add(t, sign_v, sign_u)
    case.due_at = deadlines.add(t, handle_v, handle_u)
    case.deadline_unit = handle_u
    ev(t, "dispatch", "accepted", "dispatched", "", {"lead_unit": {"id": lead.pk, "name": lead.name}})
    case.state = "dispatched"
    if rng.random() < 0.04:  # returned once, re-dispatched
        t += HOUR * rng.uniform(1, 20)
        if t >= end:
            return plan
        ev(t, "return", "dispatched", "returned", "不属于本单位职责", who="承办人", org=lead.name)
        case.return_count = 1
        t += HOUR * rng.uniform(0.5, 6)
        if t >= end:
            case.state = "returned"
            return plan
        lead = _lead(rng, ctx, root, code)
        case.lead_unit = lead
        ev(t, "dispatch", "returned", "dispatched", "重新分派", {"lead_unit": {"id": lead.pk, "name": lead.name}})
    plan["units"] = [(o, None) for o in coop]
    t += HOUR * rng.uniform(0.3, 20)
    if t >= end:
        return plan
    case.signed_at = t
    ev(t, "sign", "dispatched", "handling", who="承办人", org=lead.name)
    case.state = "handling"
    span = (case.due_at - case.dispatched_at).total_seconds()
    late = rng.random() < 0.06
    took = dt.timedelta(seconds=span * (rng.uniform(1.05, 1.8) if late else rng.betavariate(2, 3)))
    if ext_max and rng.random() < 0.05 and took > 2 * (t - case.dispatched_at) + 8 * HOUR:
        days_ext = min(ext_max, rng.choice((3, 5, 7)))
        et = t + (case.dispatched_at + took - t) * 0.5
        if et + 3 * HOUR < end:
            ev(et, "request_extension", "handling", "handling", "需要进一步调查核实", {"days": days_ext}, who="承办人", org=lead.name)
            case.due_at = deadlines.add(case.due_at, days_ext, "wd" if handle_u == "wd" else "d")
            case.extended_days, case.extension_count = days_ext, 1
            ev(et + HOUR * 3, "decide_extension", "handling", "handling", "同意", {"approve": True, "days": days_ext}, who="科长")
    if case.case_type == "dispute" and rng.random() < 0.6:
        st = t + (case.dispatched_at + took - t) * 0.4
        if st < end:
            committee = ctx.committees.get(street) or ctx.district_committee
            plan["session"] = MediationSession(held_at=st, venue=f"{committee.name}“和为贵”调解室", committee=committee,
                                               parties_present="、".join(r.name for r, _ in parties), notes="双方陈述事实，调解员释法说理")
            ev(st, "record_mediation", "handling", "handling", "组织调解", who="调解员", org=committee.name)
    signed = t
    t = max(case.dispatched_at + took, signed + 4 * HOUR)
    if t >= end:
        return plan
    part_at = signed + (t - signed) * 0.8
    for org, _ in list(plan["units"]):
        ev(part_at, "record_part", "handling", "handling", "已配合现场处置", who="配合单位", org=org.name)
    plan["units"] = [(o, part_at) for o, _ in plan["units"]]
    case.result = "已到现场核实并处理，向当事人反馈"
    case.resolved_at = t
    case.on_time = t <= case.due_at
    case.was_overdue = not case.on_time
    if case.case_type == "dispute" and plan.get("session") and rng.random() < 0.5 and len(parties) == 2:
        committee = plan["session"].committee
        plan["agreement"] = MediationAgreement(number=f"{number}-调", committee=committee, facts=desc,
                                               disputed_items="赔偿及责任承担", responsibilities="双方各自承担相应责任",
                                               terms="被申请人一次性补偿申请人损失", performance_method="现金支付",
                                               performance_deadline=(t + 15 * DAY).date(), signed_on=t.date())
        case.outcome = {"result": "agreement", "agreement": f"{number}-调"}
    ev(t, "submit_result", "handling", "feedback", case.result, who="承办人", org=lead.name)
    case.state = "feedback"
    t += HOUR * rng.uniform(1, 30)
    if t >= end:
        return plan
    if rng.random() < 0.03:
        ev(t, "check_fail", "feedback", "handling", "未附现场照片，请补充", who="核查员")
        case.rework_count += 1
        t += HOUR * rng.uniform(4, 48)
        if t >= end:
            case.state = "handling"
            return plan
        ev(t, "submit_result", "handling", "feedback", "已补充现场照片", who="承办人", org=lead.name)
        case.resolved_at = t
        t += HOUR * rng.uniform(1, 10)
        if t >= end:
            return plan
    ev(t, "check_pass", "feedback", "callback", who="核查员")
    case.state = "callback"
    return _finish(rng, ctx, plan, t, end, ev)


def _finish(rng, ctx, plan, t, end, ev):
    """Callback with the resident; close; archive older ones. ~1% stay open for long."""
    case = plan["case"]
    if rng.random() < 0.009:
        return plan  # a callback that never got through
    t += HOUR * rng.uniform(2, 48)
    if t >= end:
        return plan
    sat = pick(rng, [("satisfied", 85), ("basic", 11), ("unsatisfied", 4)])
    if sat == "unsatisfied" and case.state == "callback" and case.lead_unit_id:
        ev(t, "callback", "callback", "handling", "问题没有解决", {"solved": False, "satisfaction": sat}, who="回访员")
        case.rework_count += 1
        t += HOUR * rng.uniform(24, 120)
        if t >= end:
            case.state, case.resolved_at = "handling", None
            return plan
        ev(t, "submit_result", "handling", "feedback", "重新处理完毕", who="承办人")
        case.resolved_at = t
        t += HOUR * rng.uniform(1, 10)
        ev(t, "check_pass", "feedback", "callback", who="核查员")
        t += HOUR * rng.uniform(2, 24)
        if t >= end:
            case.state = "callback"
            return plan
        sat = "basic"
    if sat == "unsatisfied":  # (on-the-spot matters in the demo end satisfied or basically satisfied)
        sat = "basic"
    ev(t, "callback", "callback", "closed", "", {"solved": True, "satisfaction": sat}, who="回访员")
    case.solved, case.satisfaction = True, sat
    case.state, case.closed_at = "closed", t
    if end - t > 60 * DAY and rng.random() < 0.7:
        t += DAY * rng.uniform(1, 10)
        ev(t, "archive", "closed", "archived", who="窗口工作人员")
        case.state, case.archived_at = "archived", t
    return plan


def _lead(rng, ctx: _Context, root: str, grid_code: str) -> Organisation:
    choice = rng.choice(LEAD_BY_ROOT[root])
    if choice == "street":
        org = ctx.street_office.get(grid_code[:9])
    elif choice == "community":
        org = ctx.comm_office.get(grid_code[:12])
    else:
        org = ctx.orgs.get(choice)
    return org or next(iter(ctx.orgs.values()))
