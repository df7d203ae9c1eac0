"""The left navigation: the sections, and the entries every app registers (:mod:`zhili.core.registry`).

Each app says in its ``home.py`` which entries it adds and who sees each (a permission of
:mod:`zhili.core.policy`, roles, or role groups); ``web`` adds its own pages (home, regions,
organisations, the back office). The menu shows only what is built: a capability appears when its app
registers an entry. The same entries give the home page its quick links.
"""

from __future__ import annotations

from dataclasses import dataclass

from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _

from zhili.core import registry
from zhili.core.registry import MenuEntry

#: kept for the callers that knew the entry by its old name
NavItem = MenuEntry

#: Role groups (policy.ROLES[role].group) that do business work.
CASE_GROUPS = frozenset({"centre", "hall", "department", "region", "grid", "services"})

#: the sections, in the menu's order
SECTIONS: tuple[tuple[str, str | Promise], ...] = (
    ("workbench", _("Workbench")),
    ("business", _("Business")),
    ("insight", _("Analysis")),
    ("reference", _("Reference data")),
    ("system", _("System")),
)

#: web's own pages
OWN: tuple[MenuEntry, ...] = (
    MenuEntry("home", _("Home"), "home", section="workbench", order=10, url_name="home"),
    MenuEntry("regions", _("Regions and grids"), "map", section="reference", order=10, url_name="regions",
              permission="region.view", url_names=("region",)),
    MenuEntry("organisations", _("Organisations"), "org", section="reference", order=20, url_name="organisations",
              permission="organisation.view"),
    MenuEntry("admin", _("Back office"), "settings", section="system", order=10, url_name="admin:index",
              permission="admin.enter", external=True),
)

@dataclass(frozen=True)
class NavSection:
    key: str
    label: str | Promise
    items: tuple[MenuEntry, ...]


def sections() -> tuple[NavSection, ...]:
    """The menu as it stands: every section with its entries in order (empty sections left out)."""
    entries = registry.menu_entries(OWN)
    out = []
    for key, label in SECTIONS:
        items = tuple(e for e in entries if e.section == key)
        if items:
            out.append(NavSection(key, label, items))
    return tuple(out)


def items() -> dict[str, MenuEntry]:
    return {i.key: i for section in sections() for i in section.items}


def __getattr__(name: str):
    """``NAV`` and ``ITEMS`` are read when asked, after every app has registered its entries."""
    if name == "NAV":
        return sections()
    if name == "ITEMS":
        return items()
    raise AttributeError(name)


def item(key: str) -> MenuEntry | None:
    return items().get(key)


def visible_items(user) -> list[MenuEntry]:
    return [i for i in items().values() if i.visible_to(user)]


def tree(user, active: str = "") -> list[dict]:
    """The sections and entries this user sees, ready for the template."""
    out = []
    for section in sections():
        entries = [
            {
                "key": i.key,
                "label": i.label,
                "icon": i.icon,
                "url": i.url,
                "external": i.external,
                "active": i.key == active,
            }
            for i in section.items
            if i.visible_to(user)
        ]
        if entries:
            out.append({"key": section.key, "label": section.label, "items": entries})
    return out


def active_key(request) -> str:
    """Which entry the current page belongs to, from the resolved URL."""
    match = getattr(request, "resolver_match", None)
    if match is None:
        return ""
    for i in items().values():
        if match.view_name == i.url_name or match.view_name in i.url_names:
            return i.key
    return ""
