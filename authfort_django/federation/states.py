"""The authorization request in flight: `state`, OIDC `nonce` and PKCE (S256).

The browser holds a random secret in an HttpOnly cookie (the view sets it). The
row stores only digests of the state and of that secret, and the PKCE verifier is
an HMAC of the state keyed by the secret: a callback completes only in the browser
that started it, only once, and only within OAUTH_STATE_TTL. Neither a leaked row
nor a leaked state finishes anybody's sign-in.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import re
import secrets
from dataclasses import dataclass
from datetime import timedelta
from typing import Any

from django.db import transaction
from django.utils import timezone

from authfort_django.conf import authfort_settings
from authfort_django.federation import errors
from authfort_django.models import OAuthState

_SECRET = re.compile(r"[A-Za-z0-9_-]{43}")


@dataclass(frozen=True)
class Started:
    state: str
    nonce: str
    code_verifier: str
    browser_secret: str  # the cookie's value


@dataclass(frozen=True)
class Resumed:
    record: OAuthState
    code_verifier: str


def _digest(value: str) -> str:
    return hashlib.sha256(value.encode("ascii")).hexdigest()


def _code_verifier(browser_secret: str, state: str) -> str:
    mac = hmac.new(browser_secret.encode("ascii"), b"pkce:" + state.encode("ascii"), hashlib.sha256).digest()
    return base64.urlsafe_b64encode(mac).rstrip(b"=").decode("ascii")  # 43 characters (RFC 7636 §4.1)


def usable_secret(value: object) -> str | None:
    return value if isinstance(value, str) and _SECRET.fullmatch(value) else None


def begin(*, provider: str, redirect_to: str, link_user: Any = None, browser_secret: str | None = None) -> Started:
    """A new single-use state for this browser (its existing secret is kept: two tabs may sign in at once)."""
    browser_secret = usable_secret(browser_secret) or secrets.token_urlsafe(32)
    state = secrets.token_urlsafe(32)
    nonce = secrets.token_urlsafe(32)
    now = timezone.now()
    OAuthState.objects.create(
        state_hash=_digest(state),
        binding_hash=_digest(browser_secret),
        provider=provider,
        nonce=nonce,
        redirect_to=redirect_to,
        link_user=link_user,
        created_at=now,
        expires_at=now + timedelta(seconds=int(authfort_settings.OAUTH_STATE_TTL)),
    )
    return Started(state, nonce, _code_verifier(browser_secret, state), browser_secret)


def resume(*, provider: str, state: object, browser_secret: object) -> Resumed:
    """The state's row, marked used; StateInvalid, StateUsed or StateExpired otherwise.

    A state presented without its browser's secret is refused and left unused, so a
    forged callback cannot spend the real user's state.
    """
    secret = usable_secret(browser_secret)
    if not isinstance(state, str) or not _SECRET.fullmatch(state) or secret is None:
        raise errors.StateInvalid()
    now = timezone.now()
    with transaction.atomic():
        record = OAuthState.objects.select_for_update().filter(state_hash=_digest(state)).first()
        if record is None or record.provider != provider:
            raise errors.StateInvalid()
        if not hmac.compare_digest(record.binding_hash, _digest(secret)):
            raise errors.StateInvalid()
        if record.used_at is not None:
            raise errors.StateUsed()
        if now >= record.expires_at:
            raise errors.StateExpired()
        record.used_at = now
        record.save(update_fields=["used_at"])
    return Resumed(record, _code_verifier(secret, state))


def purge_expired(*, now: Any = None) -> int:
    now = now or timezone.now()
    return OAuthState.objects.filter(expires_at__lte=now - timedelta(days=1)).delete()[0]
