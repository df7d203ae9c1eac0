"""The analysis page (/insight/): the cards of the key figures with 环比 and 同比, the tables and
charts, the hotspot map, and the cases of one clicked map cell."""

from __future__ import annotations

from django.http import Http404, JsonResponse
from django.shortcuts import render
from django.urls import reverse

from zhili.cases.keys import HEX_RES
from zhili.core.calendar import SHANGHAI
from zhili.core.errors import Invalid

from .. import calibers as cb
from .. import figures as fg
from .base import dashboard, msg, safe
from .big_screen import map_regions
from .filterbar import filtered_cases, lead_units, parse_filter, root_categories, streets_in_scope
from .tables import (
    hexagons,
    table_category,
    table_channel,
    table_clusters,
    table_heat,
    table_recurring,
    table_satisfaction,
    table_trend,
    table_units,
)

#: figures of the cards, in order (overdue is one card with "now / ever"); every card is named by
#: its figure's label and carries its 口径 (``Figure.caliber``) as a tooltip
CARD_FIGURES = ("received", "closed", "completed", "completion_rate", "due", "on_time_rate", "overdue",
                "avg_handling_hours", "satisfaction_rate", "resolution_rate", "unreachable", "return_rate",
                "extension_rate", "rework_rate", "signing_timeliness", "repeat_rate", "in_grid_rate")
#: figures where a rise is bad (the arrow turns red when they go up)
RISE_IS_BAD = {"overdue", "avg_handling_hours", "unreachable", "return_rate", "extension_rate", "rework_rate",
               "repeat_rate"}
#: the one card not named by a single figure
CARD_LABELS = {"overdue": "超期件数（当前/累计）"}


# ---------------------------------------------------------------- /insight/

def _arrow(delta: fg.Delta, bad_when_up: bool) -> str:
    v = delta.value
    if v is None or v == 0:
        return "flat"
    up = v > 0
    return ("up" if up else "down") + ("-bad" if up == bad_when_up else "-good")


def cards(cmp: fg.Comparison) -> list[dict]:
    cur = cmp.current
    out = []
    for name in CARD_FIGURES:
        if name == "overdue":
            mom, yoy = cmp.mom("overdue_ever"), cmp.yoy("overdue_ever")
            out.append({"name": name, "label": CARD_LABELS[name], "value": f"{cur.overdue_now} / {cur.overdue_ever}",
                        "mom": str(mom), "yoy": str(yoy), "mom_dir": _arrow(mom, True), "yoy_dir": _arrow(yoy, True),
                        "title": f"{cb.tip('overdue_now')}\n{cb.tip('overdue_ever')}（环比、同比按累计超期件数）"})
            continue
        figure = fg.BY_NAME[name]
        mom, yoy = cmp.mom(name), cmp.yoy(name)
        bad = name in RISE_IS_BAD
        out.append({"name": name, "label": CARD_LABELS.get(name, figure.label), "value": str(cur.value(name)),
                    "mom": str(mom), "yoy": str(yoy), "mom_dir": _arrow(mom, bad), "yoy_dir": _arrow(yoy, bad),
                    "title": cb.tip(name)})
    return out


@dashboard
def analysis(request):
    f, form = parse_filter(request)
    streets = streets_in_scope(request.user)
    errors = []
    try:
        cmp = fg.compare(f)
    except Invalid as exc:
        errors.append(msg(exc))
        f = fg.Filter(request.user, region=f.region, start=f.start, end=f.end)
        form = {**form, "category": "", "channel": "", "unit": ""}
        cmp = fg.compare(f)
    tables = [table_trend(f), table_category(f), table_channel(f), table_satisfaction(cmp.current), table_heat(f, streets),
              table_units(f), table_recurring(f, "title"), table_recurring(f, "address"), table_clusters(f)]
    charts = {t.name: t.chart for t in tables if t.chart}
    hexes, hex_note = hexagons(f)
    from zhili.cases.models import Channel

    ctx = {
        "f": f, "form": form, "errors": errors, "cards": cards(cmp), "cmp": cmp,
        "period_label": fg.period_label(f.start, f.end),
        "previous_label": fg.period_label(*cmp.previous_period), "year_ago_label": fg.period_label(*cmp.year_ago_period),
        "region_name": next((r["name"] for s in streets for r in (s, *s["communities"]) if r["code"] == f.region), ""),
        "streets": streets, "categories": root_categories(), "channels": [(v, fg.zh_label(lbl)) for v, lbl in Channel.choices],
        "units": lead_units(request.user), "tables": {t.name: t for t in tables}, "charts": charts,
        "hexes": hexes, "hex_note": hex_note, "map": map_regions(request.user, want="street"),
        "calibers": cb.rows(), "caliber_note": cb.NOTE,
    }
    return render(request, "insight/analysis.html", ctx)


@dashboard
def hex_cases(request, cell: str):
    """The newest 100 cases in one h3 cell of the hotspot map (the same filter, the actor's scope;
    ``Case.cell`` is indexed), with the cell's count as the map shows it."""
    import h3

    if not h3.is_valid_cell(cell) or h3.get_resolution(cell) != HEX_RES:
        raise Http404("cell")
    f, _form = parse_filter(request)
    counts, _note = safe(fg.by_cell, f)
    qs = filtered_cases(f).filter(cell=cell).order_by("-created_at")
    out = [{"number": number, "title": title, "url": reverse("cases:detail", args=[number]),
            "created_at": created.astimezone(SHANGHAI).strftime("%Y-%m-%d %H:%M")}
           for number, title, created in qs.values_list("number", "title", "created_at")[:100]]
    return JsonResponse({"h3": cell, "count": (counts or {}).get(cell, 0), "cases": out})
