"""The home page of each role family: the cards every app registers (:mod:`zhili.core.registry`)
and facts that exist now. Nothing is shown for a capability that is not built.
"""

from __future__ import annotations

from django.urls import NoReverseMatch, reverse
from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _

from zhili.core import registry, selectors
from zhili.core.models import LEVEL_ORDER, RegionLevel
from zhili.core.policy import ROLES, can

from . import nav

#: Per role family (policy.ROLES[role].group): its title and the cards its home asks the apps for, in order.
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
    # each app's cards (core.registry): what they show, under the app's name
    apps: dict[str, dict | None] = {}
    slots = []
    asked = planned_keys
    for provider in registry.home_cards():
        data = apps[provider.app] = provider.build(user, asked)
        if data is not None:
            slots += [{"order": order, "template": template, "part": part} for order, template, part in provider.slots]
    scope = user.region
    quick = [i for i in nav.visible_items(user) if i.key != "home"]
    return {
        "family": family,
        "family_title": title,
        "role": role,
        "scope": scope,
        "scope_level": RegionLevel(scope.level).label if scope.level in RegionLevel.values else scope.level,
        "facts": area_facts(user),
        "quick": quick,
        "admin_links": admin_links(user),
        "my_grid": scope if scope.level == "grid" and can(user, "region.view") else None,
        "cards": sorted(slots, key=lambda c: c["order"]),
        **apps,
    }
