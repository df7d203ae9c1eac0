"""The unread-inbox badge of the top bar, on every page.

Add ``"zhili.cases.context.inbox"`` to ``TEMPLATES[0]["OPTIONS"]["context_processors"]``.
The count is read only when a page shows it, once per request.
"""

from __future__ import annotations

from django.urls import reverse
from django.utils.functional import cached_property


class Inbox:
    def __init__(self, request):
        self.user = getattr(request, "user", None)

    @property
    def enabled(self) -> bool:
        return bool(self.user is not None and self.user.is_authenticated and self.user.is_active)

    @cached_property
    def unread(self) -> int:
        if not self.enabled:
            return 0
        from .models import Notification

        return Notification.objects.filter(user=self.user, read_at__isnull=True).count()

    @property
    def badge(self) -> str:
        n = self.unread
        return "99+" if n > 99 else str(n) if n else ""

    @cached_property
    def url(self) -> str:
        return reverse("cases:inbox") if self.enabled else ""


def inbox(request) -> dict:
    return {"inbox": Inbox(request)}
