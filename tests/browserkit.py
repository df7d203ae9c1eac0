"""What every browser test shares: Debian's chromium, its flags, where screenshots go, how to log in.

The `browser` fixture in conftest.py launches it (and skips cleanly where chromium or playwright
is missing). Playwright's sync API runs an event loop in the test's thread; tests touch the
database only in fixtures, before the browser starts.
"""

from __future__ import annotations

import os
from pathlib import Path

os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")

CHROMIUM = "/usr/bin/chromium"
#: without the background-networking flags chromium's calls out are refused by this closed network
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--no-first-run",
    "--disable-sync",
]
SCREENSHOTS = Path(__file__).resolve().parent.parent / "docs" / "screenshots"
PASSWORD = "pass-Word-123"


def log_in(page, base: str, username: str) -> None:
    page.goto(f"{base}/login/")  # `/` is the residents' door for a visitor who is not logged in
    page.fill("#id_username", username)
    page.fill("#id_password", PASSWORD)
    page.click("button[type=submit].btn-primary")
    page.wait_for_url(f"{base}/")
