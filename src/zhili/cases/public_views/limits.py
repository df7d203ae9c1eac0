"""The limits of the public pages: filings per phone and per network and failed look-ups per
network in a window (counted in Django's cache, a database table every server process shares),
the size of a photo and the length of what a resident types.

The views read ``REPORT_LIMIT``, ``TRACK_FAIL_LIMIT`` and ``PHOTO_MAX_BYTES`` through this module at
call time (``limits.REPORT_LIMIT``), so a change here (or a test's patch) takes effect."""

from __future__ import annotations

from django.core.cache import cache

from zhili.core import clientip

#: filings allowed per phone number and per IP address in ``WINDOW`` seconds
REPORT_LIMIT = 5
#: failed look-ups allowed per IP address in ``WINDOW`` seconds
TRACK_FAIL_LIMIT = 10
WINDOW = 60 * 60
PHOTO_MAX_BYTES = 10 * 1024 * 1024
LIMITS = {"name": 60, "phone": 30, "description": 5000, "request": 2000, "address": 200, "comment": 2000}


def client_ip(request) -> str:
    # REMOTE_ADDR, or X-Forwarded-For when the peer is one of ZHILI_TRUSTED_PROXIES (core/clientip.py)
    return clientip.client_ip(request)


def count(key: str) -> int:
    return cache.get(key, 0)


def bump(key: str) -> None:
    if cache.add(key, 1, WINDOW):
        return
    try:
        cache.incr(key)
    except ValueError:  # expired between add and incr
        cache.add(key, 1, WINDOW)
