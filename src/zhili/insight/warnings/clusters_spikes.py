"""The cluster and spike rules: many cases of one category in one grid or community within days
(cluster), and a street's weekly count of a category far above its usual weeks (spike: EWMA z-score
or Poisson tail)."""

from __future__ import annotations

import datetime as dt
import math
from collections import Counter, defaultdict

from django.db.models import Q, Sum

from zhili.cases.rollups import DailyStreetRollup
from zhili.core.calendar import SHANGHAI

from .. import figures as fig
from .common import MAX_LINKED, Candidate, case_model, chunks, iso_week, new_cases
from .defaults import params


def _region_names(codes) -> dict[str, str]:
    from zhili.core.models import Region

    return dict(Region.objects.filter(prefix__in=list(codes)).values_list("prefix", "name"))


def rule_cluster(rule, now, ctx):
    """``count`` or more cases of one category (its top-level category, or the category itself) in
    one grid or community within ``days`` days — looked at where and in what a new case arrives."""
    Case = case_model()
    p = params(rule)
    n, days, scope, level = int(p["count"]), int(p["days"]), p.get("scope", "grid"), p.get("level", "root")
    length = 15 if scope == "grid" else 12
    since = now - dt.timedelta(days=days)
    cats = ctx.categories()

    def catkey(cid: int) -> int:
        return fig.category_root(cats, cid) if level == "root" else cid

    touched = {(code[:length], catkey(cid)) for code, cid in
               new_cases(rule, ctx, p["first_run_hours"]).exclude(state__in=("merged", "rejected"))
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
    for chunk in chunks(codes, 200):
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
    week = iso_week(now.astimezone(SHANGHAI).date())
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
    Case = case_model()
    names = _region_names({h[0] for h in hits})
    week = iso_week(today)
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
