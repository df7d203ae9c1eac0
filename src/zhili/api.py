"""The JSON API at /api/v1/ (django-ninja). Each app contributes a router; errors are 4xx with the
field and a message in Chinese and English, never a 500."""

from __future__ import annotations

from django.core.exceptions import RequestDataTooBig
from django.http import Http404
from ninja import NinjaAPI
from ninja.errors import AuthenticationError, HttpError, ValidationError
from ninja.security import APIKeyHeader, HttpBearer, django_auth

from zhili.core.errors import ZhiliError


class BearerToken(HttpBearer):
    """``Authorization: Bearer zk_…`` — a personal API token (see /api/v1/tokens)."""

    def authenticate(self, request, token):
        from zhili.core.tokens import user_for_token

        user = user_for_token(token)
        if user is not None:
            request.user = user
        return user


class SessionAuth(APIKeyHeader):
    """The browser session, for pages that call the API (unsafe methods need the CSRF header)."""

    param_name = "X-CSRFToken"

    def __call__(self, request):
        return django_auth(request)

    def authenticate(self, request, key):  # pragma: no cover - __call__ overrides
        return None


api = NinjaAPI(
    title="Zhili 治理 API",
    version="1",
    description=(
        "市域社会治理平台 JSON API. Authenticate with a session cookie (browser) or "
        "`Authorization: Bearer <token>` (make one on the page /tokens/ or with POST /api/v1/tokens). "
        "Errors: `{\"errors\": [{\"field\", \"message\" (中文), \"message_en\"}]}` with a 4xx status."
    ),
    auth=[BearerToken(), SessionAuth()],
    urls_namespace="api",
    docs_url="/docs",
    openapi_url="/openapi.json",
)


def _errors(request, errors: list[dict], status: int):
    return api.create_response(request, {"errors": errors}, status=status)


@api.exception_handler(ZhiliError)
def _zhili_error(request, exc: ZhiliError):
    return _errors(request, exc.errors, exc.status)


@api.exception_handler(ValidationError)
def _validation_error(request, exc: ValidationError):
    out = []
    for e in exc.errors:
        loc = [str(p) for p in e.get("loc", []) if p not in ("body", "query", "path", "payload", "form")]
        field = ".".join(loc) or "body"
        kind = e.get("type", "")
        zh = {"missing": "必填", "int_parsing": "必须是整数", "float_parsing": "必须是数字",
              "string_too_long": "太长", "string_too_short": "太短", "enum": "取值不在允许范围内",
              "literal_error": "取值不在允许范围内", "date_from_datetime_parsing": "日期格式错误",
              "datetime_from_date_parsing": "时间格式错误", "json_invalid": "JSON 格式错误"}.get(kind, "格式不正确")
        out.append({"field": field, "message": f"{field}：{zh}", "message_en": f"{field}: {e.get('msg', 'invalid')}"})
    return _errors(request, out, 422)


@api.exception_handler(AuthenticationError)
def _auth_error(request, exc):
    return _errors(request, [{"field": "", "message": "请先登录或提供有效的 API 令牌", "message_en": "authentication required"}], 401)


@api.exception_handler(Http404)
def _not_found(request, exc):
    return _errors(request, [{"field": "", "message": "不存在或无权访问", "message_en": "not found"}], 404)


@api.exception_handler(RequestDataTooBig)
def _too_big(request, exc):
    from zhili.core.middleware import too_big

    return too_big(request)


@api.exception_handler(HttpError)
def _http_error(request, exc: HttpError):
    if exc.status_code == 400 and "parse" in str(exc).lower():
        return _errors(request, [{"field": "body", "message": "请求体不是有效的 JSON", "message_en": str(exc)}], 400)
    return _errors(request, [{"field": "", "message": str(exc), "message_en": str(exc)}], exc.status_code)


def _register_routers() -> None:
    from zhili.cases.api import notifications_router
    from zhili.cases.api import router as cases_router
    from zhili.core.api import router as core_router
    from zhili.core.schemas import declare_errors

    for prefix, router in (("/", core_router), ("/cases", cases_router), ("/notifications", notifications_router)):
        declare_errors(router)
        api.add_router(prefix, router)


_register_routers()
