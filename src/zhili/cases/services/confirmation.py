"""The resident's one-time confirmation link: issued (and texted) when a result is ready, and
checked when the link is opened."""

from __future__ import annotations

import datetime as dt
import hashlib
import secrets

from django.utils import timezone

from zhili.core.errors import Invalid, NotFound

from .. import notify
from ..models import Case, ConfirmationToken

CONFIRM_TTL = dt.timedelta(days=7)


def _hash(raw: str) -> str:
    return hashlib.sha256(raw.encode()).hexdigest()


def issue_confirmation(case: Case, now: dt.datetime) -> str:
    """A fresh one-time link for the reporter (and every merged case's reporters): older links stop working."""
    ConfirmationToken.objects.filter(case=case, used_at__isnull=True).update(used_at=now)
    raw = secrets.token_urlsafe(24)
    ConfirmationToken.objects.create(case=case, resident=case.reporter, key_hash=_hash(raw), created_at=now,
                                     expires_at=now + CONFIRM_TTL)
    notify.text_resident(case, case.reporter, f"【诉求办理】您的诉求 {case.number} 已办结，请确认是否解决：{notify.confirm_url(raw)}")
    for merged in case.merged_cases.select_related("reporter"):
        notify.text_resident(merged, merged.reporter,
                             f"【诉求办理】您的诉求 {merged.number} 已与 {case.number} 合并办理并已办结，请确认：{notify.confirm_url(raw)}")
    return raw


def token_case(raw: str, now: dt.datetime | None = None) -> ConfirmationToken:
    """The valid token for a link, or a clear refusal (expired, used, unknown)."""
    now = now or timezone.now()
    tok = ConfirmationToken.objects.select_related("case", "case__category").filter(key_hash=_hash(raw or "")).first()
    if tok is None:
        raise NotFound("token")
    if tok.used_at is not None:
        raise Invalid("token", "该链接已使用或已失效", "this link has already been used")
    if tok.expires_at < now:
        raise Invalid("token", "该链接已过期，请联系受理窗口", "this link has expired")
    return tok
