"""What every page of the shell needs: the district's name, the user's identity and navigation.

Everything is computed lazily, so a page that does not show the shell (an API error page,
a redirect) does not pay for it.
"""

from __future__ import annotations

from django.conf import settings
from django.utils.functional import cached_property

from zhili.core.models import Region
from zhili.core.policy import ROLES

from . import nav


class Shell:
    def __init__(self, request):
        self.request = request
        self.user = getattr(request, "user", None)

    @cached_property
    def district_name(self) -> str:
        code = settings.ZHILI_DISTRICT_CODE
        name = Region.objects.filter(level="district", prefix=code[:6]).values_list("name", flat=True).first()
        return name or ""

    @property
    def authenticated(self) -> bool:
        return bool(self.user is not None and self.user.is_authenticated)

    @cached_property
    def role(self):
        return ROLES.get(getattr(self.user, "role", "")) if self.authenticated else None

    @cached_property
    def role_label(self):
        return self.role.label if self.role else ""

    @cached_property
    def display_name(self) -> str:
        return str(self.user) if self.authenticated else ""

    @cached_property
    def scope(self):
        """The region the account's data scope covers."""
        return self.user.region if self.authenticated else None

    @cached_property
    def nav(self) -> list[dict]:
        if not self.authenticated:
            return []
        return nav.tree(self.user, nav.active_key(self.request))


def shell(request):
    return {"ZHILI_MAP_TILE_URL": settings.ZHILI_MAP_TILE_URL, "shell": Shell(request)}
