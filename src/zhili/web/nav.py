"""The left navigation tree: every entry, and who sees it, in one place.

An entry is shown when the user's role holds its ``permission`` (asked through
:func:`zhili.core.policy.can`), when the role is one of ``roles`` (the case pages: the roles
the case selectors and services serve) or, for capabilities whose permissions do not exist
yet, when the role's group (``policy.ROLES[role].group``) is in ``groups``. When a capability
is built, give it a permission in ``core.policy`` and replace ``groups`` here by it.

Entries with ``soon=True`` lead to the "coming in a later release" page; nothing behind
them is faked. The same structure gives the home page its quick links and the
coming-soon page its description.
"""

from __future__ import annotations

from dataclasses import dataclass

from django.urls import reverse
from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _

from zhili.cases.selectors import REGION_ROLES, UNIT_ROLES
from zhili.cases.workflow import REGISTRARS as INTAKE_ROLES
from zhili.core.policy import ROLES, can

#: Role groups (policy.ROLES[role].group) that do business work, for the entries below.
CASE_GROUPS = frozenset({"centre", "hall", "department", "region", "grid", "services"})
#: roles that handle cases (selectors.cases_for shows them some); a leader only reads them in the search
CASE_PAGE_ROLES = (UNIT_ROLES | REGION_ROLES) - {"leader"}


@dataclass(frozen=True)
class NavItem:
    key: str
    label: str | Promise
    icon: str
    url_name: str = ""  # a built page; "" for a coming-soon entry
    permission: str = ""  # shown if policy.can(user, permission)
    groups: frozenset[str] = frozenset()  # …or if the role's group is one of these
    roles: frozenset[str] = frozenset()  # …or if the role is one of these
    soon: bool = False
    description: str | Promise = ""  # what the capability will do (coming-soon page)
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
        if self.soon:
            return reverse("soon", kwargs={"key": self.key})
        return reverse(self.url_name)


@dataclass(frozen=True)
class NavSection:
    key: str
    label: str | Promise
    items: tuple[NavItem, ...]


NAV: tuple[NavSection, ...] = (
    NavSection("workbench", _("Workbench"), (NavItem("home", _("Home"), "home", url_name="home"),)),
    NavSection(
        "business",
        _("Business"),
        (
            NavItem(
                "cases",
                _("My to-dos"),
                "clock",
                url_name="cases:todo",
                roles=CASE_PAGE_ROLES,
                url_names=("cases:todo", "cases:detail", "cases:receipt", "cases:act", "cases:agreement"),
            ),
            NavItem("case_new", _("Register a request"), "user", url_name="cases:new", roles=INTAKE_ROLES),
            NavItem(
                "case_search",
                _("Case search"),
                "search",
                url_name="cases:search",
                roles=CASE_PAGE_ROLES | {"leader"},
            ),
            NavItem("inbox", _("Inbox"), "inbox", url_name="cases:inbox", roles=CASE_PAGE_ROLES),
            NavItem(
                "grid",
                _("Grid governance"),
                "grid",
                soon=True,
                groups=frozenset({"centre", "region", "grid"}),
                description=_(
                    "Grid teams, the task list, patrols, visits to key persons, information "
                    "collection and the whistle (小红哨)."
                ),
            ),
            NavItem(
                "supervision",
                _("Community corrections"),
                "shield",
                soon=True,
                groups=frozenset({"centre", "supervision"}),
                description=_(
                    "Persons under community corrections: measures, check-ins, geofences, leave "
                    "and violations."
                ),
            ),
            NavItem(
                "community",
                _("Red property management"),
                "building",
                soon=True,
                groups=frozenset({"centre", "region"}),
                description=_(
                    "Red property management, alliances, volunteers, mediation rooms and councils."
                ),
            ),
            NavItem(
                "legalaid",
                _("Legal aid"),
                "scale",
                soon=True,
                groups=frozenset({"centre", "services"}),
                description=_("Legal-aid sites, applications, assignments, advisers and consultations."),
            ),
        ),
    ),
    NavSection(
        "insight",
        _("Analysis"),
        (
            NavItem(
                "insight",
                _("Analysis and warnings"),
                "chart",
                url_name="insight:analysis",
                url_names=("insight:warnings",),
                permission="dashboard.view",
                description=_(
                    "Figures with one definition each, early warnings, analysis and the monthly report."
                ),
            ),
            NavItem(
                "screen",
                _("Command big screen"),
                "monitor",
                url_name="insight:screen",
                permission="dashboard.view",
                description=_(
                    "The big screen of the command hall: the district map, figures and warnings, "
                    "refreshing by themselves."
                ),
            ),
        ),
    ),
    NavSection(
        "reference",
        _("Reference data"),
        (
            NavItem(
                "regions",
                _("Regions and grids"),
                "map",
                url_name="regions",
                permission="region.view",
                url_names=("region",),
            ),
            NavItem(
                "organisations",
                _("Organisations"),
                "org",
                url_name="organisations",
                permission="organisation.view",
            ),
        ),
    ),
    NavSection(
        "system",
        _("System"),
        (
            NavItem(
                "admin",
                _("Back office"),
                "settings",
                url_name="admin:index",
                permission="admin.enter",
                external=True,
            ),
        ),
    ),
)

ITEMS: dict[str, NavItem] = {item.key: item for section in NAV for item in section.items}


def item(key: str) -> NavItem | None:
    return ITEMS.get(key)


def visible_items(user) -> list[NavItem]:
    return [i for i in ITEMS.values() if i.visible_to(user)]


def tree(user, active: str = "") -> list[dict]:
    """The sections and entries this user sees, ready for the template."""
    out = []
    for section in NAV:
        entries = [
            {
                "key": i.key,
                "label": i.label,
                "icon": i.icon,
                "url": i.url,
                "soon": i.soon,
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
    if match.url_name == "soon":
        return match.kwargs.get("key", "")
    for i in ITEMS.values():
        if match.view_name == i.url_name or match.view_name in i.url_names:
            return i.key
    return ""
