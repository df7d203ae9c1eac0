"""Issue #13 item 11: throttling behind a proxy and the login lockout.

The client's address comes from X-Forwarded-For only through a trusted proxy; logins lock per
(account, address) — so nobody can lock an administrator out from elsewhere — and an address that
fails at many accounts is stopped."""

from __future__ import annotations

import pytest
from django.test import Client

from zhili.cases import public_views

PASSWORD = "pass-Word-123"
PROXY = "10.0.0.5"


def meta(rf, remote, forwarded=None):
    extra = {"REMOTE_ADDR": remote} | ({"HTTP_X_FORWARDED_FOR": forwarded} if forwarded else {})
    return rf.get("/", **extra)


def test_forwarded_for_is_believed_only_from_a_trusted_proxy(rf, settings):
    from zhili.core.clientip import client_ip

    settings.ZHILI_TRUSTED_PROXIES = []
    assert client_ip(meta(rf, PROXY, "1.2.3.4")) == PROXY  # no proxy trusted: the header is anyone's
    settings.ZHILI_TRUSTED_PROXIES = ["10.0.0.0/24", "192.168.9.9"]
    assert client_ip(meta(rf, PROXY, "1.2.3.4")) == "1.2.3.4"
    assert client_ip(meta(rf, PROXY, "1.2.3.4, 192.168.9.9")) == "1.2.3.4"  # through two proxies
    assert client_ip(meta(rf, PROXY, "6.6.6.6, 1.2.3.4")) == "1.2.3.4"  # what the client wrote is not read
    assert client_ip(meta(rf, "5.5.5.5", "1.2.3.4")) == "5.5.5.5"  # straight from the internet
    assert client_ip(meta(rf, PROXY, "nonsense")) == PROXY
    assert client_ip(meta(rf, PROXY)) == PROXY


def test_behind_the_proxy_one_resident_does_not_lock_out_the_others(district, settings, monkeypatch):
    settings.ZHILI_TRUSTED_PROXIES = [PROXY]
    monkeypatch.setattr(public_views.limits, "TRACK_FAIL_LIMIT", 3)
    c = Client(REMOTE_ADDR=PROXY)
    for i in range(3):
        assert c.post("/track/", {"number": f"KW2026-00009{i}", "phone": "13805361234"},
                      HTTP_X_FORWARDED_FOR="1.1.1.1").status_code == 404
    blocked = c.post("/track/", {"number": "KW2026-000095", "phone": "13805361234"}, HTTP_X_FORWARDED_FOR="1.1.1.1")
    assert blocked.status_code == 429
    other = c.post("/track/", {"number": "KW2026-000095", "phone": "13805361234"}, HTTP_X_FORWARDED_FOR="2.2.2.2")
    assert other.status_code == 404  # another resident through the same proxy: looked up, not blocked


def login(username, password, address):
    return Client(REMOTE_ADDR=address).post("/login/", {"username": username, "password": password})


@pytest.mark.parametrize("role", ["security_admin", "sys_admin", "audit_admin"])
def test_nobody_can_lock_an_administrator_out_from_elsewhere(users, role):
    for _ in range(5):
        login(role, "guessing", "203.0.113.7")
    assert login(role, PASSWORD, "203.0.113.7").status_code == 429  # locked where the failures came from
    assert login(role, PASSWORD, "198.51.100.20").status_code == 302  # the administrator's own desk


def test_password_spraying_from_one_address_is_stopped(users, settings):
    settings.ZHILI_LOGIN_IP_FAILURE_LIMIT = 6
    names = ["dept_handler", "dept_head", "street_staff", "community_staff", "grid_worker", "grid_leader"]
    for name in names[:5]:  # one try at each account: no pair comes near five
        assert login(name, "Password1!", "203.0.113.7").status_code == 200
    assert login(names[5], "Password1!", "203.0.113.7").status_code == 429  # the sixth failure at the address
    assert login("leader", PASSWORD, "203.0.113.7").status_code == 429  # the address is stopped
    assert login("leader", PASSWORD, "198.51.100.20").status_code == 302  # the accounts are not
