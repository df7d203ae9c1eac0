"""A year of realistic cases for the demo district, through a bulk path.

``generate_cases(n, seed, end)`` writes cases, parties, units, timelines, mediation sessions and
agreements, joint meetings and risk assessments with ``bulk_create`` — deterministic for a seed
and an end date. Each case's matter comes from :mod:`zhili.demo.matters` (a title and text of its
category, dispatched to a unit that handles it), its life from :mod:`zhili.demo.story`, told through
:class:`zhili.demo.lifecycle.Life` by the rules of the live services: every stored flag (on time,
overdue, signing, returns, extensions, rework, satisfaction, solved, resolved in the grid) is what
the case's own timeline implies. The year follows the Kuiwen article: about 7,415 信访 matters of
8,000, about 99 % of the cases older than two months completed, about 80 joint meetings and the
major risks they resolved, and a 满意率 below 100 % (residents who stay unsatisfied keep their cases
open). Each case has a point inside its grid and a real-looking address: mostly a building of one
of the grid's compounds, else a house on the nearest road (:mod:`zhili.demo.district.addresses`).
Used by ``zhili demo`` (and so ``zhili up``) and by ``zhili demo --cases N`` for benchmarks.
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

from . import matters, story
from .district import addresses
from .lifecycle import Life
from .matters import COMMUNITY, ROOT_WEIGHTS, STREET, pick

SURNAMES = "王张李刘陈杨赵孙徐马于高郭宋林胡韩郑曹田董周吴朱黄何"
GIVEN = "建国军伟芳娜敏静丽强磊洋艳勇杰娟涛明超秀霞平刚桂英华玉兰红梅志新海波"
DAY = dt.timedelta(days=1)
HOUR = dt.timedelta(hours=1)
#: who handles a case in a unit (signs, submits the result)
HANDLING_ROLES = ("dept_handler", "dept_head", "street_staff", "community_staff")


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
        self.path, self.cat_id = {}, {}
        for pk, (code, _parent) in by_id.items():
            chain, node = [], pk
            while node:
                chain.append(by_id[node][0])
                node = by_id[node][1]
            self.path[pk] = "/".join(reversed(chain))
            self.cat_id[code] = pk
        # the leaves of each root that the code table has, with their weights
        self.leaves = {r: matters.leaves_of(r, self.cat_id) for r in ROOT_WEIGHTS}
        self.leaves = {r: ls for r, ls in self.leaves.items() if ls}
        if not self.leaves:
            raise RuntimeError("no case categories: migrate first (it seeds the code tables)")
        self.orgs = {o.code: o for o in Organisation.objects.filter(code__startswith="dept-")}
        self.by_code = {o.code: o for o in Organisation.objects.filter(org_type="mediation_committee")}
        self.street_office = {o.region_code[:9]: o for o in Organisation.objects.filter(org_type="street_office")}
        self.comm_office = {o.region_code[:12]: o for o in Organisation.objects.filter(org_type="community_office")}
        self.committees = {o.region_code: o for o in self.by_code.values()}
        self.district_committee = self.by_code.get("med-district") or next(iter(self.by_code.values()), None)
        users = list(User.objects.filter(is_active=True, role__in=("window_clerk", "centre_admin", "mediator", "grid_worker",
                                                                   *HANDLING_ROLES))
                     .select_related("organisation", "region").order_by("pk"))
        named = {u.username: u for u in users}
        self.clerk = named.get("clerk") or next((u for u in users if u.role == "window_clerk"), None)
        self.clerks = [u for u in users if u.role == "window_clerk"] or [None]
        self.admin = named.get("admin") or next((u for u in users if u.role == "centre_admin"), None)
        self.mediator = named.get("mediator") or next((u for u in users if u.role == "mediator"), None)
        self.grid_workers = {u.region.code: u for u in users if u.role == "grid_worker" and u.region_id}
        self.staff_of = defaultdict(list)
        for u in users:
            if u.role in HANDLING_ROLES and u.organisation_id:
                self.staff_of[u.organisation_id].append(u)
        self.policy_cache: dict = {}
        self.policies = list(DeadlinePolicy.objects.filter(active=True).select_related("category"))
        self.token_cache: dict[str, str] = {}
        self.sessions: list[dt.datetime] = []  # the joint meeting's sessions, in order
        self.last_filed: dict = {}
        self.last_life: dict = {}

    def tokens(self, text: str) -> str:
        if text not in self.token_cache:
            self.token_cache[text] = " ".join(tokens(text))
        return self.token_cache[text]

    # --- who: the units of a matter, the people of a unit

    def unit(self, code: str, grid_code: str) -> Organisation | None:
        if code == STREET:
            return self.street_office.get(grid_code[:9])
        if code == COMMUNITY:
            return self.comm_office.get(grid_code[:12])
        return self.orgs.get(code)

    def leads(self, d: matters.Draw, grid_code: str) -> list[Organisation]:
        """The units that may lead the case, the drawn one first; a database without them (the tests'
        small district): the street office, else any department."""
        out: dict[int, Organisation] = {}
        for code in (d.lead, *d.leaf.lead_units(d.matter)):
            o = self.unit(code, grid_code)
            if o is not None:
                out.setdefault(o.pk, o)
        if not out:
            o = self.street_office.get(grid_code[:9]) or next(iter(self.street_office.values()), None) \
                or next(iter(self.orgs.values()))
            out[o.pk] = o
        return list(out.values())

    def partners(self, d: matters.Draw, grid_code: str) -> list[Organisation]:
        return [o for o in (self.unit(c, grid_code) for c in d.leaf.partners) if o is not None]

    def committee(self, d: matters.Draw, region_code: str) -> Organisation | None:
        if d.leaf.committee and d.leaf.committee in self.by_code:
            return self.by_code[d.leaf.committee]
        for code in (region_code[:12], region_code[:9] + "000"):
            if code in self.committees:
                return self.committees[code]
        return self.district_committee

    def clerk_for(self, rng: random.Random):
        return rng.choice(self.clerks)

    def staff(self, rng: random.Random, org: Organisation | None):
        people = self.staff_of.get(org.pk) if org is not None else None
        return rng.choice(people) if people else None

    def grid_worker(self, grid_code: str):
        return self.grid_workers.get(grid_code)


def _policy(ctx: _Context, case: Case):
    key = (case.case_type, case.tier, case.urgency, case.category_path)
    if key not in ctx.policy_cache:
        p = deadlines.match_policy(ctx.policies, case_type=case.case_type, tier=case.tier, urgency=case.urgency,
                                   ancestors=case.category_path.split("/"))
        ctx.policy_cache[key] = (p.sign_value, p.sign_unit, p.handle_value, p.handle_unit, p.extension_max_value) if p \
            else None
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
    sessions: set[dt.datetime] = set()
    with transaction.atomic():
        residents = _make_residents(rng, n_res, ctx)
        created_times = sorted(_working_hour(rng, start_day + dt.timedelta(days=int(rng.random() ** 0.9 * days)))
                               for _ in range(n))
        year_seq: dict[int, int] = {}
        existing = {c.year: c.last for c in CaseCounter.objects.filter(prefix=case_prefix())}
        done = 0
        for lo in range(0, n, batch):
            chunk = created_times[lo:lo + batch]
            lives = [_plan(rng, ctx, t, end, residents, year_seq, existing) for t in chunk]
            cases = Case.objects.bulk_create([life.case for life in lives], batch_size=batch)
            counts["events"] += _write(lives)
            counts["risk_assessments"] += sum(len(life.risks) for life in lives)
            sessions.update(mt.held_at for life in lives for mt in life.meetings)
            for case in cases:
                counts[case.state] += 1
            for k, v in rollups.recount(cases).items():
                sums[k].update(v)
            done += len(cases)
            if stdout and n >= 20000:
                stdout.write(f"  cases: {done}/{n}\n")
        counts["joint_meetings"] = len(sessions)  # sessions of the joint meeting (a session may take several cases)
        rollups.add_sums(sums)
        rollups.recount_in_sql()  # recurring texts depend on all the cases of a key; deadline days
        for year, last in year_seq.items():
            CaseCounter.objects.update_or_create(prefix=case_prefix(), year=year, defaults={"last": last})
    return {"cases": n, **dict(counts)}


def _write(lives: list[Life]) -> int:
    """Everything that hangs on a batch of cases (already written), with its many-to-many rows; the
    events last, once the rows they name have their ids."""
    parties, units, events, followups = [], [], [], []
    rows: dict[type, list] = defaultdict(list)
    masters = []
    for life in lives:
        case = life.case
        for res, role in life.parties:
            parties.append(CaseParty(case=case, resident=res, role=role))
        for org, recorded, part in life.units.values():
            units.append(CaseUnit(case=case, unit=org, part=part, recorded_at=recorded))
        for ev in life.events:
            ev.case = case
        events += life.events + life.others
        for obj in (*life.meetings, *life.risks, *life.sessions, *([life.agreement] if life.agreement else [])):
            obj.case = case
            rows[type(obj)].append(obj)
        if getattr(case, "master_ref", None) is not None:
            masters.append(case)
    CaseParty.objects.bulk_create(parties, batch_size=5000)
    CaseUnit.objects.bulk_create(units, batch_size=5000)
    for model in (JointMeeting, RiskAssessment, MediationSession, MediationAgreement):
        model.objects.bulk_create(rows[model], batch_size=5000)
    for life in lives:
        for f in life.followups:
            f.agreement = life.agreement
            followups.append(f)
    AgreementFollowUp.objects.bulk_create(followups, batch_size=5000)
    m2m = [(JointMeeting.units.through, "jointmeeting", "organisation", [(m, o) for m in rows[JointMeeting] for o in m._units]),
           (JointMeeting.cooperating.through, "jointmeeting", "organisation",
            [(m, o) for m in rows[JointMeeting] for o in m._coop]),
           (MediationSession.mediators.through, "mediationsession", "user",
            [(s, u) for s in rows[MediationSession] for u in s._mediators]),
           (MediationAgreement.mediators.through, "mediationagreement", "user",
            [(a, u) for a in rows[MediationAgreement] for u in a._mediators])]
    for through, left, right, pairs in m2m:
        through.objects.bulk_create([through(**{f"{left}_id": a.pk, f"{right}_id": b.pk}) for a, b in pairs],
                                    batch_size=5000)
    for life in lives:
        for ev, key, obj in life.refs:
            ev.data[key] = obj.pk
    for case in masters:
        Case.objects.filter(pk=case.pk).update(master=case.master_ref.pk)
    CaseEvent.objects.bulk_create(events, batch_size=5000)
    return len(events)


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


def _plan(rng, ctx: _Context, created: dt.datetime, end: dt.datetime, residents, year_seq, existing) -> Life:
    code, grid_id = rng.choice(ctx.grid_ids)
    street = code[:9]
    root = pick(rng, [(r, w) for r, w in ctx.street_mix[street].items() if r in ctx.leaves])
    leaf = pick(rng, ctx.leaves[root])
    d = matters.draw(rng, leaf)
    cat_id = ctx.cat_id[leaf]
    case_type, channel, tier, urgency = d.case_type, d.channel, d.tier, d.urgency
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
    subject, desc = d.matter.title, d.description
    case = Case(number=number, channel=channel, case_type=case_type, category_id=cat_id, category_path=ctx.path[cat_id],
                title=subject, description=desc, request="请尽快协调解决", address=address,
                lon=lon, lat=lat, grid_id=grid_id, region_code=code, urgency=urgency, tier=tier,
                state="registered", confidential=case_type == "report" and rng.random() < 0.5, reporter=reporter,
                reporter_phone_index=reporter.phone_index, registered_by=ctx.clerk if channel == "window" else None,
                created_at=created, is_repeat=is_repeat, search_text=ctx.tokens(f"{subject} {desc}"))
    case.request = d.request
    keys.derive(case)
    life = Life(case, end, _policy(ctx, case), "窗口工作人员" if channel == "window" else "系统")
    life.parties = [(reporter, "applicant" if case_type == "dispute" else "reporter")]
    if case_type == "dispute":
        other = rng.choice(residents)
        if other.pk != reporter.pk:
            life.parties.append((other, "respondent"))
            life.has_both_parties = True
    story.live(rng, ctx, life, d, code, ctx.last_life.get(key) if is_repeat else None)
    life.finish()
    ctx.last_life[key] = life
    return life
