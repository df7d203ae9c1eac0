"""The home page of each role family: the cards every app registers (:mod:`zhili.core.registry`),
facts that exist now, and plain placeholders for the rest.

A placeholder says what will appear and when; it never shows a number that is not real. An app's
cards replace the placeholders they fill (``HomeCards.fills``).
"""

from __future__ import annotations

from dataclasses import dataclass

from django.urls import NoReverseMatch, reverse
from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _

from zhili.core import registry, selectors
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


def context(user) -> dict:
    role = ROLES.get(user.role)
    family = role.group if role else ""
    title, planned_keys = FAMILIES.get(family, (_("Home"), ()))
    # each app's cards (core.registry): what they show, under the app's name; cards replace their
    # placeholders, and a card the user may not see goes with its placeholder
    apps: dict[str, dict | None] = {}
    slots = []
    asked = planned_keys
    for provider in registry.home_cards():
        data = apps[provider.app] = provider.build(user, asked)
        if data is not None:
            planned_keys = tuple(k for k in planned_keys if k not in provider.fills)
            slots += [{"order": order, "template": template, "part": part} for order, template, part in provider.slots]
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
        "cards": sorted(slots, key=lambda c: c["order"]),
        **apps,
    }
