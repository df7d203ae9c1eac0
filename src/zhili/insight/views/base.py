"""What every insight page shares: the dashboard permission, today's date in Asia/Shanghai, and a
refused filter's reason as a message (or, for a breakdown this filter cannot give, an empty table
with the reason)."""

from __future__ import annotations

import datetime as dt
import functools

from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.utils import timezone

from zhili.core.calendar import SHANGHAI
from zhili.core.errors import Invalid
from zhili.core.http import domain_errors
from zhili.core.policy import can


def dashboard(view):
    """Logged in and holding dashboard.view (leader, centre_admin, street_staff), else 403."""

    @login_required
    @domain_errors
    @functools.wraps(view)
    def wrapper(request, *args, **kwargs):
        if not (request.user.is_superuser or can(request.user, "dashboard.view")):
            raise PermissionDenied("dashboard.view")
        return view(request, *args, **kwargs)

    return wrapper


def today() -> dt.date:
    return timezone.now().astimezone(SHANGHAI).date()


def msg(exc: Invalid) -> str:
    return "；".join(e["message"] for e in exc.errors)


def safe(fn, *args, **kwargs):
    """A breakdown that this filter cannot give (unit × category …) is an empty table with the reason."""
    try:
        return fn(*args, **kwargs), ""
    except Invalid as exc:
        return [], msg(exc)
