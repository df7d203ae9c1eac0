"""The staff inbox through the API: /api/v1/notifications (the unread count and the latest 50,
marking one read)."""

import datetime as dt

from ninja import Field, Path, Schema

from .. import services
from ..models import Notification
from .render import local
from .routers import notifications_router
from .schemas import ERRORS


class NotificationOut(Schema):
    id: int
    kind: str = Field(..., examples=["todo"])
    case_number: str | None = Field(None, examples=["KW2026-000123"])
    text: str = Field(..., examples=["新的待签收案件：KW2026-000123 楼上漏水引发邻里纠纷"])
    created_at: dt.datetime
    read_at: dt.datetime | None = None


class InboxOut(Schema):
    unread: int
    items: list[NotificationOut] = Field(..., description="the latest 50, newest first")


def _notification_out(n: Notification) -> dict:
    return {"id": n.pk, "kind": n.kind, "case_number": n.case.number if n.case_id else None, "text": n.text,
            "created_at": local(n.created_at), "read_at": local(n.read_at)}


@notifications_router.get("", response={200: InboxOut, **ERRORS}, summary="Your inbox: unread count and the latest 50",
                          operation_id="notifications_list")
def inbox(request):
    mine = Notification.objects.filter(user=request.auth)
    items = mine.select_related("case").order_by("-created_at", "-id")[:50]
    return {"unread": mine.filter(read_at__isnull=True).count(), "items": [_notification_out(n) for n in items]}


@notifications_router.post("/{notification_id}/read", response={200: NotificationOut, **ERRORS},
                           summary="Mark one of your notifications read", operation_id="notifications_read")
def read_notification(request, notification_id: int = Path(..., ge=1, le=2**63 - 1)):
    return _notification_out(services.read_notification(request.auth, notification_id=notification_id))
