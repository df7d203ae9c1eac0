"""API 令牌: the signed-in account's personal API tokens — list, create (the secret shown once, on the
answer to the POST, never stored or put in the session), revoke. The rules are ``core.tokens``'."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import get_language
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from zhili.core import tokens
from zhili.core.errors import Forbidden, Invalid
from zhili.core.http import domain_errors

LIFETIMES = (30, 90, 180, 365)


def _message(exc) -> str:
    err = exc.errors[0]
    return err["message"] if (get_language() or "zh").startswith("zh") else err["message_en"]


@login_required
def page(request):
    user = request.user
    created = error = None
    form = {"name": "", "days": tokens.DEFAULT_DAYS}
    if request.method == "POST":
        form["name"] = request.POST.get("name", "").strip()
        days = request.POST.get("days", "")
        form["days"] = int(days) if days.isdigit() else tokens.DEFAULT_DAYS
        try:
            tok, raw = tokens.issue(user, name=form["name"], days=int(days) if days.isdigit() else None)
            created = {"token": tok, "raw": raw}
            form["name"] = ""
        except (Invalid, Forbidden) as exc:
            error = _message(exc)
    now = timezone.now()
    rows = [{"token": t, "state": tokens.state(t, now)} for t in tokens.of(user)[:200]]
    return render(request, "web/tokens.html", {
        "rows": rows, "created": created, "error": error, "form": form, "lifetimes": LIFETIMES,
        "max_days": tokens.MAX_DAYS, "refused": tokens.otp_required_by_role(user),
    }, status=400 if error else 200)


@login_required
@require_POST
@domain_errors
def revoke(request, pk: int):
    tok = tokens.revoke(request.user, pk)
    messages.success(request, _("Token “%(name)s” revoked.") % {"name": tok.name})
    return redirect("tokens")
