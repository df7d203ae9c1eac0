"""The address residents reach Zhili at, for the links in text messages (``/c/<token>``): the
configured ``ZHILI_PUBLIC_URL``, else the address the server is served at — ``ZHILI_HOST`` and
``ZHILI_PORT``, which ``zhili up`` and ``zhili serve`` set for the processes they start (by default
http://127.0.0.1:8000). Never a relative link: a phone cannot open ``/c/…`` from a text message.
docs/operations.md tells how to set it for production."""

from __future__ import annotations

import os

DEFAULT_HOST = "127.0.0.1"
DEFAULT_PORT = 8000


def served_url(host: str | None = None, port: int | str | None = None) -> str:
    """``http://host:port`` of the server: the given ones, else ZHILI_HOST/ZHILI_PORT, else the defaults."""
    host = (host or os.environ.get("ZHILI_HOST") or DEFAULT_HOST).strip()
    port = str(port or os.environ.get("ZHILI_PORT") or DEFAULT_PORT).strip()
    if ":" in host and not host.startswith("["):  # an IPv6 address
        host = f"[{host}]"
    return f"http://{host}:{port}"


def public_url(configured: str | None = None) -> str:
    """The base of the links residents get (no trailing slash): ``configured`` (by default the
    setting ZHILI_PUBLIC_URL) when set, else :func:`served_url`."""
    if configured is None:
        from django.conf import settings

        configured = getattr(settings, "ZHILI_PUBLIC_URL", "")
    return (configured or "").strip().rstrip("/") or served_url()
