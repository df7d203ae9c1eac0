"""The staff inbox (消息): the user's notifications, unread first, and marking them read."""

from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.shortcuts import redirect, render
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_POST

from zhili.core.http import domain_errors

from .. import services
from ..models import Notification
from .common import local

NOTIFICATION_KINDS = {
    "todo": gettext_lazy("To sign"),
    "cooperate": gettext_lazy("To cooperate"),
    "returned": gettext_lazy("Returned"),
    "supervise": gettext_lazy("Supervised"),
    "urge": gettext_lazy("Urged"),
    "extension": gettext_lazy("Extension"),
    "check": gettext_lazy("To check"),
    "rework": gettext_lazy("Rework"),
    "due_soon": gettext_lazy("Due soon"),
    "overdue": gettext_lazy("Overdue"),
    "warning": gettext_lazy("Early warning"),  # raised by insight's warning engine
}
#: the label of a kind not listed above: never the raw code in the Chinese inbox
OTHER_KIND = gettext_lazy("Notice")


@login_required
def inbox(request):
    """消息: the user's notifications, unread first; each leads to its case."""
    user = request.user
    mine = Notification.objects.filter(user=user).select_related("case")
    unread = list(mine.filter(read_at__isnull=True).order_by("-created_at", "-id")[:200])
    read = list(mine.filter(read_at__isnull=False).order_by("-created_at", "-id")[:50])

    def rows(items):
        return [
            {"n": n, "kind": NOTIFICATION_KINDS.get(n.kind, OTHER_KIND), "at": local(n.created_at)} for n in items
        ]

    return render(
        request,
        "cases/inbox.html",
        {
            "unread": rows(unread),
            "read": rows(read),
            "unread_total": mine.filter(read_at__isnull=True).count(),
        },
    )


@login_required
@require_POST
@domain_errors
def inbox_read(request, pk: int):
    n = services.read_notification(request.user, notification_id=pk)
    if request.POST.get("open") and n.case_id:
        return redirect("cases:detail", number=n.case.number)
    return redirect("cases:inbox")


@login_required
@require_POST
def inbox_read_all(request):
    ids = list(
        Notification.objects.filter(user=request.user, read_at__isnull=True).values_list("pk", flat=True)[
            :1000
        ]
    )
    for pk in ids:
        services.read_notification(request.user, notification_id=pk)
    return redirect("cases:inbox")
