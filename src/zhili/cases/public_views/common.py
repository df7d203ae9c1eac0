"""What the public pages share: typed text cleaned of control characters, a service error's
message in the page's language, whether the page is in English, and the service centre to call."""

from __future__ import annotations

import re

from django.utils import translation

from zhili.core.models import Organisation

_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")


def clean(value) -> str:
    """Typed text without control characters (PostgreSQL refuses NUL) and outer spaces."""
    return _CONTROL.sub("", value or "").strip()


def message(err: dict) -> str:
    """A service error's message in the page's language."""
    if translation.get_language() == "en":
        return err.get("message_en") or err.get("message", "")
    return err.get("message") or err.get("message_en", "")


def is_english() -> bool:
    return translation.get_language() == "en"


def hall_contact(address: bool = False) -> dict:
    """The service centre residents can call: the district-level centre with a public phone
    (with ``address``: where to find it as well, '' when not recorded)."""
    org = (Organisation.objects.filter(org_type="centre", active=True).exclude(phone="")
           .order_by("region_code", "order", "code").only("name", "phone", "address").first())
    if org is None:
        org = Organisation.objects.filter(org_type="centre", active=True).order_by("region_code", "order", "code").first()
    found = {"name": org.name if org else "", "phone": org.phone if org else ""}
    if address:
        found["address"] = org.address if org else ""
    return found
