"""Sessions: start one, tell whether it is live, revoke one or all of a user's.

A session is one sign-in: the `sid` claim of its access tokens and the family of
its single-use refresh tokens (rotation is in refresh.py). A refresh token is
256 bits from `secrets`; only its SHA-256 is stored.
"""

from __future__ import annotations

import hashlib
import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from django.db import transaction
from django.db.models import F, QuerySet
from django.utils import timezone

from authfort_django.conf import authfort_settings
from authfort_django.models import Account, RefreshToken, Session, User
from authfort_django.observability import context as log_context
from authfort_django.request_context import NO_REQUEST, RequestContext

REFRESH_TOKEN_BYTES = 32


@dataclass(frozen=True)
class SessionGrant:
    """A live session and the raw refresh token to hand to the client (shown once)."""

    session: Session
    refresh_token: str


def hash_refresh_token(raw: str) -> str:
    return hashlib.sha256(raw.encode("utf-8", "surrogatepass")).hexdigest()


def new_refresh_token(session: Session, now: datetime) -> tuple[RefreshToken, str]:
    raw = secrets.token_urlsafe(REFRESH_TOKEN_BYTES)
    log_context.note_secrets([raw])  # any later log line of this request blanks it
    record = RefreshToken.objects.create(
        token_hash=hash_refresh_token(raw), session=session, issued_at=now
    )
    return record, raw


def start_session(
    user: Any, context: RequestContext = NO_REQUEST, *, amr: list[str] | tuple[str, ...] = ("pwd",)
) -> SessionGrant:
    """A new live session for `user` with its first refresh token.

    `amr` (RFC 8176) says how the user just authenticated; with the session's start as
    `auth_time`, every access token of the session carries it.
    """
    now = timezone.now()
    with transaction.atomic():
        session = Session.objects.create(
            user=user,
            created_at=now,
            last_used_at=now,
            expires_at=now + timedelta(seconds=int(authfort_settings.REFRESH_TOKEN_TTL)),
            user_agent=context.user_agent,
            ip_address=context.ip_address,
            amr=list(amr),
            auth_time=now,
        )
        _, raw = new_refresh_token(session, now)
    return SessionGrant(session, raw)


def idle_ttl() -> timedelta:
    return timedelta(seconds=int(authfort_settings.REFRESH_IDLE_TTL))


def session_is_live(session: Session, now: datetime | None = None) -> bool:
    """Not revoked, before its absolute expiry and used within REFRESH_IDLE_TTL."""
    now = now or timezone.now()
    idle_limit = session.last_used_at + idle_ttl()
    return session.revoked_at is None and now < session.expires_at and now < idle_limit


def refresh_token_lifetime(session: Session, now: datetime | None = None) -> int:
    """Seconds the session's newest refresh token can still be used (idle or absolute limit)."""
    now = now or timezone.now()
    until = min(session.expires_at, session.last_used_at + idle_ttl())
    return max(0, int((until - now).total_seconds()))


def live_sessions(user: User, now: datetime | None = None) -> QuerySet[Session]:
    """The user's sessions that can still refresh, newest first (the same rule as session_is_live)."""
    now = now or timezone.now()
    return Session.objects.filter(
        user=user, revoked_at__isnull=True, expires_at__gt=now, last_used_at__gt=now - idle_ttl()
    ).order_by("-created_at")


def revoke_session(session: Session, *, reason: str, now: datetime | None = None) -> bool:
    """Revoke one session; returns False if it was already revoked."""
    now = now or timezone.now()
    updated = Session.objects.filter(pk=session.pk, revoked_at__isnull=True).update(
        revoked_at=now, revoked_reason=reason
    )
    session.revoked_at = session.revoked_at or now
    session.revoked_reason = session.revoked_reason or reason
    return bool(updated)


def revoke_all_sessions(user: User, *, reason: str) -> int:
    """Revoke every unrevoked session of `user`; returns how many."""
    return Session.objects.filter(user=user, revoked_at__isnull=True).update(
        revoked_at=timezone.now(), revoked_reason=reason
    )


def end_every_session(user: User, *, reason: str) -> int:
    """Revoke every session of `user` and invalidate every access token already issued
    (both levers: see revocation); returns how many sessions ended."""
    ended = revoke_all_sessions(user, reason=reason)
    bump_token_version(user)
    return ended


def bump_token_version(user: User) -> None:
    """Invalidate every access token of `user` issued so far (the `ver` claim)."""
    account = Account.objects.of(user)
    Account.objects.filter(pk=account.pk).update(token_version=F("token_version") + 1)
    account.refresh_from_db(fields=["token_version"])
