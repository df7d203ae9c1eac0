"""The warnings page (/insight/warnings/): the actor's warnings by state and level, and acknowledging
or handling one."""

from __future__ import annotations

from django.contrib import messages
from django.db.models import Count
from django.http import Http404
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from zhili.core.errors import Invalid
from zhili.core.policy import READ_ONLY_ROLES

from .. import warnings as wn
from ..models import Level, WarningState
from .base import dashboard, msg

# ---------------------------------------------------------------- /insight/warnings/

LEVEL_TAG = {"yellow": ("黄", "tag-yellow"), "orange": ("橙", "tag-orange"), "red": ("红", "tag-red")}
STATE_TAG = {"new": "tag-red", "acknowledged": "tag-orange", "handled": "tag-green"}


@dashboard
def warnings_list(request):
    state = request.GET.get("state", "")
    state = state if state in WarningState.values else ""
    level = request.GET.get("level", "")
    level = level if level in Level.values else ""
    qs = wn.warnings_for(request.user, state or None)
    if level:
        qs = qs.filter(level=level)
    counts = dict(wn.warnings_for(request.user).values_list("state").annotate(n=Count("id")).order_by())
    rows = list(qs.prefetch_related("cases").select_related("unit", "acknowledged_by", "handled_by")[:200])
    writable = request.user.is_superuser or request.user.role not in READ_ONLY_ROLES
    items = [{"w": w, "level": LEVEL_TAG.get(w.level, (w.level, "tag-grey")), "state_tag": STATE_TAG.get(w.state, "tag-grey"),
              "state_label": w.get_state_display().split(" ")[0], "cases": [c.number for c in w.cases.all()][:20]}
             for w in rows]
    return render(request, "insight/warnings.html", {
        "items": items, "state": state, "level": level, "writable": writable,
        "states": [(v, lbl.split(" ")[0], counts.get(v, 0)) for v, lbl in WarningState.choices],
        "levels": [(v, LEVEL_TAG[v][0]) for v in Level.values],
    })


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
