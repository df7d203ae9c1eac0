"""The API tokens page in a real browser: from the topbar, make a token (its secret shown once), revoke it."""

from __future__ import annotations

import pytest
from browserkit import SCREENSHOTS, log_in

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_a_clerk_makes_and_revokes_a_token(users, live_server, browser):
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    base = live_server.url
    errors: list[str] = []
    context = browser.new_context(viewport={"width": 1366, "height": 768}, locale="zh-CN")
    page = context.new_page()
    page.on("pageerror", lambda exc: errors.append(str(exc)))
    log_in(page, base, "window_clerk")
    page.click("[data-testid=tokens-link]")
    page.wait_for_url(f"{base}/tokens/")
    assert "您还没有 API 令牌" in page.inner_text("body")
    page.fill("#token-name", "热线对接")
    page.select_option("#token-days", "30")
    page.click("[data-testid=token-form] button[type=submit]")
    secret = page.inner_text("[data-testid=token-secret]")
    assert secret.startswith("zk_") and "只显示这一次" in page.inner_text("[data-testid=token-created]")
    row = page.inner_text("[data-testid=token-row]")
    assert "热线对接" in row and secret[:11] in row and secret not in row and "有效" in row
    page.screenshot(path=str(SCREENSHOTS / "tokens.png"))
    page.goto(f"{base}/tokens/")  # shown once: not on the next visit
    assert secret not in page.content()
    page.click("[data-testid=token-revoke]")
    page.wait_for_url(f"{base}/tokens/")
    assert "已吊销" in page.inner_text("[data-testid=token-row]")
    assert not page.query_selector("[data-testid=token-revoke]")
    assert not errors, errors
    context.close()
