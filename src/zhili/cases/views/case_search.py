"""Case search (案件查询): the filters (also those of the Excel export), their choices, and the
search page in keyset pages."""

from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.shortcuts import render
from django.utils import timezone
from django.utils.translation import gettext as _

from zhili.core import selectors as core_selectors
from zhili.core.errors import Forbidden
from zhili.core.http import domain_errors

from .. import forms, selectors
from ..workflow import STATES
from .common import EXPORT_MAX_ROWS, ROW_RELATED, case_rows, require_case_role, sees_full_phone


def filtered(request):
    return filtered_for(request.user, request.GET)


def filtered_for(user, params):
    """The actor's cases (their scope, as every read) under the search page's filters ``params`` (a
    QueryDict), or one to-do list's (``bucket``); with the filters' errors."""
    f = forms.parse_filters(params)
    bucket = params.get("bucket", "")
    if bucket:
        buckets = selectors.todo_buckets(user)
        if bucket not in buckets:
            f.errors.append({"field": "bucket", "message": _("This to-do list does not apply to your role")})
            return selectors.cases_for(user).none(), f
        qs = buckets[bucket]
    else:
        qs = selectors.cases_for(user)
    qs = forms.apply_filters(qs, f, user, sees_confidential=sees_full_phone(user))
    return qs, f


def _filter_choices(user) -> dict:
    try:
        regions = list(
            core_selectors.regions(user).filter(level__in=("street", "community")).select_related("parent")
        )
    except Forbidden:
        regions = []
    return {
        "states": list(STATES.items()),
        "channels": forms.channel_choices(),
        "case_types": forms.case_type_choices(),
        "tiers": forms.tier_choices(),
        "categories": forms.category_options(),
        "units": forms.unit_groups(),
        "regions": regions,
    }


@login_required
@domain_errors
def search(request):
    """案件查询: filters above a table, keyset pages (下一页 carries the cursor), 导出 Excel of the same filters."""
    user = request.user
    require_case_role(user)
    qs, f = filtered(request)
    found, next_cursor, bad = forms.keyset_page(qs.select_related(*ROW_RELATED), request.GET.get("after", ""))
    if bad:
        f.errors.append(
            {
                "field": "after",
                "message": _("The page link is no longer valid: start again from the first page"),
            }
        )
    params = request.GET.copy()
    params.pop("after", None)
    first_query = params.urlencode()
    next_query = ""
    if next_cursor:
        params["after"] = next_cursor
        next_query = params.urlencode()
    return render(
        request,
        "cases/search.html",
        {
            "rows": case_rows(user, found, timezone.now()),
            "f": f.values,
            "filter_errors": f.errors,
            "filtered": f.active,
            "next_query": next_query,
            "first_query": first_query,
            "is_continued": bool(request.GET.get("after")),
            **_filter_choices(user),
            "export_query": first_query,
            "export_max": EXPORT_MAX_ROWS,
        },
        status=400 if f.errors else 200,
    )
