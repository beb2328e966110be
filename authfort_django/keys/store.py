"""The signing key and the JWKS document, served from an in-process cache.

A key's state follows from its timestamps (keys/states.py).

`key_store.signing_key()` and `key_store.jwks()` read the published keys once and
then answer from memory, with no database query, until the earliest of: the next
state change of a cached key (an activation, retirement or expiry) or KEY_CACHE_TTL
seconds (so keys created or revoked by another process are seen within that TTL).
Private keys are decrypted once per kid and process.

This module only reads. Keys are created and changed by keys/rotation.py (through
`manage.py rotate_keys`), never here: a read path (the JWKS, /health, a login)
that finds no key raises NoSigningKey instead of writing one.
"""

from __future__ import annotations

import hashlib
import json
import threading
import time
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from datetime import datetime, timezone
from typing import Any

from authfort_django.conf import authfort_settings
from authfort_django.exceptions import AuthfortError
from authfort_django.keys.crypto import PrivateKey, load_private_key, public_jwk
from authfort_django.keys.encryption import KeyDecryptionError, decrypt_private_key
from authfort_django.keys.states import KeyState, published_keys
from authfort_django.models import SigningKey

__all__ = [
    "ActiveKey",
    "Clock",
    "JWKSDocument",
    "KeyIntegrityError",
    "KeyStore",
    "NoSigningKey",
    "key_store",
]

# time.time-shaped: seconds since the epoch. Tests pass a clock they move by hand.
Clock = Callable[[], float]

# Only these members ever leave the server, whatever a stored public_jwk holds (RFC 7517 §4).
_PUBLIC_MEMBERS = frozenset({"kty", "kid", "use", "alg", "n", "e", "crv", "x", "y"})


class KeyIntegrityError(KeyDecryptionError):
    """A stored private key decrypts but does not match its kid (the row was tampered with)."""


class NoSigningKey(AuthfortError):
    """No key signs: none was ever created, or every key was revoked or has expired.

    The caller can only wait (`detail`); the operator must act (`hint`, for logs and /health).
    """

    code = "signing_key_missing"
    detail = (
        "This server cannot issue tokens yet: it has no signing key. Try again later; "
        "its operator must run `manage.py rotate_keys --if-none`."
    )
    hint = "Create one with `python manage.py rotate_keys --if-none` (make run and the Docker entrypoint do)."


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
        """The store's clock as an aware UTC datetime (pass it as `now=` to keys/rotation.py)."""
        return datetime.fromtimestamp(self._clock(), tz=timezone.utc)

    def signing_key(self) -> ActiveKey:
        """The active key with the latest activates_at, its private key decrypted.

        Raises NoSigningKey when no key signs, and KeyDecryptionError when the
        private key cannot be decrypted with KEY_ENCRYPTION_KEYS.
        """
        signer = self._current().signer
        if signer is None:
            raise NoSigningKey()
        private_key = self._private_keys.get(signer.kid)
        if private_key is None:
            private_key = self._decrypt(signer)
        return ActiveKey(kid=signer.kid, algorithm=signer.algorithm, private_key=private_key)

    def jwks(self) -> JWKSDocument:
        """Every published key (pending, active, retired) with public members only.

        Empty (`{"keys": []}`) before the first `rotate_keys`: a read never creates a key.
        """
        return self._current().jwks

    def invalidate(self) -> None:
        """Forget everything cached; the next call re-reads the database."""
        with self._lock:
            self._snapshot = None
            self._private_keys.clear()

    # Internals.

    def _current(self) -> _Snapshot:
        """The cached snapshot, re-read when stale."""
        snapshot = self._snapshot
        if snapshot is None or self._clock() >= snapshot.valid_until:
            with self._lock:
                # Another thread may have reloaded while this one waited for the lock.
                snapshot = self._snapshot
                if snapshot is None or self._clock() >= snapshot.valid_until:
                    snapshot = self._load()
        return snapshot

    def _load(self) -> _Snapshot:
        now_ts = self._clock()
        now = datetime.fromtimestamp(now_ts, tz=timezone.utc)
        rows = published_keys(now)
        published = [_cache_entry(row, state) for row, state in rows]
        signer = next((key for key in published if key.state is KeyState.ACTIVE), None)
        snapshot = _Snapshot(
            signer=signer,
            jwks=_jwks_document(published),
            # Without a signer nothing is cached: the key `rotate_keys` creates next is
            # used at once, not one KEY_CACHE_TTL later.
            valid_until=now_ts
            if signer is None
            else min(
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

    def _decrypt(self, key: _CachedKey) -> PrivateKey:
        with self._lock:
            private_key = self._private_keys.get(key.kid)
            if private_key is not None:
                return private_key
            pem = decrypt_private_key(key.encrypted_private_key, key.kid)
            # Authenticated by the decryption above, and checked against its kid below.
            private_key = load_private_key(pem, checked_before=True)
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
