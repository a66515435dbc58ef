"""Ed25519 signing keys: from HC_SIGNING_KEY, or generated once into HC_KEY_DIR (git-ignored).

The private key never enters the repository or the database. A key id is the first 8 hex
digits of the SHA-256 of the raw public key, so verifiers can pick the right key.

Keys are read and kept as `cryptography` objects; the tokens are signed and checked with
libsodium (PyNaCl) keys made from the same raw bytes (`SigningKey.sodium`,
`sodium_verification_keys`): the same Ed25519, at half of OpenSSL's cost here (a check 50 µs
instead of 105, a signature 20 instead of 32: every gate scan checks one, every code page
signs one).
"""

from __future__ import annotations

import base64
import hashlib
import os
from dataclasses import dataclass
from functools import cache
from pathlib import Path

import nacl.signing
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey
from cryptography.hazmat.primitives.serialization import Encoding, PublicFormat
from django.conf import settings
from django.core.exceptions import ImproperlyConfigured

KEY_FILE = "signing-ed25519.key"


@dataclass(frozen=True)
class SigningKey:
    kid: str
    private: Ed25519PrivateKey
    sodium: nacl.signing.SigningKey  # the same key, for signing tokens

    @property
    def public(self) -> Ed25519PublicKey:
        return self.private.public_key()


def raw_public(public: Ed25519PublicKey) -> bytes:
    return public.public_bytes(Encoding.Raw, PublicFormat.Raw)


def key_id(public: Ed25519PublicKey) -> str:
    return hashlib.sha256(raw_public(public)).hexdigest()[:8]


def public_key_b64(public: Ed25519PublicKey) -> str:
    return base64.urlsafe_b64encode(raw_public(public)).rstrip(b"=").decode()


def _from_raw_b64(value: str, source: str) -> Ed25519PrivateKey:
    try:
        raw = base64.b64decode(value.strip() + "=" * (-len(value.strip()) % 4), altchars=b"-_")
        return Ed25519PrivateKey.from_private_bytes(raw)
    except ValueError as exc:
        raise ImproperlyConfigured(f"{source} is not a base64 raw 32-byte Ed25519 private key") from exc


def _load_or_create_file(directory: Path) -> Ed25519PrivateKey:
    path = directory / KEY_FILE
    if not path.exists():
        directory.mkdir(parents=True, exist_ok=True)
        raw = Ed25519PrivateKey.generate().private_bytes_raw()
        tmp = directory / f".{KEY_FILE}.{os.getpid()}"
        tmp.write_text(base64.urlsafe_b64encode(raw).decode() + "\n")
        tmp.chmod(0o600)
        try:
            os.link(tmp, path)  # atomic: the first process to get here wins
        except FileExistsError:
            pass
        finally:
            tmp.unlink()
    return _from_raw_b64(path.read_text(), str(path))


@cache
def signing_key() -> SigningKey:
    if settings.HC_SIGNING_KEY:
        private = _from_raw_b64(settings.HC_SIGNING_KEY, "HC_SIGNING_KEY")
    else:
        private = _load_or_create_file(Path(settings.HC_KEY_DIR))
    sodium = nacl.signing.SigningKey(private.private_bytes_raw())
    return SigningKey(kid=key_id(private.public_key()), private=private, sodium=sodium)


RETIRED_DIR = "retired"
REVOKED_DIR = "revoked"


def _public_from_b64(value: str, source: str) -> Ed25519PublicKey:
    try:
        raw = base64.urlsafe_b64decode(value.strip() + "=" * (-len(value.strip()) % 4))
        return Ed25519PublicKey.from_public_bytes(raw)
    except ValueError as exc:
        raise ImproperlyConfigured(f"{source} is not a base64 raw 32-byte Ed25519 public key") from exc


def retired_keys() -> dict[str, Ed25519PublicKey]:
    """Public keys of earlier signing keys, still accepted so that tokens and paper codes they
    signed verify until they expire (rotation with overlap): HC_RETIRED_KEYS (comma-separated
    base64 public keys) and the files `rotate_signing_key` leaves in HC_KEY_DIR/retired/."""
    found: dict[str, Ed25519PublicKey] = {}
    for value in settings.HC_RETIRED_KEYS:
        public = _public_from_b64(value, "HC_RETIRED_KEYS")
        found[key_id(public)] = public
    directory = Path(settings.HC_KEY_DIR) / RETIRED_DIR
    if directory.is_dir():
        for path in sorted(directory.glob("*.pub")):
            public = _public_from_b64(path.read_text(), str(path))
            found[key_id(public)] = public
    return found


def revoked_key_ids() -> set[str]:
    """Key ids never accepted again (a leaked key): HC_REVOKED_KEY_IDS and HC_KEY_DIR/revoked/."""
    revoked = set(settings.HC_REVOKED_KEY_IDS)
    directory = Path(settings.HC_KEY_DIR) / REVOKED_DIR
    if directory.is_dir():
        revoked |= {path.name for path in directory.iterdir()}
    return revoked


@cache
def verification_keys() -> dict[str, Ed25519PublicKey]:
    """Known public keys by key id: the ones a verifier accepts (the current key and retired
    ones, less revoked ones). Read once per process: restart the processes after a rotation."""
    current = signing_key()
    keys = retired_keys() | {current.kid: current.public}
    revoked = revoked_key_ids()
    return {kid: public for kid, public in keys.items() if kid not in revoked}


@cache
def sodium_verification_keys() -> dict[str, nacl.signing.VerifyKey]:
    """`verification_keys()` as libsodium keys, for checking tokens."""
    return {kid: nacl.signing.VerifyKey(raw_public(public)) for kid, public in verification_keys().items()}


def reset_caches() -> None:
    signing_key.cache_clear()
    verification_keys.cache_clear()
    sodium_verification_keys.cache_clear()


def public_jwk(kid: str, public: Ed25519PublicKey) -> dict[str, str]:
    """A public key as a JSON Web Key (RFC 8037), the shape WebCrypto's importKey("jwk") takes."""
    return {"kty": "OKP", "crv": "Ed25519", "alg": "EdDSA", "use": "sig", "kid": kid, "x": public_key_b64(public)}


def published_keys() -> list[dict[str, str]]:
    """Every key `verification_keys()` accepts, as JWKs, for checkpoints that verify offline."""
    return [public_jwk(kid, public) for kid, public in sorted(verification_keys().items())]
