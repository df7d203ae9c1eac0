"""What the case pages put on the menu and on the home page (:mod:`zhili.core.registry`): the to-do
list, registration, search and the inbox; the to-do counts, the intake link and the cases that run late."""

from __future__ import annotations

from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from zhili.core.registry import HomeCards, MenuEntry, register_home, register_menu

from . import deadlines, selectors
from .workflow import REGISTRARS

#: roles that handle cases (selectors.cases_for shows them some); a leader only reads them in the search
CASE_PAGE_ROLES = (selectors.UNIT_ROLES | selectors.REGION_ROLES) - {"leader"}


#: the home page's placeholders these cards replace (web/homepage.FAMILIES)
CASE_CARDS = frozenset({"todo", "intake", "due"})
DUE_LIMIT = 5


def case_cards(user, planned_keys: tuple[str, ...]) -> dict | None:
    """The to-do counts of the user's role (selectors.todo_buckets), the intake link and what runs late.

    ``None`` for roles that do not handle cases; the template shows each part only when asked for.
    """
    if not (user.is_superuser or user.role in CASE_PAGE_ROLES):
        return None
    buckets = selectors.todo_buckets(user)
    counts = selectors.todo_counts(user, buckets)
    todo_url = reverse("cases:todo")
    tabs = []
    for name in buckets:
        n = counts[name]
        tabs.append(
            {
                "key": name,
                "label": selectors.BUCKET_LABELS.get(name, name),
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


register_menu(
    MenuEntry(
        "cases",
        _("My to-dos"),
        "clock",
        order=10,
        url_name="cases:todo",
        roles=CASE_PAGE_ROLES,
        url_names=("cases:todo", "cases:detail", "cases:receipt", "cases:act", "cases:agreement"),
    ),
    MenuEntry("case_new", _("Register a request"), "user", order=20, url_name="cases:new", roles=REGISTRARS),
    MenuEntry("case_search", _("Case search"), "search", order=30, url_name="cases:search",
              roles=CASE_PAGE_ROLES | {"leader"}),
    MenuEntry("inbox", _("Inbox"), "inbox", order=40, url_name="cases:inbox", roles=CASE_PAGE_ROLES),
)
register_home(HomeCards("cases", build=case_cards, fills=CASE_CARDS, slots=((20, "cases/_home_cards.html", ""),)))
