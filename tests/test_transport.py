"""Issue #13 item 10: production transport. ZHILI_HTTPS=1 turns on Secure cookies, HSTS, the
redirect to HTTPS and the proxy's X-Forwarded-Proto; every page has a Content-Security-Policy the
templates keep to; pages and API answers are not cached, static files are."""

from __future__ import annotations

import re
import runpy
from pathlib import Path

import pytest
from django.test import Client

import zhili

TEMPLATES = Path(zhili.__file__).parent


def settings_with(monkeypatch, **env) -> dict:
    for k, v in env.items():
        monkeypatch.setenv(k, v)
    return runpy.run_path(str(TEMPLATES / "settings.py"))


def test_zhili_https_turns_on_secure_cookies_hsts_redirect_and_the_proxy_header(monkeypatch):
    off = settings_with(monkeypatch)
    assert not off.get("SESSION_COOKIE_SECURE") and not off.get("SECURE_SSL_REDIRECT")
    on = settings_with(monkeypatch, ZHILI_HTTPS="1")
    assert on["SESSION_COOKIE_SECURE"] and on["CSRF_COOKIE_SECURE"] and on["SECURE_SSL_REDIRECT"]
    assert on["SECURE_HSTS_SECONDS"] == 365 * 24 * 3600
    assert on["SECURE_PROXY_SSL_HEADER"] == ("HTTP_X_FORWARDED_PROTO", "https")
    assert settings_with(monkeypatch, ZHILI_HTTPS="1", ZHILI_HSTS_SECONDS="600")["SECURE_HSTS_SECONDS"] == 600


def test_behind_a_tls_proxy_http_is_redirected_and_https_gets_hsts_and_secure_cookies(db, settings):
    settings.SESSION_COOKIE_SECURE = settings.CSRF_COOKIE_SECURE = settings.SECURE_SSL_REDIRECT = True
    settings.SECURE_HSTS_SECONDS = 31536000
    settings.SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
    c = Client()
    r = c.get("/login/")
    assert r.status_code == 301 and r["Location"].startswith("https://")
    r = c.get("/login/", HTTP_X_FORWARDED_PROTO="https")
    assert r.status_code == 200 and r["Strict-Transport-Security"].startswith("max-age=31536000")
    assert r.cookies["csrftoken"]["secure"]


@pytest.mark.parametrize("url", ["/login/", "/report/", "/track/"])
def test_every_page_has_a_content_security_policy_without_inline_scripts(db, url):
    r = Client().get(url)
    policy = r["Content-Security-Policy"]
    directives = dict(d.strip().split(" ", 1) for d in policy.split(";") if d.strip())
    assert "'unsafe-inline'" not in directives["script-src"] and directives["script-src-attr"] == "'none'"
    assert directives["object-src"] == "'none'" and directives["frame-ancestors"] == "'none'"


def test_the_policy_lets_the_configured_tile_server_in(monkeypatch):
    policy = settings_with(monkeypatch, ZHILI_MAP_TILE_URL="https://{s}.tiles.example.gov.cn/{z}/{x}/{y}.png")
    assert "https://*.tiles.example.gov.cn" in policy["CONTENT_SECURITY_POLICY"]["DIRECTIVES"]["img-src"]


def test_the_templates_keep_to_the_policy():
    """No inline <script> and no on…= handler anywhere: the policy would block them."""
    bad = []
    for path in TEMPLATES.rglob("templates/**/*.html"):
        text = path.read_text(encoding="utf-8")
        for m in re.finditer(r"<script(?![^>]*\bsrc=)[^>]*>|\son[a-z]+\s*=", text):
            bad.append(f"{path.relative_to(TEMPLATES)}: {m.group(0).strip()}")
    assert not bad, bad


def test_staff_pages_and_api_answers_are_not_stored(staff):
    c = Client()
    c.force_login(staff["clerk"])
    for url in ("/cases/", "/cases/search/", "/api/v1/cases"):
        r = c.get(url)
        assert r.status_code == 200, url
        assert "no-store" in r["Cache-Control"], url
    assert "no-store" in Client().get("/report/")["Cache-Control"]  # a resident's form, their phone in it


def test_static_files_stay_cacheable(rf):
    """(In production granian serves /static itself; under Django the middleware leaves it alone.)"""
    from django.http import HttpResponse

    from zhili.web.middleware import NoStoreMiddleware

    mw = NoStoreMiddleware(lambda request: HttpResponse("x"))
    assert "Cache-Control" not in mw(rf.get("/static/web/vendor/htmx-2.0.11/htmx.min.js"))
    assert mw(rf.get("/cases/"))["Cache-Control"] == "no-store"
