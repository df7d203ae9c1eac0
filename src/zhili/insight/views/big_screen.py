"""The big screen (/screen/) and its data (/screen/data.json, fetched every ``REFRESH_MS``): the key
figures of today, this month and this year, the month's categories, channels and unit ranking, the
live feed of cases, the open warnings (by level, of the viewer's region), and the map of open cases per region."""

from __future__ import annotations

from collections import Counter

from django.db.models import Count
from django.http import JsonResponse
from django.shortcuts import render
from django.utils import timezone

from zhili.core.calendar import SHANGHAI

from .. import calibers as cb
from .. import figures as fg
from .. import warnings as wn
from . import base
from .base import dashboard, safe
from .filterbar import scope_prefix
from .warnings_page import LEVEL_TAG

#: how often the big screen fetches /screen/data.json
REFRESH_MS = 10_000


# ---------------------------------------------------------------- /screen/

#: the regions of the maps, per (scope prefix, level): boundaries change rarely and decoding hundreds
#: of polygons costs more than the statistics of the big screen; checked against the region table
#: (count, last id, last change) on every call
_MAP_CACHE: dict[tuple[str, str], tuple[tuple, list[dict]]] = {}


def map_regions(user, want: str = "grid") -> list[dict]:
    """The regions drawn on a map: the grids (or streets) inside the actor's scope that have a boundary;
    streets when no grid has one. The same list objects are returned to every caller: do not change them."""
    from django.db.models import Count, Max

    from zhili.core.models import Region

    prefix = scope_prefix(user)
    sig = tuple(Region.objects.aggregate(n=Count("id"), i=Max("id"), t=Max("updated_at")).values())
    hit = _MAP_CACHE.get((prefix, want))
    if hit is not None and hit[0] == sig:
        return hit[1]
    out: list[dict] = []
    for level in ((want, "community", "street") if want == "grid" else (want,)):
        qs = Region.objects.filter(level=level, geometry__isnull=False).order_by("code")
        if prefix:
            qs = qs.filter(code__startswith=prefix)
        out = [{"code": r["code"], "prefix": r["prefix"], "name": r["name"], "geometry": r["geometry"]}
               for r in qs.values("code", "prefix", "name", "geometry")[:5000]]
        if out:
            break
    if len(_MAP_CACHE) > 256:
        _MAP_CACHE.clear()
    _MAP_CACHE[(prefix, want)] = (sig, out)
    return out


COLOURS = ((0, "#1d3f73"), (1, "#2f9e8f"), (3, "#e6b422"), (6, "#f08a24"), (10, "#e0452b"))


def colour(n: int) -> str:
    out = COLOURS[0][1]
    for at_least, c in COLOURS:
        if n >= at_least:
            out = c
    return out


def open_rows(user) -> list[dict]:
    """Open cases per region code in the actor's scope, [{region_code, n}]. For the whole system and
    region roles from RegionRollup (open = received − completed per region code: a few hundred rows,
    not the open cases themselves — the user's region prefix is the scope); for others (a department)
    one aggregate query over cases_for(actor), the open states named. Every region code of the scope
    is there, the district-level ones of the cases no street holds included."""
    from django.db.models import F

    from zhili.cases.rollups import RegionRollup
    from zhili.cases.selectors import REGION_ROLES, cases_for
    from zhili.cases.workflow import OPEN_STATES

    if user.is_superuser or (getattr(user, "role", "") in REGION_ROLES and getattr(user, "region_id", None)):
        qs = RegionRollup.objects.annotate(n=F("received") - F("completed")).filter(n__gt=0)
        if not user.is_superuser:
            qs = qs.filter(region_code__startswith=user.scope_prefix)
        return list(qs.values("region_code", "n"))
    return list(cases_for(user).filter(state__in=sorted(OPEN_STATES)).values("region_code").annotate(n=Count("id"))
                .order_by())


def open_per_region(user, regions: list[dict], rows: list[dict] | None = None) -> dict[str, int]:
    """Open cases per drawn region (:func:`open_rows` added up by the regions' prefixes); the cases
    of a region code no drawn region holds (a district-level registration) are not on the map — they
    are in :func:`open_total`."""
    rows = open_rows(user) if rows is None else rows
    lengths = sorted({len(r["prefix"]) for r in regions}, reverse=True)
    known = {r["prefix"] for r in regions}
    out: Counter = Counter()
    for r in rows:
        for n in lengths:
            if r["region_code"][:n] in known:
                out[r["region_code"][:n]] += r["n"]
                break
    return dict(out)


def open_total(user, rows: list[dict] | None = None) -> int:
    """The open cases of the actor's scope (在办诉求): every region code, not only those on the map."""
    return sum(r["n"] for r in (open_rows(user) if rows is None else rows))


def screen_data(user) -> dict:
    today = base.today()
    periods = {"today": (today, today), "month": (today.replace(day=1), today), "year": (today.replace(month=1, day=1), today)}
    figs = {}
    for key, (s, e) in periods.items():
        values = fg.figures(fg.Filter(user, start=s, end=e), with_overdue_now=(key == "today")).as_dict()
        figs[key] = {name: values[name] for name in (*fg.KEY_FIGURES, "overdue_now") if name in values}
    month = fg.Filter(user, start=periods["month"][0], end=today)
    cats, _n1 = safe(fg.by_category, month, "root")
    chans, _n2 = safe(fg.by_channel, month)
    units, _n3 = safe(fg.by_unit, month)
    units = sorted(units, key=fg.unit_rank)[:8]
    from zhili.cases.selectors import cases_for

    feed = [{"number": n, "title": t, "at": c.astimezone(SHANGHAI).strftime("%H:%M"), "date": c.astimezone(SHANGHAI).strftime("%m-%d"),
             "channel": fg.channel_label(ch), "state": st}
            for n, t, c, ch, st in cases_for(user).order_by("-created_at", "-id").values_list(
                "number", "title", "created_at", "channel", "state")[:12]]
    # the open warnings of the viewer's region, whoever they are routed to: the same selector and
    # counts as the home page and the warnings page
    warns = [{"title": w.title, "level": w.level, "level_label": LEVEL_TAG.get(w.level, ("", ""))[0],
              "at": w.created_at.astimezone(SHANGHAI).strftime("%m-%d %H:%M")}
             for w in wn.warnings_for(user).filter(state__in=wn.OPEN)[:8]]
    by_level = wn.open_counts_by_level(user)
    regions = map_regions(user)
    rows = open_rows(user)
    counts = open_per_region(user, regions, rows)
    total = open_total(user, rows)
    return {
        "now": timezone.now().astimezone(SHANGHAI).strftime("%Y-%m-%d %H:%M:%S"),
        "figures": figs,
        "labels": {name: cb.label(name) for name in (*fg.KEY_FIGURES, "overdue_now")},
        "tips": {name: cb.tip(name) for name in (*fg.KEY_FIGURES, "overdue_now")},
        "category": [{"name": r.label, "value": r.figures.received} for r in cats[:10]],
        "channel": [{"name": r.label, "value": r.figures.received} for r in chans],
        "units": [{"name": r.label, "received": r.figures.received, "on_time_rate": str(r.figures.on_time_rate),
                   "completion_rate": str(r.figures.completion_rate), "satisfaction_rate": str(r.figures.satisfaction_rate)}
                  for r in units],
        "feed": feed,
        "warnings": warns,
        "warning_levels": [{"level": v, "label": LEVEL_TAG[v][0], "n": n} for v, n in by_level.items()],
        "warnings_open": sum(by_level.values()),
        "grids": {r["prefix"]: {"n": counts.get(r["prefix"], 0), "colour": colour(counts.get(r["prefix"], 0))} for r in regions},
        "legend": [{"from": n, "colour": c} for n, c in COLOURS],
        "open_total": total,
        # open cases no drawn region holds: registered at the district level, without a point or a grid
        "open_unplaced": total - sum(counts.values()),
    }


@dashboard
def screen(request):
    data = screen_data(request.user)
    regions = map_regions(request.user)
    panels = [{"key": key, "label": label,
               "figs": [(n, data["figures"][key][n], data["labels"][n], data["tips"][n]) for n in fg.KEY_FIGURES]}
              for key, label in (("today", "今日"), ("month", "本月"), ("year", "本年"))]
    return render(request, "insight/screen.html", {"data": data, "regions": regions, "panels": panels,
                                                   "refresh_ms": REFRESH_MS, "tips": data["tips"],
                                                   "unit_cols": [(cb.label(n), cb.tip(n)) for n in
                                                                 ("received", "on_time_rate", "completion_rate",
                                                                  "satisfaction_rate")]})


@dashboard
def screen_json(request):
    resp = JsonResponse(screen_data(request.user), json_dumps_params={"ensure_ascii": False})
    resp["Cache-Control"] = "no-store"
    return resp
