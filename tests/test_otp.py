"""Two-step verification (两步验证): the three administrators give an authenticator app's code at
every login; anyone else may turn it on. Enrolment shows a QR code and the key; the first right
code confirms the device; the gate comes after the forced password change."""

from __future__ import annotations

import time

import pytest
from django.test import Client

from zhili.core.models import AuditEvent

PASSWORD = "pass-Word-123"
pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def otp_on(settings):
    settings.ZHILI_OTP_REQUIRED_ROLES = ("sys_admin", "security_admin", "audit_admin")
    settings.ZHILI_OTP_REQUIRE_SUPERUSERS = True


def code_for(user, offset: int = 0) -> str:
    from django_otp.oath import TOTP
    from django_otp.plugins.otp_totp.models import TOTPDevice

    d = TOTPDevice.objects.filter(user=user).order_by("-confirmed", "-id").first()
    totp = TOTP(d.bin_key, d.step, d.t0, d.digits, d.drift)
    totp.time = totp.time + offset * d.step
    return f"{totp.token():0{d.digits}d}"


def logged_in(username: str, password: str = PASSWORD) -> Client:
    c = Client()
    assert c.post("/login/", {"username": username, "password": password}).status_code == 302
    return c


def test_an_administrator_enrols_an_authenticator_then_gives_a_code_at_every_login(users):
    admin = users["security_admin"]
    c = logged_in("security_admin")
    r = c.get("/admin/")
    assert r.status_code == 302 and r["Location"].startswith("/otp/?next=/admin/")
    assert c.get("/api/v1/cases").json()["errors"][0]["field"] == "otp"
    page = c.get("/otp/?next=/admin/").content.decode()
    assert 'data-testid="otp-qr"' in page and "<svg" in page and 'data-testid="otp-secret"' in page
    assert "两步验证" in page

    r = c.post("/otp/", {"code": "12ab56", "next": "/admin/"})
    assert r.status_code == 400 and "6 位" in r.content.decode()
    r = c.post("/otp/", {"code": code_for(admin, offset=-20), "next": "/admin/"})  # ten minutes old
    assert r.status_code == 400 and 'data-testid="otp-error"' in r.content.decode()
    assert c.get("/").status_code == 302  # still at the gate
    r = c.post("/otp/", {"code": code_for(admin), "next": "/admin/"})  # right, but at once after a wrong one
    assert r.status_code == 400 and "秒后再试" in r.content.decode()

    time.sleep(1.1)  # the throttle after one wrong code: 1 s (doubling with each further one)
    r = c.post("/otp/", {"code": code_for(admin), "next": "/admin/"})
    assert r.status_code == 302 and r["Location"] == "/admin/"
    assert c.get("/").status_code == 200
    assert AuditEvent.objects.filter(action="auth.otp_enrol", actor_id=admin.pk).count() == 1
    assert AuditEvent.objects.filter(action="auth.otp_verify", actor_id=admin.pk, result="failed").count() == 1

    # the next login: no QR code any more, only the code
    c2 = logged_in("security_admin")
    assert c2.get("/").status_code == 302
    page = c2.get("/otp/").content.decode()
    assert 'data-testid="otp-qr"' not in page and 'data-testid="otp-enrol"' not in page
    assert c2.post("/otp/", {"code": code_for(admin, offset=1)}).status_code == 302
    assert c2.get("/").status_code == 200


def test_other_roles_may_turn_it_on_and_are_then_asked_too(users):
    clerk = users["window_clerk"]
    c = logged_in("window_clerk")
    assert c.get("/").status_code == 200  # not required for a window clerk
    assert 'data-testid="otp-qr"' in c.get("/otp/").content.decode()
    assert c.get("/").status_code == 200  # an unconfirmed device changes nothing
    assert c.post("/otp/", {"code": code_for(clerk)}).status_code == 302
    c2 = logged_in("window_clerk")
    assert c2.get("/cases/").status_code == 302  # turned on: asked at the next login
    assert c2.post("/otp/", {"code": code_for(clerk, offset=1)}).status_code == 302
    assert c2.get("/cases/").status_code == 200


def test_a_new_administrator_changes_the_password_first_then_enrols(users, district):
    from conftest import make_user

    from zhili.core import services

    root = make_user("sys_admin", district["district"], username="root")
    root.is_superuser = True
    root.save()
    # 三员分立: an administrator's account is made by a superuser (or on the server), not by another administrator
    user, initial = services.create_staff(root, username="xin_audit", role="audit_admin",
                                          region_code=district["district"].code)
    c = logged_in("xin_audit", initial)
    assert c.get("/").headers["Location"].startswith("/password/")
    r = c.post("/password/", {"old_password": initial, "new_password1": "Au-dit-2026x", "new_password2": "Au-dit-2026x"})
    assert r.status_code == 302
    r = c.get("/", follow=True)
    assert r.redirect_chain[-1][0].startswith("/otp/") and 'data-testid="otp-qr"' in r.content.decode()
    assert c.post("/otp/", {"code": code_for(user)}).status_code == 302
    assert c.get("/").status_code == 200


def test_the_otp_page_needs_a_login(district):
    r = Client().get("/otp/")
    assert r.status_code == 302 and r["Location"].startswith("/login/")


def test_the_security_administrator_resets_a_lost_authenticator_within_scope(users, district):
    from conftest import make_user
    from django_otp.plugins.otp_totp.models import TOTPDevice

    from zhili.core import services
    from zhili.core.errors import Forbidden

    clerk, sec = users["window_clerk"], users["security_admin"]
    c = logged_in("window_clerk")
    c.get("/otp/")
    assert c.post("/otp/", {"code": code_for(clerk)}).status_code == 302
    assert TOTPDevice.objects.filter(user=clerk, confirmed=True).exists()

    admin = logged_in("security_admin")
    admin.get("/otp/")
    assert admin.post("/otp/", {"code": code_for(sec)}).status_code == 302
    r = admin.post("/admin/core/user/", {"action": "reset_otp", "_selected_action": [clerk.pk]})
    assert r.status_code == 302
    assert not TOTPDevice.objects.filter(user=clerk).exists()
    assert AuditEvent.objects.filter(action="auth.otp_reset", actor_id=sec.pk, object_id=str(clerk.pk)).exists()
    again = logged_in("window_clerk")
    assert 'data-testid="otp-enrol"' in again.get("/otp/").content.decode()  # sets up a new one

    # a street's security administrator cannot reset an account of the district
    street_sec = make_user("security_admin", district["s1"], username="s1_sec")
    with pytest.raises(Forbidden):
        services.reset_otp(street_sec, sec)
