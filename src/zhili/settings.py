"""Django settings for Zhili. Everything is configured by environment variables:

ZHILI_HOME, ZHILI_DATABASE_URL, ZHILI_SECRET_KEY, ZHILI_DEBUG, ZHILI_ALLOWED_HOSTS,
ZHILI_MAP_TILE_URL, ZHILI_DISTRICT_CODE, ZHILI_HTTPS, ZHILI_HSTS_SECONDS, ZHILI_TRUSTED_PROXIES …
(docs/operations.md lists them all).
"""

from __future__ import annotations

import os
from pathlib import Path
from urllib.parse import urlparse

from csp.constants import NONE, SELF, UNSAFE_EVAL, UNSAFE_INLINE
from django.utils.translation import gettext_lazy as _

from zhili import home as zhome

BASE_DIR = Path(__file__).resolve().parent
zhome.restrict()  # files this process makes are its user's only (0600 / 0700)
HOME = zhome.home()


def env_bool(name: str, default: bool = False) -> bool:
    value = os.environ.get(name)
    if value is None:
        return default
    return value.strip().lower() in ("1", "true", "yes", "on")


SECRET_KEY = zhome.secret_key()
DEBUG = env_bool("ZHILI_DEBUG", False)
ALLOWED_HOSTS = [h.strip() for h in os.environ.get("ZHILI_ALLOWED_HOSTS", "127.0.0.1,localhost,[::1]").split(",") if h.strip()]
CSRF_TRUSTED_ORIGINS = [o for o in os.environ.get("ZHILI_CSRF_TRUSTED_ORIGINS", "").split(",") if o]

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "csp",
    "django_otp",
    "django_otp.plugins.otp_totp",
    "axes",
    "django_tasks",
    "django_tasks_db",
    "zhili.core",
    "zhili.cases",
    "zhili.insight",
    "zhili.web",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "csp.middleware.CSPMiddleware",
    "zhili.web.middleware.NoStoreMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "zhili.web.middleware.SessionIdleMiddleware",
    "zhili.web.middleware.ChineseFirstLocaleMiddleware",
    "zhili.core.middleware.InputGuardMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django_otp.middleware.OTPMiddleware",
    "zhili.web.middleware.AccountGateMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "axes.middleware.AxesMiddleware",
]

ROOT_URLCONF = "zhili.urls"
WSGI_APPLICATION = "zhili.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.template.context_processors.i18n",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "zhili.web.context.shell",
                "zhili.cases.context.inbox",
            ],
        },
    },
]

if os.environ.get("ZHILI_DATABASE_URL"):
    DATABASES = {"default": zhome.parse_database_url(os.environ["ZHILI_DATABASE_URL"])}
else:
    DATABASES = {"default": zhome.sqlite_database(HOME / "zhili.sqlite3")}

# Django's cache is shared by every server process: it counts the public pages' filings and failed
# look-ups per phone and per network (cases.public_views), which a per-process memory would multiply
# by the number of processes and forget at each restart. Its table is made by a migration (core 0002).
CACHES = {"default": {"BACKEND": "django.core.cache.backends.db.DatabaseCache", "LOCATION": "zhili_cache",
                      "OPTIONS": {"MAX_ENTRIES": 100_000}}}

DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"
AUTH_USER_MODEL = "core.User"

PASSWORD_HASHERS = [
    "django.contrib.auth.hashers.Argon2PasswordHasher",
    "django.contrib.auth.hashers.PBKDF2PasswordHasher",
]
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator", "OPTIONS": {"min_length": 8}},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
# Two-step verification (两步验证): a six-digit code from an authenticator app (TOTP, RFC 6238) at
# every login for these roles (三员: system, security and audit administrators) and for superusers;
# anyone else may turn it on for themselves at /otp/. The security administrator resets a lost
# device in the back office.
ZHILI_OTP_REQUIRED_ROLES = tuple(r.strip() for r in os.environ.get(
    "ZHILI_OTP_REQUIRED_ROLES", "sys_admin,security_admin,audit_admin").split(",") if r.strip())
ZHILI_OTP_REQUIRE_SUPERUSERS = True
#: 回访未接通: after this many failed callback attempts the case closes as 无法联系 (its own count)
ZHILI_CALLBACK_ATTEMPTS = int(os.environ.get("ZHILI_CALLBACK_ATTEMPTS", "3"))
OTP_TOTP_ISSUER = "Zhili"

AUTHENTICATION_BACKENDS = [
    "axes.backends.AxesStandaloneBackend",
    "django.contrib.auth.backends.ModelBackend",
]

#: reverse proxies (IPs or CIDRs) whose X-Forwarded-For is believed (core/clientip.py); empty: none
ZHILI_TRUSTED_PROXIES = [p.strip() for p in os.environ.get("ZHILI_TRUSTED_PROXIES", "").split(",") if p.strip()]

# 等保 level-3 practice: lock after 5 failures for 30 minutes, 30-minute idle timeout.
AXES_FAILURE_LIMIT = 5
AXES_COOLOFF_TIME = 0.5  # hours
# By account *and* address: 5 failures lock that account from that address only, so nobody elsewhere
# can lock an account (the three administrators' included). Password spraying — a few tries at many
# accounts from one address — is stopped by a limit per address across accounts, set high because a
# service hall's windows share one public address behind NAT (web/lockout.py).
AXES_LOCKOUT_PARAMETERS = [["username", "ip_address"]]
AXES_HANDLER = "zhili.web.lockout.PairAndAddressHandler"
AXES_CLIENT_IP_CALLABLE = "zhili.core.clientip.axes_client_ip"
ZHILI_LOGIN_IP_FAILURE_LIMIT = int(os.environ.get("ZHILI_LOGIN_IP_FAILURE_LIMIT", "30"))
SILENCED_SYSTEM_CHECKS = ["axes.W006"]
AXES_RESET_ON_SUCCESS = True
AXES_LOCKOUT_CALLABLE = "zhili.web.views.axes_lockout"
AXES_ENABLED = env_bool("ZHILI_AXES", True)
SESSION_COOKIE_AGE = 30 * 60
# The idle clock restarts on activity, but the session row is written at most once a minute
# (zhili.web.middleware.SessionIdleMiddleware), not on every request: a big screen polling every
# 10 s would otherwise write its session six times a minute.
SESSION_SAVE_EVERY_REQUEST = False
ZHILI_SESSION_TOUCH_SECONDS = 60
SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_SAMESITE = "Lax"
SECURE_CONTENT_TYPE_NOSNIFF = True
X_FRAME_OPTIONS = "DENY"

# Production transport: behind a TLS proxy (nginx, a government gateway) set ZHILI_HTTPS=1. Cookies
# then go over HTTPS only, browsers are told to use HTTPS for a year (HSTS), plain HTTP is redirected,
# and the proxy's X-Forwarded-Proto says whether the client's request was HTTPS (the proxy must set
# it, overwriting any the client sent).
ZHILI_HTTPS = env_bool("ZHILI_HTTPS", False)
if ZHILI_HTTPS:
    SESSION_COOKIE_SECURE = True
    CSRF_COOKIE_SECURE = True
    SECURE_SSL_REDIRECT = True
    SECURE_HSTS_SECONDS = int(os.environ.get("ZHILI_HSTS_SECONDS", str(365 * 24 * 3600)))
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")


def _origin(url: str) -> str:
    """The origin of a tile URL template for the policy (``https://{s}.tiles.x/…`` → ``https://*.tiles.x``)."""
    parts = urlparse(url)
    if not parts.scheme or not parts.netloc:
        return ""
    return f"{parts.scheme}://{parts.netloc.replace('{s}', '*')}"


# Content-Security-Policy on every answer (django-csp). Scripts only from our own static files — no
# inline <script>, no on…= attributes. 'unsafe-eval' stays for Alpine.js: its standard build evaluates
# the x-data/@click expressions in the templates with Function(); its CSP build would need every
# expression rewritten as a registered component (docs/operations.md, "Security defaults").
# Styles allow 'unsafe-inline': Leaflet, ECharts and HTMX write style attributes and elements.
ZHILI_MAP_TILE_URL = os.environ.get("ZHILI_MAP_TILE_URL", "")
CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": [SELF],
        "script-src": [SELF, UNSAFE_EVAL],
        "script-src-attr": [NONE],
        "style-src": [SELF, UNSAFE_INLINE],
        "img-src": [SELF, "data:", "blob:", *filter(None, [_origin(ZHILI_MAP_TILE_URL)])],
        "font-src": [SELF, "data:"],
        "connect-src": [SELF],
        "object-src": [NONE],
        "base-uri": [SELF],
        "form-action": [SELF],
        "frame-ancestors": [NONE],
    },
}
LOGIN_URL = "login"
LOGIN_REDIRECT_URL = "home"
LOGOUT_REDIRECT_URL = "login"

LANGUAGE_CODE = "zh-hans"
LANGUAGES = [("zh-hans", "简体中文"), ("en", "English")]
LOCALE_PATHS = [BASE_DIR / "locale"]
TIME_ZONE = "Asia/Shanghai"
USE_I18N = True
USE_TZ = True

STATIC_URL = "static/"
STATIC_ROOT = HOME / "static"
MEDIA_URL = "media/"
MEDIA_ROOT = HOME / "media"
DATA_UPLOAD_MAX_MEMORY_SIZE = 20 * 1024 * 1024
# uploads (attachments, residents' photos) are the server user's only, whatever the umask
FILE_UPLOAD_PERMISSIONS = 0o600
FILE_UPLOAD_DIRECTORY_PERMISSIONS = 0o700

TASKS = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend"}}

ZHILI_DISTRICT_CODE = os.environ.get("ZHILI_DISTRICT_CODE", "370705")
ZHILI_FIELD_KEYS = zhome.field_keys()
ZHILI_CASE_PREFIX = os.environ.get("ZHILI_CASE_PREFIX", "KW")
#: the address residents reach the server at, for links in text messages (empty: the address served, core/links.py)
ZHILI_PUBLIC_URL = os.environ.get("ZHILI_PUBLIC_URL", "")
ZHILI_SMS_BACKEND = os.environ.get("ZHILI_SMS_BACKEND", "zhili.cases.notify.LogBackend")
ZHILI_SMS_URL = os.environ.get("ZHILI_SMS_URL", "")
ZHILI_SMS_TOKEN = os.environ.get("ZHILI_SMS_TOKEN", "")

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "root": {"handlers": ["console"], "level": os.environ.get("ZHILI_LOG_LEVEL", "WARNING")},
}

ROLE_LABELS_DOC = _("Roles are defined in zhili.core.policy")
