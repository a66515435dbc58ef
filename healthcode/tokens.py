"""The signed token in the QR (DESIGN.md, "The token in the QR").

    HC1.<kid>.<payload>.<signature>

`HC1` fixes the format and the algorithm (Ed25519, nothing else is ever accepted), `kid`
names the key, `payload` is base64url of 26 bytes: the code's opaque 12-byte reference, the
colour letter, flags (bit 0: paper code), the code's version, issued-at and expiry (Unix
seconds). The signature covers the three parts before it as ASCII. No personal data.
"""

from __future__ import annotations

import base64
import binascii
import re
import struct
import time
from dataclasses import dataclass

from django.conf import settings
from nacl.exceptions import BadSignatureError

from healthcode.colours import FROM_LETTER, LETTER, Colour
from healthcode.keys import signing_key, sodium_verification_keys

PREFIX = "HC1"
_PAYLOAD = struct.Struct(">12scBIII")
FLAG_PAPER = 1
MAX_TOKEN_LENGTH = 256
_B64URL = re.compile(r"^[A-Za-z0-9_-]+$")
_KID = re.compile(r"^[0-9a-f]{8}$")


class TokenError(Exception):
    """Raised with a machine-readable `code`: malformed, unknown_key, bad_signature, expired."""

    def __init__(self, code: str):
        super().__init__(code)
        self.code = code


@dataclass(frozen=True)
class Claims:
    kid: str
    ref: bytes
    colour: Colour
    paper: bool
    version: int
    issued_at: int
    expires_at: int


def _b64encode(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode("ascii")


def _b64decode(text: str) -> bytes:
    if not _B64URL.fullmatch(text):
        raise TokenError("malformed")
    try:
        data = base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))
    except (binascii.Error, ValueError):
        raise TokenError("malformed") from None
    # One spelling per token: the last character's spare bits must be zero, or "…AB" and
    # "…AA" would be two different tokens with the same signature (a fuzz test found it).
    if _b64encode(data) != text:
        raise TokenError("malformed")
    return data


def issue(
    ref: bytes,
    colour: Colour,
    version: int,
    *,
    lifetime: int | None = None,
    paper: bool = False,
    now: float | None = None,
) -> str:
    key = signing_key()
    ref = bytes(ref)  # Postgres hands BinaryField values back as memoryview
    issued_at = int(now if now is not None else time.time())
    expires_at = issued_at + (lifetime if lifetime is not None else settings.HC_TOKEN_LIFETIME)
    payload = _PAYLOAD.pack(
        ref, LETTER[Colour(colour)].encode(), FLAG_PAPER if paper else 0, version, issued_at, expires_at
    )
    signed = f"{PREFIX}.{key.kid}.{_b64encode(payload)}"
    return f"{signed}.{_b64encode(key.sodium.sign(signed.encode('ascii')).signature)}"


def verify(token: str, *, now: float | None = None) -> Claims:
    """Check format, key, signature, then expiry (one step of clock skew). The live colour
    is the caller's business (see healthcode.verification)."""
    if not isinstance(token, str) or len(token) > MAX_TOKEN_LENGTH:
        raise TokenError("malformed")
    parts = token.strip().split(".")
    if len(parts) != 4 or parts[0] != PREFIX or not _KID.fullmatch(parts[1]):
        raise TokenError("malformed")
    _, kid, payload_b64, signature_b64 = parts
    public = sodium_verification_keys().get(kid)
    if public is None:
        raise TokenError("unknown_key")
    signature = _b64decode(signature_b64)
    payload = _b64decode(payload_b64)
    try:
        public.verify(f"{PREFIX}.{kid}.{payload_b64}".encode("ascii"), signature)
    except (BadSignatureError, ValueError):  # ValueError: not 64 bytes long
        raise TokenError("bad_signature") from None
    if len(payload) != _PAYLOAD.size:
        raise TokenError("malformed")
    ref, letter, flags, version, issued_at, expires_at = _PAYLOAD.unpack(payload)
    colour = FROM_LETTER.get(letter.decode("latin-1"))
    if colour is None:
        raise TokenError("malformed")
    current = now if now is not None else time.time()
    skew = settings.HC_TOKEN_CLOCK_SKEW
    if current > expires_at + skew or issued_at > current + skew:
        raise TokenError("expired")
    return Claims(kid, ref, colour, bool(flags & FLAG_PAPER), version, issued_at, expires_at)
