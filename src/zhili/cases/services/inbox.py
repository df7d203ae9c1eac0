"""The staff inbox: marking one's own notification read."""

from __future__ import annotations

from django.utils import timezone

from zhili.core.errors import NotFound


def read_notification(actor, *, notification_id: int):
    """Mark one of the actor's own notifications read (idempotent); another's is "not found"."""
    from ..models import Notification

    n = Notification.objects.select_related("case").filter(pk=notification_id, user=actor).first()
    if n is None:
        raise NotFound("notification")
    if n.read_at is None:
        n.read_at = timezone.now()
        n.save(update_fields=["read_at"])
    return n
