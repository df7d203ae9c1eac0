"""Chinese first: the language is the one the user chose with the switch, else LANGUAGE_CODE.

Django's LocaleMiddleware also follows the browser's Accept-Language, so an office PC with an
English Windows would show English to staff who never asked for it. This middleware ignores
Accept-Language; use it in place of ``django.middleware.locale.LocaleMiddleware``.
"""

from __future__ import annotations

import time
from urllib.parse import quote

from django.conf import settings
from django.contrib.auth import SESSION_KEY
from django.http import JsonResponse
from django.middleware.locale import LocaleMiddleware
from django.shortcuts import redirect
from django.urls import reverse
from django.utils import translation


class NoStoreMiddleware:
    """Pages and API answers carry personal data and what a user may see: no browser or proxy keeps
    them (``Cache-Control: no-store``), unless the view chose its own caching. Static files (served by
    granian's static route, or under STATIC_URL) stay cacheable."""

    def __init__(self, get_response):
        self.get_response = get_response
        self.static = "/" + settings.STATIC_URL.lstrip("/")

    def __call__(self, request):
        response = self.get_response(request)
        if not response.has_header("Cache-Control") and not request.path.startswith(self.static):
            response["Cache-Control"] = "no-store"
        return response


class SessionIdleMiddleware:
    """The 30-minute idle timeout without a session write per request: a request of a logged-in
    session restarts the idle clock (re-saves the session, with a new expiry and cookie) only when
    the last restart is ``ZHILI_SESSION_TOUCH_SECONDS`` (60) or more ago. A session thus ends 29–30
    minutes after its last request. Any request counts, the big screen's refresh included (a
    wall display stays logged in while it is shown)."""

    KEY = "_zhili_seen"

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        session = getattr(request, "session", None)
        if session is not None and session.session_key is not None and session.get(SESSION_KEY):
            now = int(time.time())
            seen = session.get(self.KEY, 0)
            if not isinstance(seen, int) or now - seen >= getattr(settings, "ZHILI_SESSION_TOUCH_SECONDS", 60):
                session[self.KEY] = now  # modified: SessionMiddleware saves it and sends the cookie again
        return self.get_response(request)


class ChineseFirstLocaleMiddleware(LocaleMiddleware):
    def process_request(self, request):
        chosen = request.COOKIES.get(settings.LANGUAGE_COOKIE_NAME)
        language = settings.LANGUAGE_CODE
        if chosen:
            try:
                language = translation.get_supported_language_variant(chosen)
            except LookupError:
                pass
        translation.activate(language)
        request.LANGUAGE_CODE = translation.get_language()


def needs_otp(user) -> bool:
    """Whether this account must give a one-time code at login (its role, superuser, or it turned it on)."""
    from django_otp import user_has_device

    if user.role in settings.ZHILI_OTP_REQUIRED_ROLES or (user.is_superuser and settings.ZHILI_OTP_REQUIRE_SUPERUSERS):
        return True
    return user_has_device(user, confirmed=True)


class AccountGateMiddleware:
    """Before anything else a logged-in account must (1) replace a password an administrator set
    (``must_change_password``: ``/password/``) and (2) give the code of its authenticator app when it
    needs one (``needs_otp``: ``/otp/``, enrolling first if it has no device). Pages redirect there
    and come back to where the user was going; the JSON API answers 403 naming the field
    (``password`` or ``otp``). Put it after AuthenticationMiddleware and OTPMiddleware."""

    OPEN = ("/password/", "/otp/", "/logout/", "/i18n/", "/static/", "/healthz")

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        user = getattr(request, "user", None)
        if user is None or not user.is_authenticated or request.path.startswith(self.OPEN):
            return self.get_response(request)
        if getattr(user, "must_change_password", False):
            return self._stop(request, "password", "请先修改管理员设置的初始密码",
                              "change the password an administrator set before anything else")
        if not user.is_verified() and needs_otp(user):
            return self._stop(request, "otp", "请先完成两步验证（输入验证器应用中的动态码）",
                              "give the code of your authenticator app first (two-step verification)")
        return self.get_response(request)

    @staticmethod
    def _stop(request, field: str, zh: str, en: str):
        if request.path.startswith("/api/"):
            return JsonResponse({"errors": [{"field": field, "message": zh, "message_en": en}]}, status=403)
        target = f"{reverse(field)}?next={quote(request.get_full_path())}"
        if request.headers.get("HX-Request"):
            response = JsonResponse({}, status=200)
            response["HX-Redirect"] = target
            return response
        return redirect(target)
