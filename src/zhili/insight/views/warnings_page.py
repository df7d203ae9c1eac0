"""The warnings page (/insight/warnings/): the warnings of the viewer's region by state and level, and
acknowledging or handling one — for those the rule routes it to."""

from __future__ import annotations

from django.contrib import messages
from django.db.models import Count, Prefetch
from django.http import Http404
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from zhili.core.errors import Invalid
from zhili.core.policy import READ_ONLY_ROLES, ROLES

from .. import warnings as wn
from ..models import Level, WarningState
from .base import dashboard, msg

# ---------------------------------------------------------------- /insight/warnings/

LEVEL_TAG = {"yellow": ("黄", "tag-yellow"), "orange": ("橙", "tag-orange"), "red": ("红", "tag-red")}
STATE_TAG = {"new": "tag-red", "acknowledged": "tag-orange", "handled": "tag-green"}
#: the state filter's value for the open warnings (new or acknowledged): what the home page and the screen count
OPEN_FILTER = "open"


@dashboard
def warnings_list(request):
    """Every warning of the viewer's region (``warnings_for``: who may see), by state and level; the
    buttons only on those routed to the viewer's role (``warnings_to_act``: who must act)."""
    from zhili.cases.selectors import cases_for

    user = request.user
    state = request.GET.get("state", "")
    state = state if state in (OPEN_FILTER, *WarningState.values) else ""
    level = request.GET.get("level", "")
    level = level if level in Level.values else ""
    qs = wn.warnings_for(user)
    if state:
        qs = qs.filter(state__in=wn.OPEN) if state == OPEN_FILTER else qs.filter(state=state)
    if level:
        qs = qs.filter(level=level)
    counts = dict(wn.warnings_for(user).values_list("state").annotate(n=Count("id")).order_by())
    open_by_level = wn.open_counts_by_level(user)
    # the linked cases the viewer may open: a warning's cases are its region's, but a resident's may lie in several
    visible_cases = Prefetch("cases", queryset=cases_for(user).only("id", "number").order_by("id"))
    rows = list(qs.prefetch_related(visible_cases).select_related("unit", "acknowledged_by", "handled_by")[:200])
    to_act = set(wn.warnings_to_act(user).filter(pk__in=[w.pk for w in rows]).values_list("pk", flat=True))
    writable = user.is_superuser or user.role not in READ_ONLY_ROLES
    items = [{"w": w, "level": LEVEL_TAG.get(w.level, (w.level, "tag-grey")), "state_tag": STATE_TAG.get(w.state, "tag-grey"),
              "state_label": w.get_state_display().split(" ")[0], "cases": [c.number for c in w.cases.all()][:20],
              "can_act": w.pk in to_act, "routed_to": routed_to(w.rule)}
             for w in rows]
    return render(request, "insight/warnings.html", {
        "items": items, "state": state, "level": level, "writable": writable,
        "states": [(OPEN_FILTER, _("Open"), sum(counts.get(v, 0) for v in wn.OPEN))]
                  + [(v, lbl.split(" ")[0], counts.get(v, 0)) for v, lbl in WarningState.choices],
        "levels": [(v, LEVEL_TAG[v][0]) for v in wn.LEVELS],
        "open_by_level": [(v, LEVEL_TAG[v][0], LEVEL_TAG[v][1], n) for v, n in open_by_level.items()],
        "open_total": sum(open_by_level.values()),
    })


def routed_to(rule) -> str:
    """The roles a rule routes its warnings to (those who act on them), in words: 部门负责人、中心管理员."""
    return "、".join(str(ROLES[r].label) for r in (rule.recipients or []) if r in ROLES)


@require_POST
@dashboard
def warning_act(request, pk: int, action: str):
    note = request.POST.get("note", "")
    try:
        if action == "acknowledge":
            wn.acknowledge_warning(request.user, pk, note)
            messages.success(request, _("Warning acknowledged."))
        elif action == "handle":
            wn.handle_warning(request.user, pk, note)
            messages.success(request, _("Warning handled."))
        else:
            raise Http404("action")
    except Invalid as exc:
        messages.error(request, msg(exc))
    back = request.POST.get("next", "")
    return redirect(back if back.startswith("/insight/warnings/") else reverse("insight:warnings"))
