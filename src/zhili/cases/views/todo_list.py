"""The to-do list (我的待办): the buckets of the user's role as tabs with counts, the chosen one as
a table."""

from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.shortcuts import render
from django.utils import timezone

from zhili.core.http import domain_errors

from .. import forms, selectors
from .common import ROW_RELATED, case_rows, require_case_role

BUCKET_ORDER = (
    "to_accept",
    "to_dispatch",
    "to_sign",
    "to_handle",
    "to_cooperate",
    "extensions",
    "to_check",
    "to_callback",
    "to_mediate",
    "major_without_meeting",
    "due_soon",
    "overdue",
)


def todo_tabs(user) -> tuple[dict, list[dict]]:
    buckets = selectors.todo_buckets(user)
    counts = selectors.todo_counts(user, buckets)
    names = sorted(buckets, key=lambda k: BUCKET_ORDER.index(k) if k in BUCKET_ORDER else 99)
    tabs = []
    for name in names:
        n = counts[name]
        css = "orange" if name == "due_soon" else "red"
        tabs.append(
            {
                "key": name,
                "label": selectors.BUCKET_LABELS.get(name, name),
                "count": n,
                "css": css if n else "grey",
            }
        )
    return buckets, tabs


@login_required
@domain_errors
def todo(request):
    """我的待办: the buckets of the user's role as tabs with counts, the chosen one as a table."""
    user = request.user
    require_case_role(user)
    buckets, tabs = todo_tabs(user)
    current = request.GET.get("bucket", "")
    if current not in buckets:
        current = next((t["key"] for t in tabs if t["count"]), tabs[0]["key"] if tabs else "")
    now = timezone.now()
    rows, next_cursor, bad = [], "", False
    if current:
        qs = buckets[current].select_related(*ROW_RELATED)
        found, next_cursor, bad = forms.keyset_page(qs, request.GET.get("after", ""))
        rows = case_rows(user, found, now)
    for t in tabs:
        t["active"] = t["key"] == current
    return render(
        request,
        "cases/todo.html",
        {
            "tabs": tabs,
            "current": current,
            "rows": rows,
            "next_cursor": next_cursor,
            "bad_cursor": bad,
            "is_continued": bool(request.GET.get("after")),
            "current_label": selectors.BUCKET_LABELS.get(current, current),
            "can_register": user.is_superuser or user.role in forms.INTAKE_ROLES,
        },
    )
