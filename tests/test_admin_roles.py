"""三员分立 in the back office (#13 item 1): nobody changes his own role, scope or second factor; the
administrators' accounts are changed by a superuser (or on the server), never by each other; no
account is given a region or organisation outside the scope of the one who gives it."""

from __future__ import annotations

import pytest
from adminkit import form_values
from conftest import make_user
from django.test import Client
from django_otp.plugins.otp_totp.models import TOTPDevice

from zhili.core import services
from zhili.core.errors import Forbidden, Invalid
from zhili.core.models import Organisation, User

pytestmark = pytest.mark.django_db


def login(user) -> Client:
    """Logged in, and past the second step if the account has an authenticator."""
    from django_otp import DEVICE_ID_SESSION_KEY

    c = Client()
    c.force_login(user)
    device = TOTPDevice.objects.filter(user=user, confirmed=True).first()
    if device is not None:
        session = c.session
        session[DEVICE_ID_SESSION_KEY] = device.persistent_id
        session.save()
    return c


def change(client: Client, user: User, **changes):
    """Post the account's change form as shown, with ``changes``."""
    url = f"/admin/core/user/{user.pk}/change/"
    page = client.get(url)
    if page.status_code != 200:
        return page
    data = form_values(page.content.decode())
    data.update({k: str(v) for k, v in changes.items()})
    return client.post(url, data)


@pytest.fixture
def root(district):
    u = make_user("sys_admin", district["district"], username="root")
    u.is_superuser = True
    u.save()
    return u


@pytest.fixture
def devices(users):
    return {r: TOTPDevice.objects.create(user=users[r], name="phone", confirmed=True)
            for r in ("sys_admin", "security_admin", "audit_admin", "window_clerk")}


def test_the_security_administrator_cannot_make_himself_a_business_role(users, district):
    sec = users["security_admin"]
    c = login(sec)
    assert c.get(f"/admin/core/user/{sec.pk}/change/").status_code == 404
    r = c.post(f"/admin/core/user/{sec.pk}/change/", {"username": sec.username, "role": "centre_admin",
                                                      "region": district["district"].pk, "is_active": "on"})
    assert r.status_code == 404
    sec.refresh_from_db()
    assert sec.role == "security_admin"


def test_nobody_changes_his_own_role_scope_or_second_factor_not_even_a_superuser(root, district):
    TOTPDevice.objects.create(user=root, name="phone", confirmed=True)
    c = login(root)
    r = change(c, root, role="centre_admin", region=district["s1"].pk, display_name="根")
    assert r.status_code == 302  # the rest of the form saves; role and scope are read-only here
    root.refresh_from_db()
    assert (root.role, root.region_id, root.display_name) == ("sys_admin", district["district"].pk, "根")
    assert c.get(f"/admin/core/user/{root.pk}/password/").status_code == 403  # his own: /password/
    r = c.post("/admin/core/user/", {"action": "reset_otp", "_selected_action": [root.pk]})
    assert r.status_code == 302 and "/otp/" not in r["Location"]
    assert TOTPDevice.objects.filter(user=root).exists()
    with pytest.raises(Forbidden):
        services.reset_otp(root, root)


def test_the_security_administrator_cannot_touch_the_auditors_account(users, devices):
    sec, auditor = users["security_admin"], users["audit_admin"]
    c = login(sec)
    assert c.get("/admin/core/user/").status_code == 200
    for other in ("audit_admin", "sys_admin"):
        pk = users[other].pk
        assert c.get(f"/admin/core/user/{pk}/change/").status_code == 404
        assert c.get(f"/admin/core/user/{pk}/password/").status_code == 404
        assert c.post(f"/admin/core/user/{pk}/password/", {"password1": "Ne-w-pass-2026", "password2": "Ne-w-pass-2026",
                                                           "usable_password": "true"}).status_code == 404
    listed = set(c.get("/admin/core/user/").context["cl"].result_list.values_list("pk", flat=True))
    assert users["window_clerk"].pk in listed and not {auditor.pk, users["sys_admin"].pk, sec.pk} & listed
    c.post("/admin/core/user/", {"action": "reset_otp", "_selected_action": [auditor.pk, users["sys_admin"].pk]})
    assert TOTPDevice.objects.filter(user=auditor).exists() and TOTPDevice.objects.filter(user=users["sys_admin"]).exists()
    auditor.refresh_from_db()
    assert auditor.check_password("pass-Word-123")
    with pytest.raises(Forbidden):
        services.reset_otp(sec, auditor)
    # a business account of his scope: he resets it
    c.post("/admin/core/user/", {"action": "reset_otp", "_selected_action": [users["window_clerk"].pk]})
    assert not TOTPDevice.objects.filter(user=users["window_clerk"]).exists()


def test_the_security_administrator_gives_business_roles_only(users, district):
    c = login(users["security_admin"])
    clerk = users["window_clerk"]
    r = change(c, clerk, role="audit_admin")
    assert r.status_code == 200 and "role" in r.context["adminform"].form.errors
    clerk.refresh_from_db()
    assert clerk.role == "window_clerk"
    r = c.post("/admin/core/user/add/", {"username": "new_auditor", "password1": "Xy-z-2026-pass", "password2": "Xy-z-2026-pass",
                                         "usable_password": "true", "role": "audit_admin", "region": district["district"].pk})
    assert r.status_code == 200 and not User.objects.filter(username="new_auditor").exists()
    with pytest.raises(Invalid):
        services.create_staff(users["security_admin"], username="x_audit", role="audit_admin", region_code=district["district"].code)


def test_no_account_is_given_a_region_or_organisation_outside_the_givers_scope(users, district, hall):
    street_sec = make_user("security_admin", district["s1"], username="s1_sec")
    worker = make_user("grid_worker", district["g111"], username="gw")
    c = login(street_sec)
    for field, value in (("region", district["district"].pk), ("region", district["s2"].pk), ("organisation", hall["centre"].pk)):
        r = change(c, worker, **{field: value})
        assert r.status_code == 200 and field in r.context["adminform"].form.errors, field
        worker.refresh_from_db()
        assert (worker.region_id, worker.organisation_id) == (district["g111"].pk, None)
    # within his scope he may
    r = change(c, worker, region=district["c11"].pk, organisation=hall["s1_office"].pk)
    assert r.status_code == 302
    worker.refresh_from_db()
    assert (worker.region_id, worker.organisation_id) == (district["c11"].pk, hall["s1_office"].pk)
    r = c.post("/admin/core/user/add/", {"username": "xin", "password1": "Xy-z-2026-pass", "password2": "Xy-z-2026-pass",
                                         "usable_password": "true", "role": "grid_worker", "region": district["g112"].pk})
    assert r.status_code == 302 and User.objects.get(username="xin").must_change_password
    # a new account: the same rule
    r = c.post("/admin/core/user/add/", {"username": "wide", "password1": "Xy-z-2026-pass", "password2": "Xy-z-2026-pass",
                                         "usable_password": "true", "role": "centre_admin", "region": district["district"].pk})
    assert r.status_code == 200 and not User.objects.filter(username="wide").exists()
    with pytest.raises(Invalid):
        services.create_staff(street_sec, username="wide2", role="window_clerk", region_code=district["s1"].code,
                              organisation=Organisation.objects.get(code="centre"))


def test_a_superuser_changes_an_administrators_account(root, users, devices, district):
    c = login(root)
    auditor = users["audit_admin"]
    r = change(c, auditor, region=district["s1"].pk)
    assert r.status_code == 302
    auditor.refresh_from_db()
    assert auditor.region_id == district["s1"].pk
    r = c.post(f"/admin/core/user/{auditor.pk}/password/", {"password1": "Ne-w-pass-2026", "password2": "Ne-w-pass-2026",
                                                           "usable_password": "true"})
    assert r.status_code == 302
    r = c.post("/admin/core/user/", {"action": "reset_otp", "_selected_action": [auditor.pk]})
    assert r.status_code == 302 and "/otp/" not in r["Location"]
    assert not TOTPDevice.objects.filter(user=auditor).exists()
