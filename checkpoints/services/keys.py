"""Gate API keys: one or more per venue, sent as `Authorization: Bearer <key>`.

Only a SHA-256 digest is stored (the key is 32 random bytes, so a plain hash is enough; no
slow KDF is needed). A process remembers the keys it has seen for KEY_CACHE_SECONDS, so the
gate API's hot path reads no key from the database; a revoked key therefore stops working
in other processes within that time.
"""

from __future__ import annotations

import hashlib
import secrets
import threading
import time
from dataclasses import dataclass

from django.utils import timezone

from checkpoints.models import ApiKey, Venue
from healthcode.models import User

KEY_PREFIX = "hcg_"
KEY_CACHE_SECONDS = 60
_CACHE_MAX = 10_000


@dataclass(frozen=True)
class GateKey:
    key_id: int
    venue_id: int
    bucket: str  # names the key's rate-limit counter (part of the digest: unique, never reused)


_cache: dict[str, tuple[float, GateKey]] = {}
_lock = threading.Lock()


def digest(raw_key: str) -> str:
    return hashlib.sha256(raw_key.encode("utf-8", "replace")).hexdigest()


def create_api_key(
    venue: Venue, name: str, *, created_by: User | None = None, raw_key: str | None = None
) -> tuple[ApiKey, str]:
    """Make a key for the venue. Returns the row and the key itself, which is shown once and
    never stored. `raw_key` fixes the key (the demo data uses a stable one)."""
    raw_key = raw_key or KEY_PREFIX + secrets.token_urlsafe(32)
    key = ApiKey.objects.create(
        venue=venue, name=name, prefix=raw_key[:12], digest=digest(raw_key), created_by=created_by
    )
    return key, raw_key


def revoke_api_key(key: ApiKey) -> None:
    ApiKey.objects.filter(pk=key.pk, revoked_at__isnull=True).update(revoked_at=timezone.now())
    forget_keys()


def forget_keys() -> None:
    """Drop this process's remembered keys (after a revocation; in tests)."""
    with _lock:
        _cache.clear()


def authenticate(raw_key: str) -> GateKey | None:
    """The venue a live key belongs to, or None. Remembered keys cost no query."""
    if not raw_key or len(raw_key) > 200:
        return None
    hashed = digest(raw_key)
    now = time.monotonic()
    hit = _cache.get(hashed)
    if hit is not None and hit[0] > now:
        return hit[1]
    row = (
        ApiKey.objects.filter(digest=hashed, revoked_at__isnull=True, venue__active=True)
        .values_list("pk", "venue_id")
        .first()
    )
    if row is None:
        with _lock:
            _cache.pop(hashed, None)
        return None
    gate_key = GateKey(*row, bucket=hashed[:20])
    with _lock:
        if len(_cache) >= _CACHE_MAX:
            _cache.clear()
        _cache[hashed] = (now + KEY_CACHE_SECONDS, gate_key)
    return gate_key
