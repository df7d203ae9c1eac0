"""The guard on every request's typed input, before any view reads it (``core.inputs``).

Every query string and form value (page or API) is plain text with no NUL or other control
character, of at most ``inputs.MAX_VALUE`` characters (a page's query parameter:
``inputs.MAX_QUERY_VALUE``), and on a page a number only if a database can hold it (the API's
parameters declare their ranges in its schema);
a body larger than ``DATA_UPLOAD_MAX_MEMORY_SIZE`` is answered 413. The answer names the field:
``{"errors": [{"field", "message", "message_en"}]}`` under /api/, a short page elsewhere. Each
form's own limits (a title's 120 characters …) are its service's, checked with the same
``inputs.text_error``; JSON bodies are checked by the schemas' ``inputs.Text`` types.
"""

from __future__ import annotations

from django.conf import settings
from django.core.exceptions import RequestDataTooBig, TooManyFieldsSent
from django.http import HttpResponse, JsonResponse
from django.utils.html import format_html, format_html_join

from . import inputs

_FORMS = ("application/x-www-form-urlencoded", "multipart/form-data")


def error_response(request, errors: list[dict], status: int) -> HttpResponse:
    """The API's error format under /api/, a short page naming the fields elsewhere."""
    if request.path.startswith("/api/"):
        return JsonResponse({"errors": errors}, status=status, json_dumps_params={"ensure_ascii": False})
    items = format_html_join("", "<li><code>{}</code>：{} <span lang=\"en\">({})</span></li>",
                             ((e["field"], e["message"], e["message_en"]) for e in errors))
    body = format_html("<!doctype html><html lang=\"zh-Hans\"><head><meta charset=\"utf-8\"><title>{}</title></head>"
                       "<body><h1>{}</h1><ul>{}</ul><p><a href=\"javascript:history.back()\">返回</a></p></body></html>",
                       "输入有误", "输入有误 · Invalid input", items)
    return HttpResponse(body, status=status)


def too_big(request) -> HttpResponse:
    limit = settings.DATA_UPLOAD_MAX_MEMORY_SIZE // (1024 * 1024)
    return error_response(request, [{"field": "body", "message": f"请求体太大（上限 {limit} MB）",
                                     "message_en": f"the request body is too large (limit {limit} MB)"}], 413)


class InputGuardMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        content_type = (request.META.get("CONTENT_TYPE") or "").split(";")[0].strip().lower()
        try:
            length = int(request.META.get("CONTENT_LENGTH") or 0)
        except ValueError:
            length = 0
        limit = settings.DATA_UPLOAD_MAX_MEMORY_SIZE
        if limit is not None and length > limit and content_type != "multipart/form-data":
            return too_big(request)
        api = request.path.startswith("/api/")
        try:
            # the API's parameters declare their lengths and ranges in its schema (ninja answers 422)
            errors = inputs.request_errors(request.GET, max_length=inputs.MAX_VALUE if api else inputs.MAX_QUERY_VALUE,
                                           numbers=not api)
            if request.method == "POST" and content_type in _FORMS:
                errors += inputs.request_errors(request.POST)
        except RequestDataTooBig:
            return too_big(request)
        except TooManyFieldsSent:
            errors = [{"field": "body", "message": "字段太多", "message_en": "too many fields"}]
        if errors:  # the API answers bad parameters 422, as its schema's validation does
            return error_response(request, errors, 422 if api else 400)
        return self.get_response(request)
