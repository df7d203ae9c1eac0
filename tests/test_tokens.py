"""Personal API tokens (issue #13 item 3): listed and revoked by their owner (page and API), at most a
year, revoked by a new password, refused while the password must change and to the roles that
require two-step verification, and never minted by a token."""

from __future__ import annotations

import datetime as dt
import importlib

import pytest
import time_machine
from django.test import Client
from django.utils import timezone

from zhili.core import services, tokens
from zhili.core.models import ApiToken, AuditEvent

pytestmark = pytest.mark.django_db

NOW = dt.datetime(2026, 11, 2, 9, 0, tzinfo=dt.UTC)


def bearer(raw: str) -> dict:
    return {"HTTP_AUTHORIZATION": f"Bearer {raw}"}


def session(user) -> Client:
    c = Client()
    c.force_login(user)
    return c


def error(r) -> dict:
    return r.json()["errors"][0]


# ---------------------------------------------------------------- list and revoke (API)


def test_the_api_lists_my_tokens_without_their_secret(users):
    me, other = users["street_staff"], users["community_staff"]
    raw = services.issue_api_token(me, name="热线对接", days=30)
    services.issue_api_token(me, name="旧脚本", days=30)
    services.issue_api_token(other, name="别人的", days=30)
    Client().get("/api/v1/me", **bearer(raw))  # marks it used
    r = session(me).get("/api/v1/tokens")
    assert r.status_code == 200
    rows = r.json()
    assert sorted(t["name"] for t in rows) == ["旧脚本", "热线对接"]
    used = next(t for t in rows if t["name"] == "热线对接")
    assert used["last_used_at"] and used["expires_at"] and used["created_at"] and used["state"] == "active"
    assert used["prefix"] == raw[3:11]
    assert raw not in r.content.decode() and "key_hash" not in r.content.decode()
    assert "token" not in used


def test_the_api_revokes_my_token_and_only_mine(users):
    me, other = users["street_staff"], users["community_staff"]
    raw = services.issue_api_token(me, name="热线对接", days=30)
    theirs = tokens.issue(other, name="别人的", days=30)[0]
    mine = ApiToken.objects.get(user=me)
    c = session(me)
    assert c.delete(f"/api/v1/tokens/{theirs.pk}").status_code == 404
    assert not ApiToken.objects.get(pk=theirs.pk).revoked
    assert c.delete(f"/api/v1/tokens/{mine.pk}").status_code == 204
    assert Client().get("/api/v1/me", **bearer(raw)).status_code == 401
    listed = c.get("/api/v1/tokens").json()[0]
    assert listed["state"] == "revoked" and listed["revoked_at"]
    assert AuditEvent.objects.filter(action="api_token.revoke", object_id=str(mine.pk)).exists()


# ---------------------------------------------------------------- the page


def test_the_page_creates_shows_once_lists_and_revokes(users):
    me = users["street_staff"]
    c = session(me)
    page = c.get("/tokens/")
    assert page.status_code == 200 and "tokens-link" in page.content.decode()
    assert "创建令牌" in page.content.decode() and "您还没有 API 令牌" in page.content.decode()  # Chinese first
    r = c.post("/tokens/", {"name": "热线对接", "days": "30"})
    assert r.status_code == 200
    body = r.content.decode()
    raw = body.split('data-testid="token-secret">', 1)[1].split("<", 1)[0]
    assert raw.startswith("zk_") and Client().get("/api/v1/me", **bearer(raw)).status_code == 200
    again = c.get("/tokens/").content.decode()
    assert "热线对接" in again and raw[:11] in again and raw not in again  # the prefix, never the secret
    tok = ApiToken.objects.get(user=me)
    assert tok.expires_at - tok.created_at == dt.timedelta(days=30)
    r = c.post(f"/tokens/{tok.pk}/revoke/")
    assert r.status_code == 302
    assert Client().get("/api/v1/me", **bearer(raw)).status_code == 401
    assert "已吊销" in c.get("/tokens/").content.decode()
    other = tokens.issue(users["community_staff"], name="别人的", days=30)[0]
    assert c.post(f"/tokens/{other.pk}/revoke/").status_code == 404


def test_the_page_refuses_a_lifetime_over_a_year(users):
    r = session(users["street_staff"]).post("/tokens/", {"name": "十年", "days": "3650"})
    assert r.status_code == 400 and "有效期为 1–365 天" in r.content.decode()
    assert not ApiToken.objects.exists()


# ---------------------------------------------------------------- lifetime


def test_a_token_lives_90_days_by_default_and_at_most_a_year(users):
    c = session(users["street_staff"])
    with time_machine.travel(NOW, tick=False):
        r = c.post("/api/v1/tokens", {"name": "默认"}, content_type="application/json")
        assert r.status_code == 201
        assert dt.datetime.fromisoformat(r.json()["expires_at"]) == NOW + dt.timedelta(days=90)
        r = c.post("/api/v1/tokens", {"name": "一年", "days": 365}, content_type="application/json")
        assert r.status_code == 201
        r = c.post("/api/v1/tokens", {"name": "十年", "days": 3650}, content_type="application/json")
        assert r.status_code == 422 and error(r)["field"].endswith("days")  # the schema's bound, declared in OpenAPI
    with pytest.raises(Exception, match="1–365"):
        services.issue_api_token(users["street_staff"], name="永久", days=None)


def test_the_upgrade_caps_tokens_made_to_live_longer(users):
    cap = importlib.import_module("zhili.core.migrations.0003_apitoken_revoked_at").cap_lifetimes
    from django.apps import apps

    me = users["street_staff"]
    with time_machine.travel(NOW, tick=False):
        forever = ApiToken.objects.create(user=me, name="永久", prefix="a" * 8, key_hash="a" * 64, expires_at=None)
        decade = ApiToken.objects.create(user=me, name="十年", prefix="b" * 8, key_hash="b" * 64,
                                         expires_at=NOW + dt.timedelta(days=3650))
        month = ApiToken.objects.create(user=me, name="一月", prefix="c" * 8, key_hash="c" * 64,
                                        expires_at=NOW + dt.timedelta(days=30))
        cap(apps, None)
    for tok, days in ((forever, 90), (decade, 90), (month, 30)):
        tok.refresh_from_db()
        assert tok.expires_at == NOW + dt.timedelta(days=days), tok.name


# ---------------------------------------------------------------- passwords


def test_a_password_reset_by_the_security_administrator_revokes_the_tokens(users, client):
    me = users["street_staff"]
    raw = services.issue_api_token(me, name="热线对接", days=30)
    client.force_login(users["security_admin"])
    r = client.post(f"/admin/core/user/{me.pk}/password/",
                    {"usable_password": "true", "password1": "Reset-pass-4567", "password2": "Reset-pass-4567"})
    assert r.status_code == 302, r.content.decode()[:2000]
    assert Client().get("/api/v1/me", **bearer(raw)).status_code == 401
    assert ApiToken.objects.get(user=me).revoked
    assert AuditEvent.objects.filter(action="api_token.revoke_all", object_id=str(me.pk)).exists()


def test_changing_ones_own_password_revokes_the_tokens(users):
    me = users["street_staff"]
    raw = services.issue_api_token(me, name="热线对接", days=30)
    services.change_own_password(me, new_password="New-pass-7890")
    assert Client().get("/api/v1/me", **bearer(raw)).status_code == 401


def test_logging_in_does_not_revoke_the_tokens(users):
    me = users["street_staff"]
    raw = services.issue_api_token(me, name="热线对接", days=30)
    assert Client().post("/login/", {"username": me.username, "password": "pass-Word-123"}).status_code == 302
    assert Client().get("/api/v1/me", **bearer(raw)).status_code == 200


def test_a_token_is_refused_while_the_password_must_change(users):
    me = users["street_staff"]
    raw = services.issue_api_token(me, name="热线对接", days=30)
    me.must_change_password = True
    me.save(update_fields=["must_change_password"])
    r = Client().get("/api/v1/me", **bearer(raw))
    assert r.status_code == 403 and error(r)["field"] == "password" and "修改" in error(r)["message"]
    with pytest.raises(Exception, match="password"):
        services.issue_api_token(me, name="另一个", days=30)


# ---------------------------------------------------------------- two-step verification


@pytest.mark.parametrize("role", ["sys_admin", "security_admin", "audit_admin"])
def test_roles_with_two_step_verification_cannot_make_or_use_tokens(users, settings, role):
    admin = users[role]
    raw = services.issue_api_token(admin, name="之前的", days=30)  # made before the rule applied
    settings.ZHILI_OTP_REQUIRED_ROLES = ("sys_admin", "security_admin", "audit_admin")
    tokens.forget_tokens()
    r = Client().get("/api/v1/me", **bearer(raw))
    assert r.status_code == 403 and error(r)["field"] == "otp" and "两步验证" in error(r)["message"]
    with pytest.raises(Exception, match="two-step"):
        services.issue_api_token(admin, name="新的", days=30)


def test_others_still_may(users, settings):
    settings.ZHILI_OTP_REQUIRED_ROLES = ("sys_admin", "security_admin", "audit_admin")
    raw = services.issue_api_token(users["window_clerk"], name="窗口", days=30)
    assert Client().get("/api/v1/me", **bearer(raw)).status_code == 200


# ---------------------------------------------------------------- a token cannot mint a token


def test_a_token_cannot_mint_a_token(users):
    raw = services.issue_api_token(users["street_staff"], name="热线对接", days=30)
    c = Client(**bearer(raw))
    r = c.post("/api/v1/tokens", {"name": "十年", "days": 365}, content_type="application/json")
    assert r.status_code == 403 and error(r)["field"] == "token"
    assert ApiToken.objects.filter(user=users["street_staff"]).count() == 1
    assert c.get("/api/v1/tokens").status_code == 200  # listing and revoking with a token stay allowed


def test_a_cached_token_cannot_mint_a_token_either(users):
    raw = services.issue_api_token(users["street_staff"], name="热线对接", days=30)
    c = Client(**bearer(raw))
    assert c.get("/api/v1/me").status_code == 200  # now in this process's cache
    r = c.post("/api/v1/tokens", {"name": "又一个"}, content_type="application/json")
    assert r.status_code == 403 and error(r)["field"] == "token"


def test_expiry_is_checked_against_the_clock(users):
    with time_machine.travel(NOW, tick=False):
        raw = services.issue_api_token(users["street_staff"], name="短", days=1)
        assert Client().get("/api/v1/me", **bearer(raw)).status_code == 200
    tokens.forget_tokens()
    with time_machine.travel(NOW + dt.timedelta(days=1, seconds=1), tick=False):
        assert Client().get("/api/v1/me", **bearer(raw)).status_code == 401
        assert tokens.state(ApiToken.objects.get(name="短"), timezone.now()) == "expired"
