"""Personal numbers at rest: ID numbers and mobile numbers are stored encrypted.

AES-SIV (RFC 5297, `cryptography`) is deterministic authenticated encryption: the same number
always gives the same ciphertext, so the ciphertext is itself the keyed hash that lookups and
unique constraints need (an exact `filter(id_number=...)` and `unique=True` keep working),
while a database dump shows no number. What equality reveals (two rows hold the same number)
is what a keyed hash would reveal too. Each value carries a short hint, the part of the
number that pages show anyway (4101…002X, 138…0001), so reviewers can search by a masked
number.

The key is HC_DATA_KEY (base64 of 64 random bytes), or generated once into HC_KEY_DIR; it is
never in the repository or the database. Rotating it means re-encrypting every row
(`manage.py reencrypt`, documented in SECURITY.md).
"""

from __future__ import annotations

import base64
import binascii
import os
from functools import cache
from pathlib import Path

from cryptography.hazmat.primitives.ciphers.aead import AESSIV
from django.conf import settings
from django.core.exceptions import ImproperlyConfigured

from healthcode.secretfile import read_or_create

PREFIX = "e1:"
_AD = [b"healthcode personal number v1"]
KEY_FILE = "data-aes-siv.key"


def _decode_key(text: str, source: str) -> bytes:
    try:
        raw = base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))
    except (binascii.Error, ValueError):
        raw = b""
    if len(raw) != 64:
        raise ImproperlyConfigured(f"{source} must be base64 of 64 random bytes (AES-SIV-256)")
    return raw


@cache
def _cipher() -> AESSIV:
    configured = getattr(settings, "HC_DATA_KEY", None)
    if configured:
        return AESSIV(_decode_key(configured, "HC_DATA_KEY"))
    path = Path(settings.HC_KEY_DIR) / KEY_FILE
    text = read_or_create(path, lambda: base64.urlsafe_b64encode(os.urandom(64)).decode())
    return AESSIV(_decode_key(text, str(path)))


def hint_for(kind: str, value: str) -> str:
    """The part of a number that may be shown: first 4 and last 4 of an ID, 3 and 4 of a phone."""
    if kind == "id" and len(value) == 18:
        return value[:4] + value[-4:]
    if kind == "phone" and len(value) == 11 and value.isdigit():
        return value[:3] + value[-4:]
    return ""


def is_sealed(value: str) -> bool:
    return isinstance(value, str) and value.startswith(PREFIX)


def seal(value: str, *, kind: str = "") -> str:
    sealed = _cipher().encrypt(value.encode("utf-8"), _AD)
    return f"{PREFIX}{hint_for(kind, value)}:{base64.urlsafe_b64encode(sealed).decode('ascii').rstrip('=')}"


def sealed_length(value: str, *, kind: str = "") -> int:
    """len(seal(value, kind=kind)), without the key: AES-SIV adds 16 bytes, base64 unpadded."""
    size = len(value.encode("utf-8")) + 16
    return len(PREFIX) + len(hint_for(kind, value)) + 1 + -(-size * 4 // 3)


def open_(value: str) -> str:
    """The plain value; a value that is not sealed (written before encryption) is returned as is."""
    if not is_sealed(value):
        return value
    body = value.rsplit(":", 1)[1]
    raw = base64.urlsafe_b64decode(body + "=" * (-len(body) % 4))
    return _cipher().decrypt(raw, _AD).decode("utf-8")
