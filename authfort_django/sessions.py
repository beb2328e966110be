"""Sessions and their single-use refresh tokens: start, rotate, revoke.

A refresh token is 256 bits from `secrets`; only its SHA-256 is stored. Each
refresh consumes the presented token under a row lock and issues its successor.
Presenting a consumed token again means it leaked (or a client misbehaves): the
whole session is revoked, and that revocation is committed even though the
request then fails.
"""

from __future__ import annotations

import hashlib
import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta

from django.db import transaction
from django.db.models import F
from django.http import HttpRequest
from django.utils import timezone

from . import audit, exceptions
from .app_settings import authfort_settings
from .models import AuthEvent, RefreshToken, Session, User
from .signals import refresh_token_reused

REFRESH_TOKEN_BYTES = 32


@dataclass(frozen=True)
class SessionGrant:
    """A live session and the raw refresh token to hand to the client (shown once)."""

    session: Session
    refresh_token: str


def hash_refresh_token(raw: str) -> str:
    return hashlib.sha256(raw.encode("utf-8", "surrogatepass")).hexdigest()


def _new_refresh_token(session: Session, now: datetime) -> tuple[RefreshToken, str]:
    raw = secrets.token_urlsafe(REFRESH_TOKEN_BYTES)
    record = RefreshToken.objects.create(
        token_hash=hash_refresh_token(raw), session=session, issued_at=now
    )
    return record, raw


def start_session(user: User, request: HttpRequest | None = None) -> SessionGrant:
    now = timezone.now()
    with transaction.atomic():
        session = Session.objects.create(
            user=user,
            created_at=now,
            last_used_at=now,
            expires_at=now + timedelta(seconds=int(authfort_settings.REFRESH_TOKEN_TTL)),
            user_agent=audit.user_agent(request),
            ip_address=audit._valid_ip(audit.client_ip(request)),
        )
        _, raw = _new_refresh_token(session, now)
    return SessionGrant(session, raw)


def session_is_live(session: Session, now: datetime | None = None) -> bool:
    now = now or timezone.now()
    idle_limit = session.last_used_at + timedelta(seconds=int(authfort_settings.REFRESH_IDLE_TTL))
    return session.revoked_at is None and now < session.expires_at and now < idle_limit


def rotate_refresh_token(raw: str, request: HttpRequest | None = None) -> SessionGrant:
    """Consume `raw` and return the session with its next refresh token.

    Raises a RefreshError subclass; on reuse the session is revoked first.
    """
    if not raw:
        raise exceptions.RefreshTokenMissing()
    token_hash = hash_refresh_token(raw)
    now = timezone.now()
    grant: SessionGrant | None = None
    newly_revoked = False
    with transaction.atomic():
        try:
            # Lock the token row: a concurrent refresh of the same token waits here and
            # then finds it consumed, so exactly one of them succeeds.
            current = (
                RefreshToken.objects.select_for_update()
                .select_related("session__user")
                .get(token_hash=token_hash)
            )
        except RefreshToken.DoesNotExist:
            raise exceptions.RefreshError() from None
        session = current.session
        if current.used_at is not None:
            if session.revoked_at is None:
                revoke_session(session, reason="refresh_token_reused", now=now)
                audit.record(
                    AuthEvent.Type.REFRESH_REUSED, user=session.user, session=session, request=request
                )
                newly_revoked = True
            # Leave the atomic block normally so the revocation commits; raise after it.
        elif session.revoked_at is not None or not session.user.is_active:
            raise exceptions.RefreshTokenRevoked()
        elif not session_is_live(session, now):
            raise exceptions.RefreshTokenExpired()
        else:
            successor, new_raw = _new_refresh_token(session, now)
            current.used_at = now
            current.replaced_by = successor
            current.save(update_fields=["used_at", "replaced_by"])
            session.last_used_at = now
            session.save(update_fields=["last_used_at"])
            audit.record(AuthEvent.Type.REFRESH, user=session.user, session=session, request=request)
            grant = SessionGrant(session, new_raw)
    if grant is not None:
        return grant
    if newly_revoked:
        refresh_token_reused.send(sender=Session, user=session.user, session=session, request=request)
    raise exceptions.RefreshTokenReused()


def revoke_session(session: Session, *, reason: str, now: datetime | None = None) -> bool:
    """Revoke one session; returns False if it was already revoked."""
    now = now or timezone.now()
    updated = Session.objects.filter(pk=session.pk, revoked_at__isnull=True).update(
        revoked_at=now, revoked_reason=reason
    )
    session.revoked_at = session.revoked_at or now
    session.revoked_reason = session.revoked_reason or reason
    return bool(updated)


def revoke_all_sessions(user: User, *, reason: str, except_session: Session | None = None) -> int:
    sessions = Session.objects.filter(user=user, revoked_at__isnull=True)
    if except_session is not None:
        sessions = sessions.exclude(pk=except_session.pk)
    return sessions.update(revoked_at=timezone.now(), revoked_reason=reason)


def bump_token_version(user: User) -> None:
    """Invalidate every access token of `user` issued so far (the `ver` claim)."""
    User.objects.filter(pk=user.pk).update(token_version=F("token_version") + 1)
    user.refresh_from_db(fields=["token_version"])
