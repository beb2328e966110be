"""The signing key and the JWKS document, served from an in-process cache.

A key's state follows from its timestamps (see `key_state`):

    pending  now < activates_at                    published, does not sign
    active   activates_at <= now, not retired      published, signs (latest activates_at wins)
    retired  retires_at <= now < expires_at        published, verifies older tokens
    expired  expires_at <= now                     gone; purged with its private material
    revoked  revoked_at set                        gone at once, whatever the timestamps say

`key_store.signing_key()` and `key_store.jwks()` read the published keys once and
then answer from memory, with no database query, until the earliest of: the next
state change of a cached key (an activation, retirement or expiry) or KEY_CACHE_TTL
seconds (so keys created or revoked by another process are seen within that TTL).
Private keys are decrypted once per kid and process.

Changes to keys are made by `key_rotation`, never here.
"""

from __future__ import annotations

import enum
import hashlib
import json
import threading
import time
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from datetime import datetime, timezone
from typing import Any

from .app_settings import authfort_settings
from .key_encryption import KeyDecryptionError, decrypt_private_key
from .keys import PrivateKey, load_private_key, public_jwk
from .models import SigningKey

__all__ = [
    "PUBLISHED_STATES",
    "ActiveKey",
    "Clock",
    "JWKSDocument",
    "KeyIntegrityError",
    "KeyState",
    "KeyStore",
    "key_state",
    "key_store",
    "published_keys",
]

# time.time-shaped: seconds since the epoch. Tests pass a clock they move by hand.
Clock = Callable[[], float]

# Only these members ever leave the server, whatever a stored public_jwk holds (RFC 7517 §4).
_PUBLIC_MEMBERS = frozenset({"kty", "kid", "use", "alg", "n", "e", "crv", "x", "y"})


class KeyState(str, enum.Enum):
    PENDING = "pending"
    ACTIVE = "active"
    RETIRED = "retired"
    EXPIRED = "expired"
    REVOKED = "revoked"


PUBLISHED_STATES = frozenset({KeyState.PENDING, KeyState.ACTIVE, KeyState.RETIRED})


def key_state(key: SigningKey, now: datetime) -> KeyState:
    """The state of `key` at `now`, from its timestamps alone."""
    if key.revoked_at is not None:
        return KeyState.REVOKED
    if key.expires_at is not None and now >= key.expires_at:
        return KeyState.EXPIRED
    if now < key.activates_at:
        return KeyState.PENDING
    if key.retires_at is not None and now >= key.retires_at:
        return KeyState.RETIRED
    return KeyState.ACTIVE


def published_keys(now: datetime) -> list[tuple[SigningKey, KeyState]]:
    """The keys published at `now` (pending, active, retired) with their states, latest activates_at first.

    The first ACTIVE one is the key that signs. The store caches this list and
    key_rotation decides from it, so the key rotation retires is the key that signs.
    """
    rows = (
        SigningKey.objects.filter(revoked_at__isnull=True)
        .exclude(expires_at__lte=now)
        .order_by("-activates_at", "kid")
    )
    return [(row, key_state(row, now)) for row in rows]


class KeyIntegrityError(KeyDecryptionError):
    """A stored private key decrypts but does not match its kid (the row was tampered with)."""


@dataclass(frozen=True)
class ActiveKey:
    """The key that signs now: pass `private_key` and `algorithm` to PyJWT, `kid` in the header."""

    kid: str
    algorithm: str
    private_key: PrivateKey

    def __repr__(self) -> str:  # never show key material, even in a traceback
        return f"ActiveKey(kid={self.kid!r}, algorithm={self.algorithm!r})"


@dataclass(frozen=True)
class JWKSDocument:
    """The published keys: `body` is the exact JSON to serve, `etag` a strong, quoted ETag."""

    keys: tuple[dict[str, Any], ...]
    body: bytes
    etag: str


@dataclass(frozen=True)
class _CachedKey:
    kid: str
    algorithm: str
    state: KeyState
    activates_at: float
    jwk: dict[str, Any]
    encrypted_private_key: str


@dataclass(frozen=True)
class _Snapshot:
    signer: _CachedKey | None
    jwks: JWKSDocument
    valid_until: float


class KeyStore:
    """Reads published keys from the database and caches them until the next state change.

    `clock` returns seconds since the epoch (time.time by default); every decision
    about states and cache validity uses it, so tests move time by hand.
    """

    def __init__(self, clock: Clock = time.time) -> None:
        self._clock = clock
        self._lock = threading.RLock()
        self._snapshot: _Snapshot | None = None
        self._private_keys: dict[str, PrivateKey] = {}

    def now(self) -> datetime:
        """The store's clock as an aware UTC datetime (pass it as `now=` to key_rotation)."""
        return datetime.fromtimestamp(self._clock(), tz=timezone.utc)

    def signing_key(self) -> ActiveKey:
        """The active key with the latest activates_at, its private key decrypted.

        When no key signs (a new installation), one is created under the database
        lock, exactly as `rotate_keys --if-none` would. Raises KeyDecryptionError
        when the private key cannot be decrypted with KEY_ENCRYPTION_KEYS.
        """
        signer = self._current().signer
        assert signer is not None  # _current provides one or raises
        private_key = self._private_keys.get(signer.kid)
        if private_key is None:
            private_key = self._decrypt(signer)
        return ActiveKey(kid=signer.kid, algorithm=signer.algorithm, private_key=private_key)

    def jwks(self) -> JWKSDocument:
        """Every published key (pending, active, retired) with public members only.

        A new installation gets its first key here too, so consumers never fetch an
        empty set from a server that is about to sign.
        """
        return self._current().jwks

    def invalidate(self) -> None:
        """Forget everything cached; the next call re-reads the database."""
        with self._lock:
            self._snapshot = None
            self._private_keys.clear()

    # Internals.

    def _current(self) -> _Snapshot:
        """The cached snapshot, re-read when stale; it always has a signer (see _provide_signer)."""
        snapshot = self._snapshot
        if snapshot is None or self._clock() >= snapshot.valid_until:
            with self._lock:
                # Another thread may have reloaded while this one waited for the lock.
                snapshot = self._snapshot
                if snapshot is None or self._clock() >= snapshot.valid_until:
                    snapshot = self._load()
        if snapshot.signer is None:
            snapshot = self._provide_signer()
        return snapshot

    def _load(self) -> _Snapshot:
        now_ts = self._clock()
        now = datetime.fromtimestamp(now_ts, tz=timezone.utc)
        rows = published_keys(now)
        published = [_cache_entry(row, state) for row, state in rows]
        snapshot = _Snapshot(
            signer=next((key for key in published if key.state is KeyState.ACTIVE), None),
            jwks=_jwks_document(published),
            valid_until=min(
                now_ts + max(0, authfort_settings.KEY_CACHE_TTL),
                _next_state_change((row for row, _ in rows), now, default=float("inf")),
            ),
        )
        # Drop decrypted keys that no longer sign or verify (revoked, expired).
        kids = {key.kid for key in published}
        for kid in list(self._private_keys):
            if kid not in kids:
                del self._private_keys[kid]
        self._snapshot = snapshot
        return snapshot

    def _provide_signer(self) -> _Snapshot:
        # Imported here: key_rotation builds on this module's states and singleton.
        from .key_rotation import ensure_key

        ensure_key(now=self.now())
        with self._lock:
            snapshot = self._load()
        if snapshot.signer is None:
            raise RuntimeError("No signing key is active even after creating one; check the clock.")
        return snapshot

    def _decrypt(self, key: _CachedKey) -> PrivateKey:
        with self._lock:
            private_key = self._private_keys.get(key.kid)
            if private_key is not None:
                return private_key
            pem = decrypt_private_key(key.encrypted_private_key, key.kid)
            private_key = load_private_key(pem)
            if public_jwk(private_key, key.algorithm)["kid"] != key.kid:
                raise KeyIntegrityError(
                    f"The private key stored for kid {key.kid} belongs to another key. "
                    f"Revoke it with `rotate_keys --revoke {key.kid}`."
                )
            self._private_keys[key.kid] = private_key
            return private_key


def _cache_entry(row: SigningKey, state: KeyState) -> _CachedKey:
    return _CachedKey(
        kid=row.kid,
        algorithm=row.algorithm,
        state=state,
        activates_at=row.activates_at.timestamp(),
        jwk={**_public_members(row.public_jwk), "kid": row.kid},
        # Only the signer's is ever decrypted; the others are kept encrypted.
        encrypted_private_key=row.private_key if state is KeyState.ACTIVE else "",
    )


def _public_members(jwk: Mapping[str, Any]) -> dict[str, Any]:
    return {name: value for name, value in jwk.items() if name in _PUBLIC_MEMBERS}


def _jwks_document(keys: Iterable[_CachedKey]) -> JWKSDocument:
    # Active first (naive clients take keys[0]), then pending, then retired; newest first
    # within a state. Deterministic, so every process serves identical bytes and ETags.
    order = {KeyState.ACTIVE: 0, KeyState.PENDING: 1, KeyState.RETIRED: 2}
    ordered = sorted(keys, key=lambda k: (order[k.state], -k.activates_at, k.kid))
    jwks = tuple(key.jwk for key in ordered)
    body = json.dumps({"keys": list(jwks)}, sort_keys=True, separators=(",", ":")).encode()
    etag = '"' + hashlib.sha256(body).hexdigest()[:32] + '"'
    return JWKSDocument(keys=jwks, body=body, etag=etag)


def _next_state_change(rows: Iterable[SigningKey], now: datetime, *, default: float) -> float:
    upcoming = [
        moment.timestamp()
        for row in rows
        for moment in (row.activates_at, row.retires_at, row.expires_at)
        if moment is not None and moment > now
    ]
    return min(upcoming, default=default)


key_store = KeyStore()
