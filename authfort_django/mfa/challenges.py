"""Short-lived single-use tokens: the `mfa_token` of a login waiting for its second factor,
and the `challenge_token` of a passkey ceremony.

The raw token is `<selector>.<verifier>` (both from `secrets`): the selector finds
the row, only the verifier's SHA-256 is stored and it is compared in constant
time. A token is bound to its purpose, its user (when known) and what was already
proven (`amr`); it lives MFA_TOKEN_TTL seconds, is used once, and allows
MFA_MAX_ATTEMPTS tries, counted before a factor is even looked at.
"""

from __future__ import annotations

import hashlib
import hmac
import re
import secrets
from datetime import timedelta
from typing import Any

from django.db.models import F
from django.utils import timezone

from authfort_django.conf import authfort_settings
from authfort_django.mfa import errors
from authfort_django.models import MFAChallenge
from authfort_django.observability import context as log_context

_SHAPE = re.compile(r"([0-9a-f]{32})\.([A-Za-z0-9_-]{43})")


def _digest(verifier: str) -> str:
    return hashlib.sha256(verifier.encode("ascii")).hexdigest()


def issue(purpose: str, *, user: Any = None, amr: list[str] | None = None, webauthn_challenge: str = "") -> tuple[MFAChallenge, str]:
    """A new challenge row and its raw token (shown once)."""
    selector, verifier = secrets.token_hex(16), secrets.token_urlsafe(32)
    now = timezone.now()
    row = MFAChallenge.objects.create(
        purpose=purpose,
        user=user,
        selector=selector,
        verifier_hash=_digest(verifier),
        webauthn_challenge=webauthn_challenge,
        amr=list(amr or []),
        created_at=now,
        expires_at=now + timedelta(seconds=int(authfort_settings.MFA_TOKEN_TTL)),
    )
    raw = f"{selector}.{verifier}"
    log_context.note_secrets([raw])
    return row, raw


def find(raw: object, purpose: str, *, invalid: type[errors.MFATokenError] = errors.MFATokenInvalid) -> MFAChallenge:
    """The row of `raw` for `purpose`, whatever its state; `invalid` when there is none."""
    match = _SHAPE.fullmatch(raw) if isinstance(raw, str) else None
    if match is None:
        raise invalid()
    row = MFAChallenge.objects.select_related("user").filter(selector=match[1], purpose=purpose).first()
    if row is None or not hmac.compare_digest(row.verifier_hash, _digest(match[2])):
        raise invalid()
    return row


def usable(raw: object, purpose: str, *, invalid: type[errors.MFATokenError] = errors.MFATokenInvalid) -> MFAChallenge:
    """The row of `raw` when it can still be used: not used, not expired, tries left."""
    row = find(raw, purpose, invalid=invalid)
    if row.used_at is not None:
        raise errors.MFATokenUsed() if invalid is errors.MFATokenInvalid else invalid()
    if timezone.now() >= row.expires_at:
        raise errors.MFATokenExpired() if invalid is errors.MFATokenInvalid else invalid()
    return row


def count_attempt(row: MFAChallenge) -> None:
    """Spend one try of `row`, atomically; MFAAttemptsExceeded when none is left (nothing is checked then)."""
    spent = MFAChallenge.objects.filter(
        pk=row.pk, used_at__isnull=True, attempts__lt=int(authfort_settings.MFA_MAX_ATTEMPTS)
    ).update(attempts=F("attempts") + 1)
    if not spent:
        raise errors.MFAAttemptsExceeded()
    row.attempts += 1


def consume(row: MFAChallenge, *, invalid: type[errors.MFATokenError] = errors.MFATokenUsed) -> None:
    """Mark `row` used; of two concurrent uses exactly one succeeds."""
    now = timezone.now()
    if not MFAChallenge.objects.filter(pk=row.pk, used_at__isnull=True).update(used_at=now):
        raise invalid()
    row.used_at = now


def purge_expired(now: Any = None) -> int:
    """Delete challenges past their expiry (manage.py purge_expired may call it)."""
    deleted, _ = MFAChallenge.objects.filter(expires_at__lte=now or timezone.now()).delete()
    return deleted


def user_of(raw: object, purpose: str) -> Any:
    """The user a genuine token of `purpose` names, or None (for per-account throttles)."""
    try:
        return find(raw, purpose).user
    except errors.MFATokenError:
        return None
