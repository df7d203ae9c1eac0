"""The unit rule: a lead unit's on-time rate of the last weeks fallen against the weeks before."""

from __future__ import annotations

import datetime as dt

from django.db.models import Q, Sum
from django.db.models.functions import Substr

from zhili.cases.rollups import DailyUnitRollup
from zhili.core.calendar import SHANGHAI

from .. import figures as fig
from .common import Candidate, iso_week
from .defaults import params


def rule_unit_on_time_falling(rule, now, ctx):
    """A lead unit's on-time rate (figures.on_time_rate) of the last ``weeks`` weeks against the
    ``weeks`` before, from DailyUnitRollup (its streets added up per district): falls by
    ``drop_points`` points or more, with at least ``min_completed`` cases fallen due (应办结量) in
    each window. (``due`` is dated by the deadline's day, or the result's if earlier: the windows hold
    the cases that fell due in them.)"""
    from zhili.core.models import Organisation

    p = params(rule)
    weeks, drop, minimum = int(p["weeks"]), float(p["drop_points"]), int(p["min_completed"])
    today = now.astimezone(SHANGHAI).date()
    recent = today - dt.timedelta(days=7 * weeks - 1)
    before = recent - dt.timedelta(days=7 * weeks)
    rows = (DailyUnitRollup.objects.filter(day__gte=before, day__lte=today)
            .annotate(district_code=Substr("street_code", 1, 6)).values("unit_id", "district_code")
            .annotate(c1=Sum("due", filter=Q(day__gte=recent)), t1=Sum("due_on_time", filter=Q(day__gte=recent)),
                      c0=Sum("due", filter=Q(day__lt=recent)), t0=Sum("due_on_time", filter=Q(day__lt=recent)))
            .order_by())
    hits = []
    for r in rows:
        now_rate = fig.on_time_rate({"due": r["c1"] or 0, "due_on_time": r["t1"] or 0})
        old_rate = fig.on_time_rate({"due": r["c0"] or 0, "due_on_time": r["t0"] or 0})
        if now_rate.denominator < minimum or old_rate.denominator < minimum:
            continue
        points = old_rate.percent - now_rate.percent
        if points >= drop:
            hits.append((r, now_rate, old_rate, points))
    if not hits:
        return []
    names = dict(Organisation.objects.filter(pk__in=[h[0]["unit_id"] for h in hits]).values_list("pk", "name"))
    week = iso_week(today)
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
