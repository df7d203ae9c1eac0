"""``/c/<token>/``: a resident confirms a result through the one-time link sent by text (solved?
satisfied?), then the thank-you page; the friendly page of a link that cannot be used. These
pages carry a secret in the URL: no caching, no Referer, and a plain link as language switch."""

from __future__ import annotations

from django.conf import settings
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.dateformat import format as date_format
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_http_methods

from zhili.core.errors import Invalid, NotFound

from .. import services
from ..models import Satisfaction
from .common import clean, hall_contact, is_english, message
from .limits import LIMITS

SESSION_CONFIRMED = "public_confirmed"


def _day(when) -> str:
    """A date as residents write it: 2026年11月26日 (26 Nov 2026 in English)."""
    d = timezone.localtime(when)
    return date_format(d, "j M Y") if is_english() else f"{d.year}年{d.month}月{d.day}日"


def _lang_redirect(request):
    """``?lang=en`` / ``?lang=zh-hans``: the language switch of the pages whose referrer policy rules out
    a POST form (see ``confirm``). Sets the same cookie as Django's set_language and drops the query."""
    lang = request.GET.get("lang") if request.method == "GET" else None
    if not lang or lang not in dict(settings.LANGUAGES):
        return None
    resp = redirect(request.path)
    resp.set_cookie(settings.LANGUAGE_COOKIE_NAME, lang, max_age=settings.LANGUAGE_COOKIE_AGE,
                    path=settings.LANGUAGE_COOKIE_PATH, domain=settings.LANGUAGE_COOKIE_DOMAIN,
                    secure=settings.LANGUAGE_COOKIE_SECURE, httponly=settings.LANGUAGE_COOKIE_HTTPONLY,
                    samesite=settings.LANGUAGE_COOKIE_SAMESITE)
    return _private(resp)


def _private(resp: HttpResponse) -> HttpResponse:
    """No caching anywhere and no Referer to anyone: the URL carries a secret."""
    resp["Cache-Control"] = "no-store, no-cache, must-revalidate, private, max-age=0"
    resp["Referrer-Policy"] = "no-referrer"
    resp["X-Robots-Tag"] = "noindex, nofollow"
    return resp


def _gone(request, kind: str):
    """The friendly page for a link that cannot be used; it says nothing about the case."""
    status = 404 if kind == "unknown" else 410
    resp = render(request, "public/link_gone.html", {"kind": kind, "hall": hall_contact()}, status=status)
    return _private(resp)


def _token_problem(exc: Invalid) -> str:
    return "expired" if "expired" in (exc.errors[0].get("message_en") or "") else "used"


@csrf_exempt
@require_http_methods(["GET", "POST"])
def confirm(request, token: str):
    """The resident answers: solved? satisfied? Not solved or not satisfied reopens the case.

    The page is served with ``Referrer-Policy: no-referrer`` so the link never reaches anyone else.
    Under that policy browsers send ``Origin: null`` with a same-origin form POST, which Django's CSRF
    check refuses; the form is exempt instead: the unguessable one-time token in the URL is itself the
    proof that the request comes from the resident's page (a third party cannot forge a POST to a URL it
    does not know, and one that knows it needs no forgery). The language switch here is a plain link.
    """
    switched = _lang_redirect(request)
    if switched is not None:
        return switched
    try:
        tok = services.token_case(token)
    except NotFound:
        return _gone(request, "unknown")
    except Invalid as exc:
        return _gone(request, _token_problem(exc))
    case = tok.case
    values = {"solved": "", "satisfaction": "", "comment": ""}
    errors: dict[str, str] = {}
    status = 200
    if request.method == "POST":
        values = {"solved": request.POST.get("solved", ""), "satisfaction": request.POST.get("satisfaction", ""),
                  "comment": clean(request.POST.get("comment"))}
        if values["solved"] not in ("yes", "no"):
            errors["solved"] = _("Please say whether the problem is solved.")
        if values["satisfaction"] not in Satisfaction.values:
            errors["satisfaction"] = _("Please say how satisfied you are.")
        if len(values["comment"]) > LIMITS["comment"]:
            errors["comment"] = _("At most %(n)s characters.") % {"n": LIMITS["comment"]}
        elif not values["comment"] and (values["solved"] == "no" or values["satisfaction"] == "unsatisfied"):
            errors["comment"] = _("Please tell us what is still wrong: it goes to the unit that handles it again.")
        if not errors:
            try:
                result = services.confirm_by_resident(token, solved=values["solved"] == "yes",
                                                      satisfaction=values["satisfaction"], comment=values["comment"])
            except NotFound:
                return _gone(request, "unknown")
            except Invalid as exc:
                if exc.errors[0]["field"] in ("token", "state"):
                    return _gone(request, _token_problem(exc) if exc.errors[0]["field"] == "token" else "used")
                for e in exc.errors:
                    errors.setdefault(e["field"] if e["field"] in values else "form", message(e))
            else:
                c = result.case
                request.session[SESSION_CONFIRMED] = {"number": c.number, "closed": c.state == "closed"}
                return _private(redirect("public:confirmed"))
        status = 400
    ctx = {"case": case, "values": values, "errors": errors, "token": token,
           "satisfactions": Satisfaction.choices, "expires_on": _day(tok.expires_at)}
    return _private(render(request, "public/confirm.html", ctx, status=status))


@never_cache
def confirmed(request):
    done = request.session.get(SESSION_CONFIRMED)
    if not done:
        return redirect("public:track")
    return _private(render(request, "public/confirmed.html", {"done": done, "hall": hall_contact()}))
