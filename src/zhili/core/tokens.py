"""Personal API tokens, as GitHub's and GitLab's personal access tokens (issue #13).

- A token is shown once; only its SHA-256 is stored. Its owner lists their tokens (name, prefix,
  created, last used, expires — never the secret) and revokes them: the page ``/tokens/`` and
  ``GET``/``DELETE /api/v1/tokens``.
- It lives at most ``MAX_DAYS`` (365) days, ``DEFAULT_DAYS`` (90) unless asked otherwise.
- A token stands for a password-equivalent login, so it gives way to the account's own gates:
  every token of an account is revoked when its password changes (by the user or reset by the
  security administrator), and refused while the account must change its password.
- Accounts whose role requires two-step verification (``ZHILI_OTP_REQUIRED_ROLES``, superusers with
  ``ZHILI_OTP_REQUIRE_SUPERUSERS``) can neither make nor use tokens: a token would let them skip the
  second factor. Accounts that turned two-step verification on by choice make tokens only from a
  session that gave its code (the login gate sees to that), and use them like anyone else.
- A request authenticated by a token cannot make another token (a leaked token cannot extend
  itself), see ``User.api_token_id``.
"""

from __future__ import annotations

import copy
import datetime as dt
import hashlib
import secrets
import time

from django.conf import settings
from django.db import transaction
from django.utils import timezone

from . import audit
from .errors import Forbidden, Invalid, NotFound
from .models import ApiToken, User

MAX_DAYS = 365
DEFAULT_DAYS = 90

#: a token's user is kept this long in each server process (its own revocation or the user's own
#: change is seen at once in the process that makes it, see ``forget_tokens``; in the others within this)
TOKEN_CACHE_SECONDS = 5.0
_tokens: dict[str, tuple[float, int, dt.datetime | None, User]] = {}


def otp_required_by_role(user) -> bool:
    """Whether the account's role (or superuser status) demands a second factor at every login."""
    return getattr(user, "role", None) in settings.ZHILI_OTP_REQUIRED_ROLES or (
        getattr(user, "is_superuser", False) and settings.ZHILI_OTP_REQUIRE_SUPERUSERS)


def _refused(field: str, zh: str, en: str) -> Forbidden:
    err = Forbidden(zh, en)
    err.errors[0]["field"] = field
    return err


def _gate(user) -> None:
    """Refuse an account that may not hold or use tokens right now (403 naming the field)."""
    if getattr(user, "must_change_password", False):
        raise _refused("password", "请先修改管理员设置的初始密码；在此之前 API 令牌不可用",
                       "change the password an administrator set first; until then API tokens are refused")
    if otp_required_by_role(user):
        raise _refused("otp", "您的角色要求两步验证，不能创建或使用 API 令牌",
                       "your role requires two-step verification: it cannot create or use API tokens")


@transaction.atomic
def issue(actor, *, name: str, days: int | None = DEFAULT_DAYS) -> tuple[ApiToken, str]:
    """A new token for the actor: (its row, the token itself — returned once, never stored)."""
    if actor is None or not actor.is_authenticated or not actor.is_active:
        raise Forbidden()
    if getattr(actor, "api_token_id", None):
        raise _refused("token", "用 API 令牌发起的请求不能创建新令牌，请登录网页创建",
                       "a request authenticated by an API token cannot create tokens; sign in to make one")
    _gate(actor)
    name = (name or "").strip()
    if not 1 <= len(name) <= 60:
        raise Invalid("name", "请填写令牌名称（1–60 个字）", "give the token a name (1–60 characters)")
    if days is None or not 1 <= days <= MAX_DAYS:
        raise Invalid("days", f"有效期为 1–{MAX_DAYS} 天", f"a token lives 1–{MAX_DAYS} days")
    raw, now = "zk_" + secrets.token_urlsafe(32), timezone.now()
    tok = ApiToken.objects.create(user=actor, name=name, prefix=raw[3:11],
                                  key_hash=hashlib.sha256(raw.encode()).hexdigest(),
                                  created_at=now, expires_at=now + dt.timedelta(days=days))
    audit.record(actor, "api_token.issue", tok, details={"name": name, "prefix": tok.prefix, "days": days})
    return tok, raw


def issue_api_token(actor, *, name: str, days: int | None = DEFAULT_DAYS) -> str:
    """The token itself (see :func:`issue`)."""
    return issue(actor, name=name, days=days)[1]


def of(actor):
    """The actor's own tokens, newest first (revoked and expired ones too, marked as such)."""
    if actor is None or not actor.is_authenticated:
        raise Forbidden()
    return ApiToken.objects.filter(user_id=actor.pk).order_by("-created_at", "-id")


def state(tok: ApiToken, now: dt.datetime | None = None) -> str:
    """``active``, ``expired`` or ``revoked``."""
    if tok.revoked:
        return "revoked"
    if tok.expires_at and tok.expires_at <= (now or timezone.now()):
        return "expired"
    return "active"


@transaction.atomic
def revoke(actor, token_id: int) -> ApiToken:
    """Revoke one of the actor's own tokens (another's, or none: 404). Revoking twice changes nothing."""
    tok = of(actor).select_for_update().filter(pk=token_id).first()
    if tok is None:
        raise NotFound("token")
    if not tok.revoked:
        tok.revoked, tok.revoked_at = True, timezone.now()
        tok.save(update_fields=["revoked", "revoked_at"])
        audit.record(actor, "api_token.revoke", tok, details={"name": tok.name, "prefix": tok.prefix})
    return tok


def revoke_all(user, *, reason: str) -> int:
    """Revoke every live token of ``user`` (their password changed); how many."""
    n = ApiToken.objects.filter(user_id=user.pk, revoked=False).update(revoked=True, revoked_at=timezone.now())
    forget_tokens()
    if n:
        audit.record(None, "api_token.revoke_all", user, details={"reason": reason, "tokens": n})
    return n


def forget_tokens(*_args, **_kwargs) -> None:
    """Empty this process's cache of tokens (a token or a user was saved or deleted)."""
    _tokens.clear()


def _usable(token_id: int, user: User) -> User:
    _gate(user)
    u = copy.copy(user)
    u.api_token_id = token_id  # the request came with a token: it may not mint another
    return u


def user_for_token(raw: str) -> User | None:
    """The active user of a valid, unrevoked, unexpired token, or None; a 403 (``Forbidden`` naming
    ``password`` or ``otp``) for an account that may not use tokens now. The answer is kept for
    ``TOKEN_CACHE_SECONDS``, and a copy is returned so that requests never share an instance."""
    key_hash = hashlib.sha256(raw.encode()).hexdigest()
    now_m = time.monotonic()
    hit = _tokens.get(key_hash)
    if hit is not None and now_m - hit[0] < TOKEN_CACHE_SECONDS:
        token_id, expires_at, user = hit[1], hit[2], hit[3]
        if expires_at and expires_at < timezone.now():
            return None
        return _usable(token_id, user)
    tok = (ApiToken.objects.select_related("user", "user__region", "user__organisation")
           .filter(key_hash=key_hash, revoked=False).first())
    if tok is None or not tok.user.is_active or (tok.expires_at and tok.expires_at < timezone.now()):
        _tokens.pop(key_hash, None)
        return None
    if len(_tokens) > 10_000:
        _tokens.clear()
    _tokens[key_hash] = (now_m, tok.pk, tok.expires_at, tok.user)
    user = _usable(tok.pk, tok.user)
    if tok.last_used_at is None or timezone.now() - tok.last_used_at > dt.timedelta(minutes=5):
        ApiToken.objects.filter(pk=tok.pk).update(last_used_at=timezone.now())
    return user
