"""The home page's analysis cards (web/homepage.py): this month's key figures, the open warnings and a
department's on-time ranking — read through the same figure functions and scoped selectors as the
analysis pages, so the home page and the analysis page never disagree."""

from __future__ import annotations

from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from zhili.cases.selectors import UNIT_ROLES
from zhili.core.policy import can
from zhili.core.registry import HomeCards, MenuEntry, register_home, register_menu

from . import calibers as cb
from . import figures as fg

#: the home page's placeholders these cards fill (web/homepage.PLANNED)
KEYS = frozenset({"figures", "warnings", "ranking"})
WARNINGS_SHOWN = 5


def _dashboard(user) -> bool:
    return user.is_superuser or can(user, "dashboard.view")


def cards(user, keys: tuple[str, ...]) -> dict:
    """What each asked-for card shows; a card the user may not see is left out (its placeholder too)."""
    today = fg.filters.today()
    start = today.replace(day=1)
    out: dict = {}
    if "figures" in keys and _dashboard(user):
        figs = fg.figures(fg.Filter(user, start=start, end=today))
        # the key figures and 当前超期件数, each named by its label with its 口径 as the tooltip
        out["figures"] = {
            "period": _this_month(today),
            "items": [(name, cb.label(name), figs.value(name), cb.tip(name)) for name in (*fg.KEY_FIGURES, "overdue_now")],
            "url": reverse("insight:analysis"),
        }
    if "warnings" in keys and _dashboard(user):
        from .warnings import OPEN, open_counts_by_level, warnings_for

        # every open warning of the viewer's region, whoever the rule routes it to (warnings_for)
        open_ = warnings_for(user).filter(state__in=OPEN)
        counts = open_counts_by_level(user)
        out["warnings"] = {
            "counts": list(counts.items()),
            "total": sum(counts.values()),
            "latest": [{"title": w.title, "level": w.get_level_display().split(" ")[0], "css": w.level, "new": w.state == "new"}
                       for w in open_.order_by("-created_at", "-id")[:WARNINGS_SHOWN]],
            "url": reverse("insight:warnings"),
        }
    if "ranking" in keys and user.organisation_id and user.role in UNIT_ROLES:
        out["ranking"] = _ranking(user, start, today)
    return out


def _this_month(today) -> str:
    """本月 so far: 2026年11月（截至27日）."""
    return f"{today.year}年{today.month}月（截至{today.day}日）"


def _ranking(user, start, end) -> dict:
    """This month's on-time rate of the user's unit and its place among the units that led cases in
    its district (ordered as the report ranks them: on-time rate, then cases received). Only the unit's own
    figures and its place are shown, not the other units' figures."""
    district = user.scope_prefix[:6] if user.region_id else ""
    rows = sorted(fg.by_unit(fg.Filter(fg.SYSTEM, region=district, start=start, end=end)), key=fg.unit_rank)
    mine = next(((i, r) for i, r in enumerate(rows, 1) if r.key == str(user.organisation_id)), None)
    return {
        "period": _this_month(end),
        "place": mine[0] if mine else None,
        "of": len(rows),
        "on_time_rate": mine[1].figures.on_time_rate if mine else None,
        "completion_rate": mine[1].figures.completion_rate if mine else None,
        "received": mine[1].figures.received if mine else 0,
        "labels": {name: cb.label(name) for name in ("on_time_rate", "completion_rate", "received")},
        "tips": {name: cb.tip(name) for name in ("on_time_rate", "completion_rate", "received")},
    }


register_menu(
    MenuEntry(
        "insight",
        _("Analysis and warnings"),
        "chart",
        section="insight",
        order=10,
        url_name="insight:analysis",
        url_names=("insight:warnings",),
        permission="dashboard.view",
        description=_("Figures with one definition each, early warnings, analysis and the monthly report."),
    ),
    MenuEntry(
        "screen",
        _("Command big screen"),
        "monitor",
        section="insight",
        order=20,
        url_name="insight:screen",
        permission="dashboard.view",
        description=_(
            "The big screen of the command hall: the district map, figures and warnings, "
            "refreshing by themselves."
        ),
    ),
)
register_home(HomeCards("insight", build=cards, fills=KEYS,
                        slots=((10, "insight/_home_cards.html", "figures"), (30, "insight/_home_cards.html", "rest"))))
