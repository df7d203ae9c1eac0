"""Chinese first: the language is the one the user chose with the switch, else LANGUAGE_CODE.

Django's LocaleMiddleware also follows the browser's Accept-Language, so an office PC with an
English Windows would show English to staff who never asked for it. This middleware ignores
Accept-Language; use it in place of ``django.middleware.locale.LocaleMiddleware``.
"""

from __future__ import annotations

from urllib.parse import quote

from django.conf import settings
from django.http import JsonResponse
from django.middleware.locale import LocaleMiddleware
from django.shortcuts import redirect
from django.urls import reverse
from django.utils import translation


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


class MustChangePasswordMiddleware:
    """An account whose password an administrator set (a new account, a reset: ``must_change_password``)
    can do nothing but choose its own password and log out: pages redirect to ``/password/``,
    the JSON API answers 403 naming the field ``password``. Put it after AuthenticationMiddleware."""

    OPEN = ("/password/", "/logout/", "/i18n/", "/static/", "/healthz")

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        user = getattr(request, "user", None)
        if (user is not None and user.is_authenticated and getattr(user, "must_change_password", False)
                and not request.path.startswith(self.OPEN)):
            if request.path.startswith("/api/"):
                return JsonResponse({"errors": [{"field": "password", "message": "请先修改管理员设置的初始密码",
                                                 "message_en": "change the password an administrator set before anything else"}]},
                                    status=403)
            target = f"{reverse('password')}?next={quote(request.get_full_path())}"
            if request.headers.get("HX-Request"):
                response = JsonResponse({}, status=200)
                response["HX-Redirect"] = target
                return response
            return redirect(target)
        return self.get_response(request)
