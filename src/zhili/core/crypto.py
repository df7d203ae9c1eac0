"""Field encryption (AES-256-GCM) and blind indexes (HMAC-SHA256) for personal data.

Tokens look like ``k1:<base64(nonce|ciphertext)>`` so keys can be rotated: new writes
use the current key, old rows stay readable while their key is listed.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import os
import re
import unicodedata
from functools import lru_cache

from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from django.conf import settings
from django.db import models


@lru_cache(maxsize=1)
def _keys():
    k = settings.ZHILI_FIELD_KEYS
    return k["current"], {kid: bytes.fromhex(v) for kid, v in k["enc"].items()}, bytes.fromhex(k["index"])


def encrypt(text: str) -> str:
    kid, keys, _ = _keys()
    nonce = os.urandom(12)
    blob = AESGCM(keys[kid]).encrypt(nonce, text.encode(), kid.encode())
    return f"{kid}:{base64.b64encode(nonce + blob).decode()}"


def decrypt(token: str) -> str:
    kid, _, data = token.partition(":")
    _, keys, _ = _keys()
    raw = base64.b64decode(data)
    return AESGCM(keys[kid]).decrypt(raw[:12], raw[12:], kid.encode()).decode()


def normalise(value: str) -> str:
    """Canonical form for lookups: NFKC, no spaces or dashes, upper case (ID 'x')."""
    value = unicodedata.normalize("NFKC", value or "")
    return re.sub(r"[\s\-()（）]", "", value).upper()


def blind_index(value: str, purpose: str) -> str:
    """A keyed hash of the normalised value: equal inputs match, nothing can be read back."""
    _, _, key = _keys()
    msg = f"{purpose}:{normalise(value)}".encode()
    return hmac.new(key, msg, hashlib.sha256).hexdigest()[:32]


def mask_phone(phone: str) -> str:
    p = normalise(phone)
    return p[:3] + "****" + p[-4:] if len(p) >= 7 else "*" * len(p)


def mask_id_number(id_number: str) -> str:
    p = normalise(id_number)
    return p[:4] + "*" * max(len(p) - 8, 0) + p[-4:] if len(p) > 8 else "*" * len(p)


def mask_name(name: str) -> str:
    if not name:
        return ""
    if len(name) == 1:
        return name
    if len(name) == 2:
        return name[0] + "*"
    return name[0] + "*" * (len(name) - 2) + name[-1]


class EncryptedTextField(models.TextField):
    """Stores ciphertext; Python code sees plain text. Not searchable: pair it with a blind index."""

    def from_db_value(self, value, expression, connection):
        if value is None or value == "":
            return value
        return decrypt(value)

    def get_prep_value(self, value):
        if value is None or value == "":
            return value
        return encrypt(str(value))
