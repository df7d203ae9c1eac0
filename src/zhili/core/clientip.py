"""The client's address, for limits, lockouts and the audit log.

``REMOTE_ADDR`` is the direct peer. Behind a reverse proxy that is the proxy, for every resident
alike; the proxy passes the client on in ``X-Forwarded-For``, which anybody can also send. So the
header is believed only when the direct peer is one of ``ZHILI_TRUSTED_PROXIES`` (IPs or CIDRs), and
then only as far as trusted proxies wrote it: reading from the right, the first address that is not
a trusted proxy is the client (what a client wrote itself stays on the left, unread)."""

from __future__ import annotations

import ipaddress
from functools import lru_cache

from django.conf import settings


@lru_cache(maxsize=8)
def _networks(proxies: tuple[str, ...]) -> tuple:
    return tuple(ipaddress.ip_network(p, strict=False) for p in proxies)


def _trusted(address: str, networks: tuple) -> bool:
    try:
        ip = ipaddress.ip_address(address)
    except ValueError:
        return False
    return any(ip in net for net in networks)


def client_ip(request, default: str = "unknown") -> str:
    """The client's IP address (``default`` without one)."""
    remote = request.META.get("REMOTE_ADDR", "") or ""
    networks = _networks(tuple(getattr(settings, "ZHILI_TRUSTED_PROXIES", ()) or ()))
    if not networks or not _trusted(remote, networks):
        return remote or default
    hops = [h.strip() for h in request.META.get("HTTP_X_FORWARDED_FOR", "").split(",") if h.strip()]
    for hop in reversed(hops):
        if _trusted(hop, networks):
            continue
        try:
            return str(ipaddress.ip_address(hop))
        except ValueError:  # not an address: written by someone we do not trust
            return remote
    return hops[0] if hops else (remote or default)


def axes_client_ip(request) -> str | None:
    """For django-axes (``AXES_CLIENT_IP_CALLABLE``): the client's address, or None when the request
    has none that is an address (its access log keeps an IP field: PostgreSQL refuses other text)."""
    ip = client_ip(request, default="")
    try:
        return str(ipaddress.ip_address(ip))
    except ValueError:
        return None
