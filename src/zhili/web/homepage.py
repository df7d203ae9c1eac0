"""The home page of each role family: facts that exist now, and plain placeholders for the rest.

A placeholder says what will appear and when; it never shows a number that is not real.
"""

from __future__ import annotations

from dataclasses import dataclass

from django.urls import NoReverseMatch, reverse
from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _

from zhili.core import selectors
from zhili.core.models import LEVEL_ORDER, RegionLevel
from zhili.core.policy import ROLES, can

from . import nav


@dataclass(frozen=True)
class Planned:
    """A card that a later release fills."""

    title: str | Promise
    text: str | Promise


PLANNED: dict[str, Planned] = {
    "todo": Planned(_("To-dos"), _("To-dos appear here once case handling is available.")),
    "intake": Planned(
        _("Register a request"),
        _("Registering residents' requests at the window starts here once case intake is available."),
    ),
    "due": Planned(
        _("Due soon and overdue"), _("Cases about to run late appear here once case handling is available.")
    ),
    "patrol": Planned(
        _("Patrols and grid events"),
        _("Today's patrol tasks and the events of your grid appear here once grid governance is available."),
    ),
    "visits": Planned(
        _("Visits due"), _("The key persons due for a visit appear here once grid governance is available.")
    ),
    "grid_events": Planned(
        _("Grid events"),
        _("Events reported by the grids of your area appear here once grid governance is available."),
    ),
    "mediation": Planned(
        _("Mediation and legal aid"),
        _("Your mediation and legal-aid assignments appear here once those modules are available."),
    ),
    "supervised": Planned(
        _("Persons under supervision"),
        _(
            "Check-ins, leave requests and warnings of the persons you supervise appear here once "
            "community corrections is available."
        ),
    ),
}

#: Per role family (policy.ROLES[role].group): its title and the placeholders it shows, in order.
FAMILIES: dict[str, tuple[str | Promise, tuple[str, ...]]] = {
    "centre": (_("Service centre workbench"), ("todo", "warnings", "figures")),
    "hall": (_("Service hall workbench"), ("todo", "intake", "due")),
    "department": (_("Department workbench"), ("todo", "due", "ranking")),
    "region": (_("Street and community workbench"), ("todo", "figures", "warnings", "grid_events")),
    "grid": (_("Grid workbench"), ("patrol", "visits", "todo")),
    "services": (_("Mediation and legal-aid workbench"), ("mediation", "todo")),
    "supervision": (_("Community corrections workbench"), ("supervised",)),
    "leader": (_("Leader's overview"), ("figures", "warnings")),
    "admin": (_("System administration"), ()),
}

#: Plural labels for counting the regions under a scope.
LEVEL_PLURALS = {
    "street": _("Streets"),
    "community": _("Communities"),
    "grid": _("Grids"),
}


def area_facts(user) -> list[dict]:
    """Counts of what lies inside the account's data scope, read through the scoped selectors."""
    if not can(user, "region.view"):
        return []
    facts = []
    scope_level = user.region.level
    below = LEVEL_ORDER[LEVEL_ORDER.index(scope_level) + 1 :] if scope_level in LEVEL_ORDER else []
    regions_url = reverse("regions")
    for level in below:
        if level in LEVEL_PLURALS:
            facts.append(
                {
                    "label": LEVEL_PLURALS[level],
                    "value": selectors.regions(user, level=level).count(),
                    "url": regions_url,
                }
            )
    facts.append({"label": _("Residential compounds"), "value": selectors.compounds(user).count(), "url": ""})
    if can(user, "organisation.view"):
        facts.append(
            {
                "label": _("Organisations"),
                "value": selectors.organisations(user).count(),
                "url": reverse("organisations"),
            }
        )
    return facts


def admin_links(user) -> list[dict]:
    """Back-office pages each of the three administrators (三员) works in."""
    wanted = [
        ("region.manage", "admin:core_region_changelist", _("Regions and grids")),
        ("organisation.manage", "admin:core_organisation_changelist", _("Organisations")),
        ("code.manage", "admin:core_codeitem_changelist", _("Code tables")),
        ("calendar.manage", "admin:core_calendaroverride_changelist", _("Working-day calendar")),
        ("user.manage", "admin:core_user_changelist", _("Staff accounts")),
        ("audit.view", "admin:core_auditevent_changelist", _("Audit log")),
    ]
    links = []
    for permission, url_name, label in wanted:
        if can(user, permission):
            try:
                links.append({"label": label, "url": reverse(url_name)})
            except NoReverseMatch:  # the admin page is not registered (yet)
                continue
    return links


#: placeholders that the case pages have replaced by real cards (cases/_home_cards.html)
CASE_CARDS = frozenset({"todo", "intake", "due"})
DUE_LIMIT = 5


def case_cards(user, planned_keys: tuple[str, ...]) -> dict | None:
    """The to-do counts of the user's role (selectors.todo_buckets), the intake link and what runs late.

    ``None`` for roles that do not handle cases; the template shows each part only when asked for.
    """
    from zhili.cases import deadlines
    from zhili.cases import selectors as case_selectors
    from zhili.cases.workflow import REGISTRARS

    if not (user.is_superuser or user.role in nav.CASE_PAGE_ROLES):
        return None
    buckets = case_selectors.todo_buckets(user)
    counts = case_selectors.todo_counts(user, buckets)
    todo_url = reverse("cases:todo")
    tabs = []
    for name in buckets:
        n = counts[name]
        tabs.append(
            {
                "key": name,
                "label": case_selectors.BUCKET_LABELS.get(name, name),
                "count": n,
                "css": ("orange" if name == "due_soon" else "red") if n else "grey",
                "url": f"{todo_url}?bucket={name}",
            }
        )
    late = []
    if "due" in planned_keys:
        running = list(buckets["overdue"].order_by("due_at")[:DUE_LIMIT])
        if len(running) < DUE_LIMIT:
            running += list(buckets["due_soon"].order_by("due_at")[: DUE_LIMIT - len(running)])
        for c in running:
            text, css = deadlines.humanise(deadlines.time_left(c))
            late.append(
                {
                    "number": c.number,
                    "title": c.title,
                    "url": reverse("cases:detail", args=[c.number]),
                    "time_left": text,
                    "css": {"late": "red", "soon": "orange"}.get(css, "green"),
                }
            )
    return {
        "todo": "todo" in planned_keys or bool(tabs),
        "tabs": tabs,
        "total": sum(t["count"] for t in tabs if t["key"] not in ("due_soon", "overdue")),
        "url": todo_url,
        "intake_url": reverse("cases:new") if "intake" in planned_keys and user.role in REGISTRARS else "",
        "due": "due" in planned_keys,
        "late": late,
    }


def context(user) -> dict:
    role = ROLES.get(user.role)
    family = role.group if role else ""
    title, planned_keys = FAMILIES.get(family, (_("Home"), ()))
    cases = case_cards(user, planned_keys)
    if cases is not None:
        planned_keys = tuple(k for k in planned_keys if k not in CASE_CARDS)
    from zhili.insight import home as insight_home

    insight = insight_home.cards(user, planned_keys)
    # the analysis cards replace their placeholders; one the user may not see goes with its card
    planned_keys = tuple(k for k in planned_keys if k not in insight_home.KEYS)
    scope = user.region
    quick = [i for i in nav.visible_items(user) if not i.soon and i.key != "home"]
    return {
        "family": family,
        "family_title": title,
        "role": role,
        "scope": scope,
        "scope_level": RegionLevel(scope.level).label if scope.level in RegionLevel.values else scope.level,
        "facts": area_facts(user),
        "planned": [PLANNED[k] for k in planned_keys],
        "soon": [i for i in nav.visible_items(user) if i.soon],
        "quick": quick,
        "admin_links": admin_links(user),
        "my_grid": scope if scope.level == "grid" and can(user, "region.view") else None,
        "cases": cases,
        "insight": insight,
    }
