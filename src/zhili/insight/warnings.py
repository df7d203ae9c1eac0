"""Early warning (预警提醒): rules as data, a sweep that raises warnings, and the services and selector
for the people who receive them.

``sweep(now)`` evaluates every enabled :class:`~zhili.insight.models.WarningRule` with set-based
queries and raises a :class:`~zhili.insight.models.Warning` for each condition found, unless

* the rule already has an *open* warning (new or acknowledged) with the same key — the key names
  the condition: ``case:KW2026-000123:handle``, ``resident:<phone index>``,
  ``grid:<code>:<category>:<ISO week>`` … (a partial unique index guards it too); or
* a closed warning of the same key rests on the same evidence (the same deadline, the same latest
  case): handling a warning does not make it come back a minute later.

So a sweep is idempotent: run twice, the second run raises nothing.

It is fast on a big table because each rule looks only at what changed since it last ran (its
``cursor``): the deadline rules follow a cursor over the deadline in index order (Case's
(state, due_at) and sign_due_at indexes), so a deadline is looked at when it crosses the edge,
and they look again at the cases whose timeline moved (new CaseEvent ids: a case reworked after
its deadline, a new emergency); the resident, cluster and word rules look at the cases registered
since (new Case ids) and count inside their window by index (reporter_phone_index,
(region_code, created_at)); the spike and unit rules read the rollup tables (the spike at most
hourly). A rule's first run looks back ``first_run_hours`` (or ``lookback_days``), not at all
history. Each rule raises at most ``max_new`` (default 200) warnings per run, the oldest condition
first; the rest follow a minute later.

Nothing is resolved automatically, except that a deadline warning whose case has since closed is
marked handled by the system (``handled_by`` empty).
"""

from __future__ import annotations

import datetime as dt
import logging
import math
from collections import Counter, defaultdict
from dataclasses import dataclass, field

from django.db import IntegrityError, connection, transaction
from django.db.models import Exists, Max, OuterRef, Q, QuerySet, Sum, Value
from django.db.models.functions import Concat, Substr
from django.utils import timezone

from zhili.core import audit
from zhili.core.calendar import SHANGHAI
from zhili.core.errors import Forbidden, Invalid, NotFound
from zhili.core.models import PREFIX_LENGTH

from . import figures as fig
from .models import OPEN_WARNING_STATES, DailyStreetRollup, DailyUnitRollup, Warning, WarningRule

log = logging.getLogger("zhili.warnings")

OPEN = OPEN_WARNING_STATES
#: the most warnings one rule raises in one sweep (params "max_new" overrides)
MAX_NEW = 200
#: incremental rules look again at this many ids below their watermark (a case committed late)
ID_MARGIN = 20
#: case ids a first run of major_without_meeting works through per sweep
BACKFILL = 50_000
SYSTEM_NOTE = "案件已结案，系统自动关闭 (closed by the system: the case is closed)"
#: linked cases per aggregate warning
MAX_LINKED = 50
LEVEL_ZH = {"yellow": "黄色", "orange": "橙色", "red": "红色"}
DEADLINE_KINDS = ("deadline_soon", "overdue")

#: every kind's parameters with their defaults (what the admin form documents)
PARAMS: dict[str, dict] = {
    "deadline_soon": {"deadline": "handle", "hours_before": 24},
    "overdue": {"deadline": "handle", "lookback_days": 0},
    "repeat_filer": {"count": 3, "days": 30, "first_run_hours": 1},
    "cluster": {"count": 5, "days": 7, "scope": "grid", "level": "root", "first_run_hours": 1},
    "spike": {"window_days": 28, "method": "ewma", "z": 3.0, "alpha": 0.3, "p": 0.001, "min_count": 5, "every_minutes": 60},
    "sensitive_words": {"words": ["集体上访", "讨薪", "跳楼", "自焚", "堵路", "拉横幅", "极端"], "window_hours": 24},
    "major_without_meeting": {"days": 3},
    "unit_on_time_falling": {"drop_points": 10, "weeks": 4, "min_completed": 10},
}

#: the rules every installation starts with (migration 0003 seeds the same; edit them in the admin)
DEFAULT_RULES = [
    dict(code="sign-soon", name="签收即将超时", kind="deadline_soon", level="yellow",
         params={"deadline": "sign", "hours_before": 2}, recipients=["dept_handler", "dept_head"]),
    dict(code="handle-soon", name="办理即将超期", kind="deadline_soon", level="yellow",
         params={"deadline": "handle", "hours_before": 24}, recipients=["dept_handler", "dept_head"]),
    dict(code="sign-overdue", name="签收超时", kind="overdue", level="orange",
         params={"deadline": "sign", "lookback_days": 30}, recipients=["dept_handler", "dept_head", "centre_admin"]),
    dict(code="handle-overdue", name="办理超期", kind="overdue", level="red",
         params={"deadline": "handle"}, recipients=["dept_head", "centre_admin"]),
    dict(code="repeat-filer", name="同一人反复来访", kind="repeat_filer", level="orange",
         params={"count": 3, "days": 30}, recipients=["centre_admin", "street_staff"]),
    dict(code="cluster-grid", name="网格内同类诉求聚集", kind="cluster", level="orange",
         params={"count": 5, "days": 7, "scope": "grid", "level": "root"},
         recipients=["centre_admin", "street_staff", "community_staff", "grid_leader"]),
    dict(code="cluster-community", name="社区内同类诉求聚集", kind="cluster", level="orange",
         params={"count": 10, "days": 7, "scope": "community", "level": "leaf"},
         recipients=["centre_admin", "street_staff", "community_staff"]),
    dict(code="category-spike", name="类别诉求异常增长", kind="spike", level="orange",
         params={"window_days": 28, "method": "ewma", "z": 3.0, "alpha": 0.3, "min_count": 5, "every_minutes": 60},
         recipients=["centre_admin", "leader", "street_staff"]),
    dict(code="sensitive-words", name="敏感词预警", kind="sensitive_words", level="red",
         params={"words": ["集体上访", "讨薪", "跳楼", "自焚", "堵路", "拉横幅", "极端"], "window_hours": 24},
         recipients=["centre_admin", "leader", "street_staff"]),
    dict(code="major-no-meeting", name="重大纠纷未召开联席会议", kind="major_without_meeting", level="red",
         params={"days": 3}, recipients=["centre_admin", "leader"]),
    dict(code="unit-on-time-falling", name="单位按期办结率下滑", kind="unit_on_time_falling", level="orange",
         params={"drop_points": 10, "weeks": 4, "min_completed": 10}, recipients=["centre_admin", "dept_head", "leader"]),
]


def seed_rules() -> int:
    """Create the default rules that are missing (by code); edited rules stay as they are."""
    have = set(WarningRule.objects.values_list("code", flat=True))
    new = [WarningRule(**r, source="默认规则 (zhili.insight.warnings.DEFAULT_RULES)") for r in DEFAULT_RULES
           if r["code"] not in have]
    WarningRule.objects.bulk_create(new)
    return len(new)


def params(rule: WarningRule) -> dict:
    return {**PARAMS.get(rule.kind, {}), **(rule.params or {})}


# ---------------------------------------------------------------- candidates

@dataclass
class Candidate:
    key: str
    title: str
    reason: str
    region_code: str
    evidence: str = ""
    unit_id: int | None = None
    case_ids: list[int] = field(default_factory=list)
    subject_case_id: int | None = None
    subject_at: dt.datetime | None = None
    data: dict = field(default_factory=dict)


def _local(t: dt.datetime) -> str:
    return t.astimezone(SHANGHAI).strftime("%Y-%m-%d %H:%M")


def _span(delta: dt.timedelta) -> str:
    secs = max(int(delta.total_seconds()), 0)
    days, rem = divmod(secs, 86400)
    hours, rem = divmod(rem, 3600)
    if days:
        return f"{days}天{hours}小时"
    if hours:
        return f"{hours}小时{rem // 60}分"
    return f"{rem // 60}分钟"


def _iso_week(d: dt.date) -> str:
    y, w, _ = d.isocalendar()
    return f"{y}-W{w:02d}"


def _case_model():
    from zhili.cases.models import Case

    return Case


# ---------------------------------------------------------------- what changed since the rule last looked

def _new_cases(rule: WarningRule, ctx: _Context, first_run_hours: float) -> QuerySet:
    """Cases registered since the rule last looked (by id: bulk-loaded and back-dated cases count);
    on a rule's first run, the cases registered in the last ``first_run_hours``."""
    Case = _case_model()
    wm = rule.cursor.get("case")
    if wm is None:
        return Case.objects.filter(created_at__gte=ctx.now - dt.timedelta(hours=float(first_run_hours)))
    return Case.objects.filter(pk__gt=max(int(wm) - ID_MARGIN, 0), pk__lte=ctx.max_case_id)


def _event_cases(rule: WarningRule, ctx: _Context) -> list[int]:
    """Cases with a timeline event since the rule last looked (dispatched, signed, reworked, resumed,
    closed…): what may have entered or left a rule's condition other than by the clock."""
    from zhili.cases.models import CaseEvent

    wm = rule.cursor.get("event")
    if wm is None:
        return []
    return sorted(set(CaseEvent.objects.filter(pk__gt=max(int(wm) - ID_MARGIN, 0), pk__lte=ctx.max_event_id)
                      .values_list("case_id", flat=True)))


def _chunks(items: list, n: int = 500):
    for i in range(0, len(items), n):
        yield items[i:i + n]


# ---------------------------------------------------------------- deadlines

def _deadline(rule: WarningRule, now: dt.datetime, ctx: _Context, soon: bool) -> list[Candidate]:
    """Deadlines crossing the rule's edge since it last looked (``now`` for overdue, ``now + hours``
    for deadline_soon), in deadline order from a cursor over the (state, due_at) or sign_due_at
    index; plus the cases whose timeline moved since (a case reworked or resumed after its
    deadline, a new emergency dispatched with two hours to go)."""
    from zhili.cases.workflow import CLOCK_STATES, CLOSED_STATES

    Case = _case_model()
    p = params(rule)
    cap = ctx.cap(rule)
    sign = p.get("deadline") == "sign"
    fld = "sign_due_at" if sign else "due_at"
    which = "sign" if sign else "handle"
    states = ("dispatched",) if sign else tuple(sorted(CLOCK_STATES))
    hi = now + dt.timedelta(hours=float(p["hours_before"])) if soon else now
    floor = now if soon else None
    cur = rule.cursor
    if "at" in cur:
        lo_at, lo_id = dt.datetime.fromisoformat(cur["at"]), int(cur.get("id", -1))
    else:
        lookback = float(p.get("lookback_days") or 0)
        lo_at, lo_id = (now - dt.timedelta(days=lookback), -1) if lookback else (None, -1)
    if floor is not None and (lo_at is None or lo_at < floor):
        lo_at, lo_id = floor, -1

    # 1. the deadlines that crossed the edge, oldest first (index order, no sort of the backlog)
    found: list[tuple[dt.datetime, int]] = []
    more = False
    for st in states:
        qs = Case.objects.all()
        if sign:  # keep SQLite from the state index: the sign_due_at range is the narrow one
            qs = qs.annotate(state_=Concat("state", Value(""))).filter(state_=st)
        else:
            qs = qs.filter(state=st)
        qs = qs.filter(**{f"{fld}__lt": hi})
        if lo_at is not None:  # the plain lower bound makes it an index range; the OR breaks ties by id
            qs = qs.filter(**{f"{fld}__gte": lo_at}).filter(Q(**{f"{fld}__gt": lo_at}) | Q(pk__gt=lo_id))
        rows = list(qs.order_by(fld, "pk").values_list(fld, "pk")[:cap])
        more = more or len(rows) == cap
        found += rows
    found.sort()
    if more:
        found = found[:cap]
        cur["at"], cur["id"] = found[-1][0].isoformat(), found[-1][1]
    else:
        cur["at"], cur["id"] = hi.isoformat(), -1
    ids = [pk for _, pk in found]

    # 2. cases whose timeline moved: in the condition now, or closed (their warnings close)
    touched = _event_cases(rule, ctx)
    for chunk in _chunks(touched):
        moved = Case.objects.filter(pk__in=chunk, state__in=states, **{f"{fld}__lt": hi})
        if floor is not None:
            moved = moved.filter(**{f"{fld}__gte": floor})
        ids += list(moved.values_list("pk", flat=True))
        done = list(Case.objects.filter(pk__in=chunk, state__in=sorted(CLOSED_STATES)).values_list("pk", flat=True))
        if done:
            ctx.closed += Warning.objects.filter(rule=rule, state__in=OPEN, subject_case_id__in=done).update(
                state="handled", handled_at=now, updated_at=now, note=SYSTEM_NOTE)

    word = "签收" if which == "sign" else "办理"
    out = []
    for chunk in _chunks(list(dict.fromkeys(ids))):
        for pk, number, title, region, unit, unit_name, due in Case.objects.filter(pk__in=chunk).order_by(fld).values_list(
                "pk", "number", "title", "region_code", "lead_unit_id", "lead_unit__name", fld):
            if due is None:
                continue
            if soon:
                head = f"{number} {word}即将超时" if which == "sign" else f"{number} 即将超期"
                reason = (f"距{word}时限还有{_span(due - now)}（时限 {_local(due)}，提前{p['hours_before']}小时提醒）"
                          f"；责任单位：{unit_name or '未指定'}")
            else:
                head = f"{number} {word}超时" if which == "sign" else f"{number} 已超期"
                reason = f"已超过{word}时限{_span(now - due)}（时限 {_local(due)}）；责任单位：{unit_name or '未指定'}"
            out.append(Candidate(
                key=f"case:{number}:{which}", evidence=due.isoformat(), title=f"{head}：{title[:60]}", reason=reason,
                region_code=region, unit_id=unit, case_ids=[pk], subject_case_id=pk, subject_at=due,
                data={"deadline": due.isoformat(), "which": which, "hours": round((due - now).total_seconds() / 3600, 2)}))
    return out


def rule_deadline_soon(rule, now, ctx):
    """A signing or handling deadline within ``hours_before`` hours (clock running, not yet past)."""
    return _deadline(rule, now, ctx, soon=True)


def rule_overdue(rule, now, ctx):
    """A signing deadline passed while the case waits to be signed, or a handling deadline passed
    while the clock runs (dispatched, handling, returned). ``lookback_days`` (0: all) bounds how far
    back a rule's first run looks."""
    return _deadline(rule, now, ctx, soon=False)


def rule_repeat_filer(rule, now, ctx):
    """The same resident (phone blind index) registered ``count`` or more requests within ``days``
    days — looked at when the resident files again (the residents of the new cases)."""
    Case = _case_model()
    p = params(rule)
    n, days = int(p["count"]), int(p["days"])
    since = now - dt.timedelta(days=days)
    phones = sorted(set(_new_cases(rule, ctx, p["first_run_hours"]).exclude(reporter_phone_index="")
                        .values_list("reporter_phone_index", flat=True)))
    if not phones:
        return []
    by_idx: dict[str, list] = defaultdict(list)
    for chunk in _chunks(phones):
        # the window is checked on the rows, so that SQLite reads by the phone index, not by date
        for row in (Case.objects.filter(reporter_phone_index__in=chunk).order_by("created_at", "pk")
                    .values_list("reporter_phone_index", "pk", "number", "region_code", "title", "created_at")):
            if since <= row[5] <= now:
                by_idx[row[0]].append(row[1:5])
    out = []
    for idx, rows in by_idx.items():
        if len(rows) < n:
            continue
        numbers = "、".join(r[1] for r in rows[-5:])
        out.append(Candidate(
            key=f"resident:{idx}", evidence=str(max(r[0] for r in rows)),
            title=f"同一反映人近{days}天登记诉求{len(rows)}次",
            reason=(f"近{days}天同一反映人登记诉求{len(rows)}次（阈值{n}次）：{numbers}{'等' if len(rows) > 5 else ''}"
                    f"；最近一次：{rows[-1][3][:40]}"),
            region_code=rows[-1][2], case_ids=[r[0] for r in rows][-MAX_LINKED:],
            data={"count": len(rows), "threshold": n, "days": days}))
    return out


def _region_names(codes) -> dict[str, str]:
    from zhili.core.models import Region

    return dict(Region.objects.filter(prefix__in=list(codes)).values_list("prefix", "name"))


def rule_cluster(rule, now, ctx):
    """``count`` or more cases of one category (its top-level category, or the category itself) in
    one grid or community within ``days`` days — looked at where and in what a new case arrives."""
    Case = _case_model()
    p = params(rule)
    n, days, scope, level = int(p["count"]), int(p["days"]), p.get("scope", "grid"), p.get("level", "root")
    length = 15 if scope == "grid" else 12
    since = now - dt.timedelta(days=days)
    cats = ctx.categories()

    def catkey(cid: int) -> int:
        return fig.category_root(cats, cid) if level == "root" else cid

    touched = {(code[:length], catkey(cid)) for code, cid in
               _new_cases(rule, ctx, p["first_run_hours"]).exclude(state__in=("merged", "rejected"))
               .values_list("region_code", "category_id") if len(code) >= length}
    if not touched:
        return []
    acc: Counter = Counter()
    linked: dict[tuple[str, int], list[int]] = defaultdict(list)
    codes = sorted({r for r, _ in touched})
    if scope != "grid":  # a community's cases carry its grids' codes (or its own, when no grid is known)
        from zhili.core.models import Region

        grids = Region.objects.filter(level="grid", parent__code__in=codes).values_list("code", flat=True)
        codes = sorted(set(codes) | set(grids))
    for chunk in _chunks(codes, 200):
        # equality on region_code and a range on created_at: the (region_code, created_at) index
        for pk, code, cid in (Case.objects.filter(region_code__in=chunk, created_at__gte=since, created_at__lte=now)
                              .exclude(state__in=("merged", "rejected")).order_by()
                              .values_list("pk", "region_code", "category_id")):
            k = (code[:length], catkey(cid))
            if k in touched:
                acc[k] += 1
                if len(linked[k]) < MAX_LINKED:
                    linked[k].append(pk)
    hits = [(k, c) for k, c in acc.items() if c >= n]
    if not hits:
        return []
    names = _region_names({rk for (rk, _), _ in hits})
    week = _iso_week(now.astimezone(SHANGHAI).date())
    unit_word = "网格" if scope == "grid" else "社区"
    out = []
    for (rk, ck), c in sorted(hits, key=lambda h: -h[1]):
        where_name = names.get(rk, rk)
        out.append(Candidate(
            key=f"{scope}:{rk}:{cats[ck][0]}:{week}",
            title=f"{where_name} 近{days}天“{cats[ck][1]}”类诉求{c}件",
            reason=f"近{days}天{unit_word}“{where_name}”登记“{cats[ck][1]}”类诉求{c}件（阈值{n}件）",
            region_code=rk, case_ids=linked[(rk, ck)],
            data={"count": c, "threshold": n, "days": days, "category": cats[ck][0]}))
    return out


def poisson_tail(k: int, lam: float) -> float:
    """P(X ≥ k) for X ~ Poisson(lam)."""
    if k <= 0:
        return 1.0
    if lam <= 0:
        return 0.0
    term = math.exp(-lam)
    below = term
    for i in range(1, k):
        term *= lam / i
        below += term
    return max(0.0, 1.0 - below)


def ewma(series: list[float], alpha: float) -> tuple[float, float]:
    """Exponentially weighted mean and variance of a series, oldest first."""
    mean, var = float(series[0]), 0.0
    for x in series[1:]:
        d = x - mean
        mean += alpha * d
        var = (1 - alpha) * (var + alpha * d * d)
    return mean, var


def spike_score(observed: int, baseline: list[int], p: dict) -> dict:
    """How unusual this week's count is against the weekly counts before (oldest first).

    ``ewma``: z = (observed − EWMA mean) / sd, sd = √max(EWMA variance, mean, 1) — a count varies at
    least as a Poisson count does; fires at z ≥ ``z``. ``poisson``: the tail probability
    P(X ≥ observed) with the plain mean as λ; fires at p ≤ ``p``. Both need ``min_count``."""
    method = p.get("method", "ewma")
    if method == "poisson":
        lam = sum(baseline) / len(baseline)
        prob = poisson_tail(observed, lam)
        z = (observed - lam) / math.sqrt(max(lam, 1.0))
        fires = prob <= float(p.get("p", 0.001))
        return {"method": "poisson", "mean": lam, "p": prob, "z": z, "fires": fires and observed >= int(p["min_count"])}
    mean, var = ewma([float(x) for x in baseline], float(p.get("alpha", 0.3)))
    sd = math.sqrt(max(var, mean, 1.0))
    z = (observed - mean) / sd
    return {"method": "ewma", "mean": mean, "sd": sd, "z": z,
            "fires": z >= float(p["z"]) and observed >= int(p["min_count"])}


def rule_spike(rule, now, ctx):
    """Per street × top-level category: the last 7 days against the weekly counts of the
    ``window_days`` before (from DailyStreetRollup.received), by EWMA z-score or Poisson tail."""
    p = params(rule)
    weeks = max(int(p["window_days"]) // 7, 1)
    today = now.astimezone(SHANGHAI).date()
    first = today - dt.timedelta(days=7 * (weeks + 1) - 1)
    # not enough history yet: the oldest baseline week has no rows at all
    if not DailyStreetRollup.objects.filter(day__gte=first, day__lt=first + dt.timedelta(days=7)).exists():
        return []
    cats = ctx.categories()
    weekly = {f"w{w}": Sum("received", filter=Q(day__gte=today - dt.timedelta(days=7 * w + 6),
                                                day__lte=today - dt.timedelta(days=7 * w)))
              for w in range(weeks + 1)}
    counts: dict[tuple[str, int], list[int]] = defaultdict(lambda: [0] * (weeks + 1))
    for row in (DailyStreetRollup.objects.filter(day__gte=first, day__lte=today).values("street_code", "category_id")
                .annotate(**weekly).order_by()):
        series = counts[(row["street_code"], fig.category_root(cats, row["category_id"]))]
        for w in range(weeks + 1):
            series[w] += row[f"w{w}"] or 0
    hits = []
    for (street, root), series in counts.items():
        observed = series[0]
        if observed < int(p["min_count"]):
            continue
        score = spike_score(observed, list(reversed(series[1:])), p)
        if score["fires"]:
            hits.append((street, root, observed, list(reversed(series[1:])), score))
    if not hits:
        return []
    Case = _case_model()
    names = _region_names({h[0] for h in hits})
    week = _iso_week(today)
    start = dt.datetime.combine(today - dt.timedelta(days=6), dt.time(), SHANGHAI)
    out = []
    for street, root, observed, baseline, s in hits:
        code, label = cats[root][0], cats[root][1]
        linked = list(Case.objects.filter(region_code__startswith=street, created_at__gte=start, created_at__lte=now,
                                          category_id__in=fig.category_ids(code, cats))
                      .exclude(state__in=("merged", "rejected")).order_by("-created_at").values_list("pk", flat=True)[:MAX_LINKED])
        where = names.get(street, street)
        if s["method"] == "poisson":
            reason = (f"本周观测 {observed} 件，基线均值 {s['mean']:.1f} 件/周（泊松），出现概率 p={s['p']:.4f}"
                      f"（阈值 {float(p.get('p', 0.001))}）；前{weeks}周：{'、'.join(map(str, baseline))}")
        else:
            reason = (f"本周观测 {observed} 件，基线均值 {s['mean']:.1f} 件/周（EWMA），超出 {s['z']:.1f} 个标准差"
                      f"（阈值 {float(p['z'])}）；前{weeks}周：{'、'.join(map(str, baseline))}")
        out.append(Candidate(
            key=f"spike:{street}:{code}:{week}", title=f"{where}“{label}”类诉求异常增长", reason=reason,
            region_code=street, case_ids=linked,
            data={"observed": observed, "baseline": baseline, "mean": round(s["mean"], 3), "z": round(s["z"], 3),
                  "p": s.get("p"), "method": s["method"], "category": code}))
    return out


def rule_sensitive_words(rule, now, ctx):
    """Title or description of a case registered since the last sweep (within ``window_hours``)
    contains one of ``words`` (plain substring)."""
    p = params(rule)
    words = [w.strip() for w in p.get("words", []) if w and w.strip()]
    if not words:
        return []
    since = now - dt.timedelta(hours=float(p["window_hours"]))
    qs = _new_cases(rule, ctx, p["window_hours"]).filter(created_at__gte=since)
    match = Q()
    for w in words:
        match |= Q(title__contains=w) | Q(description__contains=w)
    out = []
    for pk, number, title, desc, region in qs.filter(match).values_list("pk", "number", "title", "description",
                                                                         "region_code")[:ctx.cap(rule)]:
        found = [w for w in words if w in title or w in desc]
        if not found:
            continue
        out.append(Candidate(
            key=f"case:{number}", title=f"{number} 含敏感词：{'、'.join(found)}",
            reason=f"诉求内容含敏感词{''.join(f'“{w}”' for w in found)}，有激化升级风险：{title[:60]}",
            region_code=region, case_ids=[pk], subject_case_id=pk, data={"words": found}))
    return out


def rule_major_without_meeting(rule, now, ctx):
    """A major case (重大纠纷), open, accepted ``days`` days ago or more, without a joint meeting.

    Case has no index on its tier, so the rule keeps a watch list (in its cursor) of the open major
    cases without a meeting: new cases and cases whose timeline moved are looked at each run, and a
    first run works through the existing cases by id, ``BACKFILL`` ids per run."""
    from zhili.cases.models import JointMeeting
    from zhili.cases.workflow import OPEN_STATES

    Case = _case_model()
    days = int(params(rule)["days"])
    cur = rule.cursor
    watch: dict[str, str] = dict(cur.get("watch", {}))
    if "case" not in cur:
        cur["backfill"], cur["backfill_end"] = 0, ctx.max_case_id
    touched = set(_event_cases(rule, ctx))
    if "case" in cur:
        touched |= set(_new_cases(rule, ctx, 0).values_list("pk", flat=True))
    scopes = [Q(pk__in=chunk) for chunk in _chunks(sorted(touched))]
    b, end = int(cur.get("backfill", 0)), int(cur.get("backfill_end", 0))
    if b < end:
        scopes.append(Q(pk__gt=b, pk__lte=min(b + BACKFILL, end)))
        cur["backfill"] = min(b + BACKFILL, end)
    open_major = (Case.objects.filter(tier="major", state__in=sorted(OPEN_STATES), accepted_at__isnull=False)
                  .filter(~Exists(JointMeeting.objects.filter(case=OuterRef("pk")))))
    for pk in touched:
        watch.pop(str(pk), None)  # back below if it still qualifies
    for where in scopes:
        for pk, accepted in open_major.filter(where).values_list("pk", "accepted_at"):
            watch[str(pk)] = accepted.isoformat()
    limit = now - dt.timedelta(days=days)
    due = [int(pk) for pk, acc in watch.items() if dt.datetime.fromisoformat(acc) <= limit]
    out = []
    for chunk in _chunks(due):
        for pk, number, title, region, unit, accepted in open_major.filter(pk__in=chunk).order_by("accepted_at").values_list(
                "pk", "number", "title", "region_code", "lead_unit_id", "accepted_at"):
            out.append(Candidate(
                key=f"case:{number}", evidence=accepted.isoformat(), title=f"{number} 重大纠纷未召开联席会议：{title[:60]}",
                reason=f"重大纠纷受理已{_span(now - accepted)}（{_local(accepted)} 受理），尚未召开联席会议（要求{days}天内）",
                region_code=region, unit_id=unit, case_ids=[pk], subject_case_id=pk, subject_at=accepted,
                data={"days": days, "accepted_at": accepted.isoformat()}))
        for pk in chunk:
            watch.pop(str(pk), None)
    cur["watch"] = watch
    return out


def rule_unit_on_time_falling(rule, now, ctx):
    """A lead unit's on-time rate (figures.on_time_rate) of the last ``weeks`` weeks against the
    ``weeks`` before, from DailyUnitRollup (its streets added up per district): falls by
    ``drop_points`` points or more, with at least ``min_completed`` completed cases in each window.
    (Rollups are keyed by registration day: the windows hold the cases registered in them.)"""
    from zhili.core.models import Organisation

    p = params(rule)
    weeks, drop, minimum = int(p["weeks"]), float(p["drop_points"]), int(p["min_completed"])
    today = now.astimezone(SHANGHAI).date()
    recent = today - dt.timedelta(days=7 * weeks - 1)
    before = recent - dt.timedelta(days=7 * weeks)
    rows = (DailyUnitRollup.objects.filter(day__gte=before, day__lte=today)
            .annotate(district_code=Substr("street_code", 1, 6)).values("unit_id", "district_code")
            .annotate(c1=Sum("completed", filter=Q(day__gte=recent)), t1=Sum("completed_on_time", filter=Q(day__gte=recent)),
                      c0=Sum("completed", filter=Q(day__lt=recent)), t0=Sum("completed_on_time", filter=Q(day__lt=recent)))
            .order_by())
    hits = []
    for r in rows:
        now_rate = fig.on_time_rate({"completed": r["c1"] or 0, "completed_on_time": r["t1"] or 0})
        old_rate = fig.on_time_rate({"completed": r["c0"] or 0, "completed_on_time": r["t0"] or 0})
        if now_rate.denominator < minimum or old_rate.denominator < minimum:
            continue
        points = old_rate.percent - now_rate.percent
        if points >= drop:
            hits.append((r, now_rate, old_rate, points))
    if not hits:
        return []
    names = dict(Organisation.objects.filter(pk__in=[h[0]["unit_id"] for h in hits]).values_list("pk", "name"))
    week = _iso_week(today)
    out = []
    for r, now_rate, old_rate, points in hits:
        name = names.get(r["unit_id"], str(r["unit_id"]))
        out.append(Candidate(
            key=f"unit:{r['unit_id']}:{r['district_code']}:{week}", title=f"{name}按期办结率下滑 {points} 个百分点",
            reason=(f"近{weeks}周按期办结率 {now_rate}（{now_rate.numerator}/{now_rate.denominator}），"
                    f"前{weeks}周 {old_rate}（{old_rate.numerator}/{old_rate.denominator}），"
                    f"下降 {points} 个百分点（阈值 {drop:g} 个百分点）"),
            region_code=r["district_code"], unit_id=r["unit_id"],
            data={"recent": str(now_rate), "before": str(old_rate), "drop_points": float(points), "threshold": drop}))
    return out


KINDS = {
    "deadline_soon": rule_deadline_soon,
    "overdue": rule_overdue,
    "repeat_filer": rule_repeat_filer,
    "cluster": rule_cluster,
    "spike": rule_spike,
    "sensitive_words": rule_sensitive_words,
    "major_without_meeting": rule_major_without_meeting,
    "unit_on_time_falling": rule_unit_on_time_falling,
}


# ---------------------------------------------------------------- raising and notifying

class _Context:
    """What one sweep reads once: the highest case id, the categories, the recipients."""

    def __init__(self, now: dt.datetime, rules: list[WarningRule]):
        from zhili.cases.models import CaseEvent

        self.now = now
        self.max_case_id = _case_model().objects.aggregate(m=Max("id"))["m"] or 0
        self.max_event_id = CaseEvent.objects.aggregate(m=Max("id"))["m"] or 0
        self.closed = 0
        self._cats: dict | None = None
        self._users: tuple[dict, dict] | None = None
        self.roles = {r for rule in rules for r in (rule.recipients or [])}

    def cap(self, rule: WarningRule) -> int:
        return int(params(rule).get("max_new", MAX_NEW))

    def categories(self) -> dict:
        if self._cats is None:
            self._cats = fig.categories()
        return self._cats

    def _load_users(self) -> tuple[dict, dict]:
        from zhili.cases.selectors import UNIT_ROLES
        from zhili.core.models import User

        by_prefix: dict[tuple[str, str], list[int]] = defaultdict(list)
        by_unit: dict[tuple[str, int], list[int]] = defaultdict(list)
        for pk, role, prefix, org in User.objects.filter(is_active=True, role__in=self.roles).values_list(
                "pk", "role", "region__prefix", "organisation_id"):
            if role in UNIT_ROLES:
                if org:
                    by_unit[(role, org)].append(pk)
            else:
                by_prefix[(role, prefix)].append(pk)
        return by_prefix, by_unit

    def recipients(self, rule: WarningRule, region_code: str, unit_id: int | None) -> list[int]:
        """Users of the rule's roles whose scope holds the warning: a unit's staff for its own unit's
        warnings, a region's staff for warnings inside their region."""
        from zhili.cases.selectors import UNIT_ROLES

        if self._users is None:
            self._users = self._load_users()
        by_prefix, by_unit = self._users
        out: list[int] = []
        for role in rule.recipients or []:
            if role in UNIT_ROLES:
                if unit_id:
                    out += by_unit.get((role, unit_id), [])
                continue
            for n in sorted(set(PREFIX_LENGTH.values())):
                if len(region_code) >= n:
                    out += by_prefix.get((role, region_code[:n]), [])
        return list(dict.fromkeys(out))


def _raise(rule: WarningRule, cands: list[Candidate], now: dt.datetime, ctx: _Context) -> list[Warning]:
    """Create the warnings of the candidates that have no open warning and no closed one on the same
    evidence; link their cases; put them in the recipients' inboxes. Bulk writes only."""
    from zhili.cases.models import Notification

    if not cands:
        return []
    keys = list(dict.fromkeys(c.key for c in cands))
    existing: dict[str, list[tuple[str, str]]] = defaultdict(list)
    for i in range(0, len(keys), 500):
        for key, state, evidence in Warning.objects.filter(rule=rule, key__in=keys[i:i + 500]).values_list(
                "key", "state", "evidence"):
            existing[key].append((state, evidence))
    fresh, seen = [], set()
    for c in cands:
        if c.key in seen or any(s in OPEN or e == c.evidence for s, e in existing.get(c.key, ())):
            continue
        seen.add(c.key)
        fresh.append(c)
    fresh = fresh[:ctx.cap(rule)]
    if not fresh:
        return []
    made = Warning.objects.bulk_create([
        Warning(rule=rule, level=rule.level, key=c.key[:120], evidence=c.evidence[:64], title=c.title[:200], reason=c.reason,
                data=c.data, region_code=c.region_code[:15], unit_id=c.unit_id, subject_case_id=c.subject_case_id,
                subject_at=c.subject_at, created_at=now)
        for c in fresh])
    if any(w.pk is None for w in made):  # a backend that does not return ids
        by_key = dict(Warning.objects.filter(rule=rule, state="new", key__in=[c.key for c in fresh]).values_list("key", "pk"))
        for w in made:
            w.pk = w.id = by_key[w.key]
    Through = Warning.cases.through
    Through.objects.bulk_create([Through(warning_id=w.pk, case_id=cid) for w, c in zip(made, fresh, strict=True)
                                 for cid in dict.fromkeys(c.case_ids)], batch_size=2000)
    level = LEVEL_ZH.get(rule.level, "")
    Notification.objects.bulk_create([
        Notification(user_id=uid, kind="warning", case_id=(c.case_ids[0] if c.case_ids else None),
                     text=f"【{level}预警】{c.title}：{c.reason}"[:300], created_at=now)
        for w, c in zip(made, fresh, strict=True) for uid in ctx.recipients(rule, c.region_code, c.unit_id)],
        batch_size=2000)
    return made


def _due(rule: WarningRule, now: dt.datetime) -> bool:
    """A rule with ``every_minutes`` (the slow statistics) runs at most that often."""
    every = float(params(rule).get("every_minutes") or 0)
    if not every or rule.last_run_at is None:
        return True
    since = now - rule.last_run_at
    return not (dt.timedelta(0) <= since < dt.timedelta(minutes=every))


def sweep(now: dt.datetime | None = None) -> dict[str, int]:
    """Evaluate every enabled rule once; returns how many warnings each raised, and how many deadline
    warnings the system closed because their case closed. Idempotent: a second run with nothing new
    raises nothing."""
    now = now or timezone.now()
    rules = list(WarningRule.objects.filter(enabled=True).order_by("code"))
    ctx = _Context(now, rules)
    out = {"closed": 0}
    for rule in rules:
        fn = KINDS.get(rule.kind)
        if fn is None:
            log.warning("warning rule %s has an unknown kind %r", rule.code, rule.kind)
            continue
        if not _due(rule, now):
            out[rule.code] = 0
            continue
        rule.cursor = dict(rule.cursor or {})
        try:
            with transaction.atomic():
                if connection.vendor == "postgresql":  # short queries: compiling them (JIT) costs more than it saves
                    with connection.cursor() as cur:
                        cur.execute("SET LOCAL jit = off")
                made = _raise(rule, fn(rule, now, ctx), now, ctx)
                rule.cursor["case"], rule.cursor["event"] = ctx.max_case_id, ctx.max_event_id
                WarningRule.objects.filter(pk=rule.pk).update(last_run_at=now, cursor=rule.cursor)
        except IntegrityError:  # a concurrent sweep raised the same condition first
            log.warning("warning rule %s: a concurrent sweep won; trying again next time", rule.code)
            made = []
        out[rule.code] = len(made)
    out["closed"] = ctx.closed
    return out


# ---------------------------------------------------------------- who sees them, and what they do

def warnings_for(actor, state: str | None = None) -> QuerySet[Warning]:
    """The warnings the actor receives: rules whose recipient roles include the actor's role, in the
    actor's scope (a region role: warnings inside its region; a unit role: its unit's warnings)."""
    from zhili.cases.selectors import REGION_ROLES, UNIT_ROLES

    qs = Warning.objects.select_related("rule")
    if state:
        qs = qs.filter(state=state)
    if actor is None or not getattr(actor, "is_authenticated", False):
        return qs.none()
    if actor.is_superuser:
        return qs
    rule_ids = [pk for pk, roles in WarningRule.objects.values_list("pk", "recipients") if actor.role in (roles or [])]
    qs = qs.filter(rule_id__in=rule_ids)
    if actor.role in UNIT_ROLES:
        return qs.filter(unit_id=actor.organisation_id) if actor.organisation_id else qs.none()
    if actor.role in REGION_ROLES:
        return qs.filter(region_code__startswith=actor.scope_prefix)
    return qs.none()


def _writable(actor) -> None:
    from zhili.core.policy import READ_ONLY_ROLES

    if actor is None or not getattr(actor, "is_authenticated", False):
        raise Forbidden()
    if not actor.is_superuser and actor.role in READ_ONLY_ROLES:
        raise Forbidden("只读角色不能处置预警", "a read-only role cannot act on warnings")


def _find(actor, warning_id: int) -> Warning:
    w = warnings_for(actor).select_for_update(of=("self",)).filter(pk=warning_id).first()
    if w is None:
        raise NotFound("warning")
    return w


def acknowledge_warning(actor, warning_id: int, note: str = "") -> Warning:
    """知悉: a recipient says they have seen the warning (new → acknowledged)."""
    _writable(actor)
    with transaction.atomic():
        w = _find(actor, warning_id)
        if w.state != "new":
            raise Invalid("state", "该预警已知悉或已处置", "the warning is already acknowledged or handled")
        now = timezone.now()
        w.state, w.acknowledged_by, w.acknowledged_at = "acknowledged", actor, now
        if note.strip():
            w.note = note.strip()
        w.save(update_fields=["state", "acknowledged_by", "acknowledged_at", "note", "updated_at"])
        audit.record(actor, "warning.acknowledge", w, details={"rule": w.rule.code, "key": w.key, "note": note.strip()})
    return w


def handle_warning(actor, warning_id: int, note: str = "") -> Warning:
    """处置: a recipient records what was done (new or acknowledged → handled); the note is required."""
    _writable(actor)
    if not (note or "").strip():
        raise Invalid("note", "请填写处置情况", "say what was done")
    with transaction.atomic():
        w = _find(actor, warning_id)
        if w.state == "handled":
            raise Invalid("state", "该预警已处置", "the warning is already handled")
        now = timezone.now()
        if w.state == "new":
            w.acknowledged_by, w.acknowledged_at = actor, now
        w.state, w.handled_by, w.handled_at, w.note = "handled", actor, now, note.strip()
        w.save(update_fields=["state", "acknowledged_by", "acknowledged_at", "handled_by", "handled_at", "note", "updated_at"])
        audit.record(actor, "warning.handle", w, details={"rule": w.rule.code, "key": w.key, "note": note.strip()})
    return w
