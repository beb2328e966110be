"""A signing key's state follows from its timestamps alone.

    pending  now < activates_at                    published, does not sign
    active   activates_at <= now, not retired      published, signs (latest activates_at wins)
    retired  retires_at <= now < expires_at        published, verifies older tokens
    expired  expires_at <= now                     gone; purged with its private material
    revoked  revoked_at set                        gone at once, whatever the timestamps say
"""

from __future__ import annotations

import enum
from datetime import datetime

from django.utils import timezone

from authfort_django.models import SigningKey

__all__ = ["PUBLISHED_STATES", "KeyState", "key_state", "key_statuses", "published_keys"]


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
    keys/rotation.py decides from it, so the key rotation retires is the key that signs.
    """
    rows = (
        SigningKey.objects.filter(revoked_at__isnull=True)
        .exclude(expires_at__lte=now)
        .order_by("-activates_at", "kid")
    )
    return [(row, key_state(row, now)) for row in rows]


def key_statuses(now: datetime | None = None) -> list[tuple[SigningKey, KeyState]]:
    """Every stored key with its state at `now`, newest first (for `rotate_keys --status`)."""
    now = now or timezone.now()
    keys = SigningKey.objects.defer("private_key").order_by("-activates_at", "kid")
    return [(key, key_state(key, now)) for key in keys]
