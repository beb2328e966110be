"""Changes to signing keys: create, import, rotate, revoke, purge, re-encrypt.

Every change runs in one transaction that first takes the KeyStoreLock row, so two
hosts running `rotate_keys` at once are serialised and the second sees what the
first did: exactly one new key results. What rotation guarantees:

- A new key is published PUBLISH_AHEAD seconds before it signs (`rotate`), so every
  consumer and every auth-server process has it before the first token carries its kid.
- The key it replaces retires at that moment and stays published for `retention()`
  = ACCESS_TOKEN_TTL + LEEWAY + JWKS_MAX_AGE + KEY_CACHE_TTL more seconds: its last
  token has then expired (with leeway) even if a process kept signing with it for one
  KEY_CACHE_TTL after an immediate rotation, and consumers caching the JWKS still
  verify it.
- At most one key is pending. `rotate` while one is pending changes nothing (and says
  so); with `immediately=True` it activates that pending key now instead.
- There is always a key that signs: revoking the active key activates the pending one
  at once or creates a new active key; revoking a pending key cancels the active key's
  scheduled retirement.

Each function returns an Outcome whose `messages` are one line per action taken (or
why none was), ready for a management command to print. None contains key material.
"""

from __future__ import annotations

import logging
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from django.db import IntegrityError, transaction
from django.db.models import Q
from django.utils import timezone

from authfort_django import audit
from authfort_django.conf import SUPPORTED_ALGORITHMS, authfort_settings
from authfort_django.keys.crypto import (
    PrivateKey,
    UnsupportedAlgorithm,
    generate_private_key,
    public_jwk,
    serialize_private_key,
)
from authfort_django.keys.encryption import (
    decrypt_private_key,
    encrypt_private_key,
    encrypted_with_current_key,
)
from authfort_django.keys.states import (
    KeyState,
    key_state,
    key_statuses,
    published_keys,
)
from authfort_django.keys.store import key_store
from authfort_django.models import AuthEvent, KeyStoreLock, SigningKey

__all__ = [
    "KeyRotationError",
    "Outcome",
    "RotationConflict",
    "UnknownKey",
    "UnsupportedAlgorithm",
    "ensure_key",
    "import_key",
    "key_statuses",
    "purge_expired",
    "reencrypt_all",
    "retention",
    "revoke",
    "rotate",
]

logger = logging.getLogger("authfort.keys")


class KeyRotationError(Exception):
    """A key change was refused; nothing was changed. The message says what to do."""


class UnknownKey(KeyRotationError):
    """No signing key has the given kid."""


class RotationConflict(KeyRotationError):
    """The request contradicts the keys as they are (e.g. another algorithm is pending)."""


@dataclass(frozen=True)
class Outcome:
    """What a key change did: `changed` is False when it left everything as it was."""

    changed: bool
    messages: tuple[str, ...] = field(default_factory=tuple)
    key: SigningKey | None = None


def retention() -> timedelta:
    """How long a retired key stays published after its last possible signature."""
    return timedelta(
        seconds=authfort_settings.ACCESS_TOKEN_TTL
        + authfort_settings.LEEWAY
        + authfort_settings.JWKS_MAX_AGE
        + authfort_settings.KEY_CACHE_TTL
    )


def ensure_key(now: datetime | None = None, *, algorithm: str | None = None) -> Outcome:
    """Make sure a key signs at `now`: nothing if one does, else activate the pending key or create one."""
    algorithm = _checked_algorithm(algorithm)
    with _locked():
        now = now or timezone.now()
        current, pending = _current_and_pending(now)
        if current is not None:
            return Outcome(False, (f"Key {current.kid} ({current.algorithm}) is active; nothing to do.",), current)
        if pending is not None:
            _activate(pending, now)
            return Outcome(True, (f"Activated pending key {pending.kid} ({pending.algorithm}) now: no key was signing.",), pending)
        key = _create(algorithm, activates_at=now, now=now)
        return Outcome(True, (f"Created key {key.kid} ({key.algorithm}), active now.",), key)


def rotate(
    now: datetime | None = None,
    *,
    algorithm: str | None = None,
    immediately: bool = False,
    min_age: timedelta | None = None,
) -> Outcome:
    """Schedule the hand-over to a new key (see the module docstring for the rules).

    - No pending key: create one that activates at now + PUBLISH_AHEAD (now when
      `immediately`, or when no key signs at all); the active key retires then.
    - A pending key: nothing, unless `immediately` (or no key signs), which activates it now.
    - `min_age`: nothing while the active key has signed for less than this.
    - `algorithm` (default ALGORITHM): RotationConflict if a pending key has another one.
    """
    explicit_algorithm = algorithm is not None
    algorithm = _checked_algorithm(algorithm)
    with _locked():
        now = now or timezone.now()
        current, pending = _current_and_pending(now)
        if min_age is not None and current is not None and now - current.activates_at < min_age:
            age = _duration(now - current.activates_at)
            return Outcome(
                False,
                (f"Key {current.kid} has signed for {age}, less than {_duration(min_age)}; nothing to do.",),
                current,
            )
        if pending is not None:
            if explicit_algorithm and pending.algorithm != algorithm:
                raise RotationConflict(
                    f"Key {pending.kid} ({pending.algorithm}) is already pending; a {algorithm} key "
                    f"cannot be scheduled too. Wait until it activates at {_at(pending.activates_at)}, "
                    f"or revoke it with --revoke {pending.kid} and rotate again."
                )
            if not immediately and current is not None:
                return Outcome(
                    False,
                    (
                        f"Key {pending.kid} ({pending.algorithm}) is already pending and activates at "
                        f"{_at(pending.activates_at)}; nothing to do (--now activates it immediately).",
                    ),
                    pending,
                )
            # With no key signing, waiting for the pending key's turn would leave a gap.
            _activate(pending, now)
            messages = [f"Activated pending key {pending.kid} ({pending.algorithm}) now."]
            if current is not None:
                messages.append(_retire(current, now))
            return Outcome(True, tuple(messages), pending)
        return _add_next_key("Created", algorithm, current, now, immediately=immediately)


def import_key(
    private_key: PrivateKey,
    algorithm: str,
    now: datetime | None = None,
    *,
    immediately: bool = False,
) -> Outcome:
    """Add a private key made elsewhere (keys/importing.py checks it) as the next signing key.

    It is scheduled as `rotate` schedules a generated key: published now, signing after
    PUBLISH_AHEAD (now when `immediately` or when no key signs), the active key retiring
    then. Refused (RotationConflict) while another key is pending, since at most one is,
    and when a key with the same kid is stored in any state: a revoked key stays revoked.
    """
    algorithm = _checked_algorithm(algorithm)
    kid = public_jwk(private_key, algorithm)["kid"]
    with _locked():
        now = now or timezone.now()
        existing = SigningKey.objects.filter(kid=kid).first()
        if existing is not None:
            state = key_state(existing, now)
            raise RotationConflict(
                f"Key {kid} ({existing.algorithm}) is already in the store ({state.value}); nothing imported. "
                f"`rotate_keys --status` lists the keys."
            )
        current, pending = _current_and_pending(now)
        if pending is not None:
            raise RotationConflict(
                f"Key {pending.kid} ({pending.algorithm}) is already pending; an imported key cannot be "
                f"scheduled too. Wait until it activates at {_at(pending.activates_at)}, or revoke it with "
                f"--revoke {pending.kid}, then import again."
            )
        return _add_next_key("Imported", algorithm, current, now, immediately=immediately, private_key=private_key)


def _add_next_key(
    verb: str,
    algorithm: str,
    current: SigningKey | None,
    now: datetime,
    *,
    immediately: bool,
    private_key: PrivateKey | None = None,
) -> Outcome:
    """Store the next key (generated, or `private_key`): published now, signing now when
    `immediately` or nothing signs, else after PUBLISH_AHEAD, when `current` retires.
    Under the caller's lock."""
    activates_at = now if immediately or current is None else now + _publish_ahead()
    key = _create(algorithm, activates_at=activates_at, now=now, private_key=private_key)
    if activates_at == now:
        messages = [f"{verb} key {key.kid} ({key.algorithm}), active now."]
    else:
        messages = [f"{verb} key {key.kid} ({key.algorithm}), published now, signs from {_at(activates_at)}."]
    if current is not None:
        messages.append(_retire(current, activates_at))
    return Outcome(True, tuple(messages), key)


def revoke(kid: str, now: datetime | None = None) -> Outcome:
    """Unpublish `kid` at once and destroy its private key; keep a key that signs.

    Other processes stop serving it within KEY_CACHE_TTL; this one at once.
    Raises UnknownKey when no key has this kid.
    """
    with _locked():
        now = now or timezone.now()
        key = SigningKey.objects.filter(kid=kid).first()
        if key is None:
            raise UnknownKey(f"No signing key has kid {kid!r}; `rotate_keys --status` lists them.")
        state = key_state(key, now)
        if state is KeyState.REVOKED:
            return Outcome(False, (f"Key {kid} was already revoked at {_at(key.revoked_at)}; nothing to do.",), key)
        key.revoked_at = now
        key.private_key = ""
        key.save(update_fields=["revoked_at", "private_key"])
        audit.record(AuthEvent.Type.KEY_REVOKED, kid=key.kid, algorithm=key.algorithm, state=state.value)
        messages = [f"Revoked key {kid} ({state.value}): unpublished, private key destroyed."]
        if state is KeyState.PENDING:
            messages += _cancel_handover_to(key)
        elif state is KeyState.ACTIVE:
            current, pending = _current_and_pending(now)
            if current is None and pending is not None:
                _activate(pending, now)
                messages.append(f"Activated pending key {pending.kid} ({pending.algorithm}) now, so the server can sign.")
            elif current is None:
                new = _create(_checked_algorithm(None), activates_at=now, now=now)
                messages.append(f"Created key {new.kid} ({new.algorithm}), active now, so the server can sign.")
        return Outcome(True, tuple(messages), key)


def purge_expired(now: datetime | None = None) -> Outcome:
    """Delete expired keys, and revoked keys once `retention()` has passed, with their private keys."""
    with _locked():
        now = now or timezone.now()
        doomed = SigningKey.objects.filter(
            Q(expires_at__lte=now) | Q(revoked_at__lte=now - retention())
        ).order_by("activates_at")
        kids = list(doomed.values_list("kid", flat=True))
        if not kids:
            return Outcome(False, ("No expired keys to purge.",))
        doomed.delete()
        logger.info("purged signing keys %s", " ".join(kids))
        return Outcome(True, tuple(f"Purged key {kid} and its private key." for kid in kids))


def reencrypt_all() -> Outcome:
    """Re-encrypt every stored private key under the first KEY_ENCRYPTION_KEYS secret.

    All or nothing: if any key cannot be decrypted, KeyDecryptionError and no change.
    """
    with _locked():
        messages = []
        for key in SigningKey.objects.exclude(private_key="").order_by("activates_at"):
            if encrypted_with_current_key(key.private_key):
                continue
            plaintext = decrypt_private_key(key.private_key, key.kid)
            key.private_key = encrypt_private_key(plaintext, key.kid)
            key.save(update_fields=["private_key"])
            messages.append(f"Re-encrypted the private key of {key.kid} with the first KEY_ENCRYPTION_KEYS entry.")
        if not messages:
            return Outcome(False, ("Every private key is already encrypted with the first KEY_ENCRYPTION_KEYS entry.",))
        return Outcome(True, tuple(messages))


# Internals: the lock, then what runs inside it.


def _create_lock_row() -> None:
    """The lock row exists before anyone locks it. Creating it inside the locking
    transaction deadlocks on InnoDB when three hosts start at once: the two that lose
    the INSERT race each hold a shared lock on the winner's row, and each then waits
    for the other to let go before its UPDATE can lock it."""
    if KeyStoreLock.objects.filter(pk=1).exists():
        return
    try:
        with transaction.atomic():
            KeyStoreLock.objects.create(pk=1, locked_at=timezone.now())
    except IntegrityError:
        pass  # another host created it: that is all this wanted


@contextmanager
def _locked() -> Iterator[None]:
    """A transaction holding the KeyStoreLock row; the in-process cache is dropped afterwards."""
    _create_lock_row()
    with transaction.atomic():
        # An UPDATE of an existing row takes a row lock on PostgreSQL and MariaDB/MySQL,
        # and the write lock on SQLite.
        KeyStoreLock.objects.filter(pk=1).update(locked_at=timezone.now())
        yield
        # Now for this thread's next read, and after commit for other threads, which
        # could otherwise cache the pre-commit state for a whole KEY_CACHE_TTL.
        key_store.invalidate()
        transaction.on_commit(key_store.invalidate)


def _current_and_pending(now: datetime) -> tuple[SigningKey | None, SigningKey | None]:
    keys = published_keys(now)
    active = [key for key, state in keys if state is KeyState.ACTIVE]
    pending = [key for key, state in keys if state is KeyState.PENDING]
    # Normally at most one of each; if not, the newest active signs (as in the key store)
    # and the earliest pending is next.
    return (active[0] if active else None), (pending[-1] if pending else None)


def _create(
    algorithm: str, *, activates_at: datetime, now: datetime, private_key: PrivateKey | None = None
) -> SigningKey:
    """Store a key (a new one unless `private_key` is given), encrypted, and audit it as created."""
    imported = private_key is not None
    if private_key is None:
        private_key = generate_private_key(algorithm, authfort_settings.RSA_KEY_SIZE)
    jwk = public_jwk(private_key, algorithm)
    kid = jwk["kid"]
    key = SigningKey.objects.create(
        kid=kid,
        algorithm=algorithm,
        public_jwk=jwk,
        private_key=encrypt_private_key(serialize_private_key(private_key), kid),
        created_at=now,
        activates_at=activates_at,
    )
    # An import is a creation with another origin: the same event, so alerts on key
    # creation fire for it too, and `origin` tells the two apart.
    audit.record(
        AuthEvent.Type.KEY_CREATED,
        kid=kid,
        algorithm=algorithm,
        activates_at=_at(activates_at),
        origin="imported" if imported else "generated",
    )
    return key


def _activate(key: SigningKey, at: datetime) -> None:
    key.activates_at = at
    key.save(update_fields=["activates_at"])


def _retire(key: SigningKey, at: datetime) -> str:
    key.retires_at = at
    key.expires_at = at + retention()
    key.save(update_fields=["retires_at", "expires_at"])
    return f"Key {key.kid} retires at {_at(at)} and stays published until {_at(key.expires_at)}."


def _cancel_handover_to(revoked: SigningKey) -> list[str]:
    """The revoked pending key will never sign: the key it was to replace keeps signing."""
    handing_over = SigningKey.objects.filter(revoked_at__isnull=True, retires_at=revoked.activates_at)
    messages = []
    for key in handing_over:
        key.retires_at = None
        key.expires_at = None
        key.save(update_fields=["retires_at", "expires_at"])
        messages.append(f"Key {key.kid} keeps signing: its hand-over to {revoked.kid} is cancelled.")
    return messages


def _checked_algorithm(algorithm: str | None) -> str:
    algorithm = algorithm or authfort_settings.ALGORITHM
    if algorithm not in SUPPORTED_ALGORITHMS:
        raise UnsupportedAlgorithm(
            f"Unsupported signing algorithm {algorithm!r}; use one of {', '.join(SUPPORTED_ALGORITHMS)}."
        )
    return algorithm


def _publish_ahead() -> timedelta:
    return timedelta(seconds=authfort_settings.PUBLISH_AHEAD)


def _at(moment: datetime | None) -> str:
    return moment.isoformat(timespec="seconds") if moment else "-"


def _duration(delta: timedelta) -> str:
    """`30d`, `1.5h`, `45s`: the largest unit that fits, in the --if-older-than notation."""
    seconds = int(delta.total_seconds())
    for unit, size in (("d", 86400), ("h", 3600), ("m", 60)):
        if seconds >= size:
            return f"{seconds // size}{unit}" if seconds % size == 0 else f"{seconds / size:.1f}{unit}"
    return f"{seconds}s"
