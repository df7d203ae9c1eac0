"""Chinese first: the language is the one the user chose with the switch, else LANGUAGE_CODE.

Django's LocaleMiddleware also follows the browser's Accept-Language, so an office PC with an
English Windows would show English to staff who never asked for it. This middleware ignores
Accept-Language; use it in place of ``django.middleware.locale.LocaleMiddleware``.
"""

from __future__ import annotations

from django.conf import settings
from django.middleware.locale import LocaleMiddleware
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
