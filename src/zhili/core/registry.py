"""How an app puts itself on the menu and on the home page, without ``web`` knowing it.

Each app that has pages registers, in its ``home.py`` (imported by its ``AppConfig.ready``):

- its **menu entries**: ``register_menu(MenuEntry("cases", _("My to-dos"), "clock", section="business",
  order=10, url_name="cases:todo", roles=…))`` — who sees an entry is said by the entry itself
  (a permission of :mod:`zhili.core.policy`, roles, or role groups);
- its **home cards**: ``register_home(HomeCards("cases", build=cards, fills=…, slots=((20,
  "cases/_home_cards.html", ""),)))`` — ``build(user, planned)`` returns what the app's card
  templates show under the context name ``app`` (``None`` when the user has none of them), and
  ``fills`` names the keys of the home page (``web.homepage.FAMILIES``) that the cards
  answer; each slot is a template included at its place (``order``) among all apps' cards.

``web`` reads :func:`menu_entries` and :func:`home_cards` to draw the navigation and the home page.
The menu holds only what is built: there are no placeholder entries for capabilities to come.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from django.urls import reverse
from django.utils.functional import Promise

from .policy import ROLES, can


@dataclass(frozen=True)
class MenuEntry:
    """One entry of the left navigation."""

    key: str
    label: str | Promise
    icon: str
    section: str = "business"  # workbench, business, insight, reference, system (web.nav.SECTIONS)
    order: int = 100  # place within its section
    url_name: str = ""  # the page the entry opens
    permission: str = ""  # shown if policy.can(user, permission)
    groups: frozenset[str] = frozenset()  # …or if the role's group is one of these
    roles: frozenset[str] = frozenset()  # …or if the role is one of these
    description: str | Promise = ""  # what the capability does
    url_names: tuple[str, ...] = ()  # further url names that mark this entry active
    external: bool = False  # leaves the shell (the Django admin)

    def visible_to(self, user) -> bool:
        if user is None or not user.is_authenticated or not user.is_active:
            return False
        if not self.permission and not self.groups and not self.roles:
            return True
        if self.permission and can(user, self.permission):
            return True
        if getattr(user, "role", "") in self.roles:
            return True
        role = ROLES.get(getattr(user, "role", ""))
        return role is not None and role.group in self.groups

    @property
    def url(self) -> str:
        return reverse(self.url_name)


@dataclass(frozen=True)
class HomeCards:
    """An app's cards on the home page."""

    app: str  # the context name its templates read
    build: Callable[[object, tuple[str, ...]], dict | None]
    slots: tuple[tuple[int, str, str], ...]  # (order, template, part): included in order among all cards
    fills: frozenset[str] = frozenset()  # the home page's keys these cards answer


_MENU: dict[str, MenuEntry] = {}
_HOME: dict[str, HomeCards] = {}


def register_menu(*entries: MenuEntry) -> None:
    """Add menu entries (an entry with a key already registered replaces it)."""
    for entry in entries:
        _MENU[entry.key] = entry


def register_home(cards: HomeCards) -> None:
    _HOME[cards.app] = cards


def menu_entries(own: tuple[MenuEntry, ...] = ()) -> list[MenuEntry]:
    """Every registered entry, plus the caller's own entries no app has replaced, ordered by place
    (the section order is the caller's: sorting here is by ``order`` only)."""
    out = dict(_MENU)
    for p in own:
        out.setdefault(p.key, p)
    return sorted(out.values(), key=lambda e: (e.order, e.key))


def home_cards() -> list[HomeCards]:
    return list(_HOME.values())
