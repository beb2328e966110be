"""Sessions and their single-use refresh tokens: start, rotate, revoke.

A refresh token is 256 bits from `secrets`; only its SHA-256 is stored. Each
refresh consumes the presented token under a row lock and issues its successor.
Presenting a consumed token again means it leaked (or a client misbehaves): the
whole session is revoked, and that revocation is committed even though the
request then fails.
"""

from __future__ import annotations

import hashlib
import re
import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta

from django.db import transaction
from django.db.models import F, Q, QuerySet
from django.http import HttpRequest
from django.utils import timezone

from . import audit, exceptions, log_context
from .app_settings import authfort_settings
from .models import AuthEvent, RefreshToken, Session, User
from .signals import refresh_token_reused

REFRESH_TOKEN_BYTES = 32
# What `secrets.token_urlsafe` produces, with room for a longer REFRESH_TOKEN_BYTES later.
# Anything else is refused before it reaches the database.
_REFRESH_TOKEN_SHAPE = re.compile(r"[A-Za-z0-9_-]{40,128}")


@dataclass(frozen=True)
class SessionGrant:
    """A live session and the raw refresh token to hand to the client (shown once)."""

    session: Session
    refresh_token: str


def hash_refresh_token(raw: str) -> str:
    return hashlib.sha256(raw.encode("utf-8", "surrogatepass")).hexdigest()


def _checked_hash(raw: object) -> str:
    """The stored form of `raw`, or a RefreshError saying what is wrong with it."""
    if raw is None or raw == "":
        raise exceptions.RefreshTokenMissing()
    if not isinstance(raw, str) or not _REFRESH_TOKEN_SHAPE.fullmatch(raw):
        raise exceptions.RefreshTokenMalformed()
    return hash_refresh_token(raw)


def _new_refresh_token(session: Session, now: datetime) -> tuple[RefreshToken, str]:
    raw = secrets.token_urlsafe(REFRESH_TOKEN_BYTES)
    log_context.note_secrets([raw])  # any later log line of this request blanks it
    record = RefreshToken.objects.create(
        token_hash=hash_refresh_token(raw), session=session, issued_at=now
    )
    return record, raw


def start_session(user: User, request: HttpRequest | None = None) -> SessionGrant:
    """A new live session for `user` with its first refresh token."""
    now = timezone.now()
    with transaction.atomic():
        session = Session.objects.create(
            user=user,
            created_at=now,
            last_used_at=now,
            expires_at=now + timedelta(seconds=int(authfort_settings.REFRESH_TOKEN_TTL)),
            user_agent=audit.user_agent(request),
            ip_address=audit.client_ip(request),
        )
        _, raw = _new_refresh_token(session, now)
    return SessionGrant(session, raw)


def _idle_ttl() -> timedelta:
    return timedelta(seconds=int(authfort_settings.REFRESH_IDLE_TTL))


def session_is_live(session: Session, now: datetime | None = None) -> bool:
    """Not revoked, before its absolute expiry and used within REFRESH_IDLE_TTL."""
    now = now or timezone.now()
    idle_limit = session.last_used_at + _idle_ttl()
    return session.revoked_at is None and now < session.expires_at and now < idle_limit


def refresh_token_lifetime(session: Session, now: datetime | None = None) -> int:
    """Seconds the session's newest refresh token can still be used (idle or absolute limit)."""
    now = now or timezone.now()
    until = min(session.expires_at, session.last_used_at + _idle_ttl())
    return max(0, int((until - now).total_seconds()))


def live_sessions(user: User, now: datetime | None = None) -> QuerySet[Session]:
    """The user's sessions that can still refresh, newest first (the same rule as session_is_live)."""
    now = now or timezone.now()
    return Session.objects.filter(
        user=user, revoked_at__isnull=True, expires_at__gt=now, last_used_at__gt=now - _idle_ttl()
    ).order_by("-created_at")


def session_for_refresh_token(raw: object) -> Session:
    """The session a refresh token belongs to, whatever the token's or session's state.

    For logout: any token of the family identifies the session to end. Raises a
    RefreshError when the token is missing, malformed or unknown.
    """
    token_hash = _checked_hash(raw)
    record = RefreshToken.objects.select_related("session__user").filter(token_hash=token_hash).first()
    if record is None:
        raise exceptions.RefreshError()
    return record.session


def rotate_refresh_token(raw: object, request: HttpRequest | None = None) -> SessionGrant:
    """Consume `raw` and return the session with its next refresh token.

    Raises a RefreshError subclass (missing, malformed, unknown, revoked, expired,
    reused); on reuse the session is revoked and that is committed before raising.
    Call it outside any transaction (the refresh URL is non-atomic): an outer
    transaction that rolls back would undo the revocation.
    """
    token_hash = _checked_hash(raw)
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
        transaction.on_commit(
            lambda: refresh_token_reused.send(
                sender=Session, user=session.user, session=session, request=request
            )
        )
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
    User.objects.filter(pk=user.pk).update(token_version=F("token_version") + 1)
    user.refresh_from_db(fields=["token_version"])


@dataclass(frozen=True)
class PurgeResult:
    sessions: int
    refresh_tokens: int


def purge_expired(*, batch_size: int = 1000, now: datetime | None = None) -> PurgeResult:
    """Delete sessions past their absolute or idle expiry, with their refresh tokens.

    Revoked sessions stay until they expire too: the rows let a replayed token be
    recognised and answered `refresh_token_revoked`, and /auth/sessions history
    and the audit log keep their reference meanwhile. Used refresh tokens of live
    sessions are never deleted (they are what reuse detection matches). Works in
    batches of `batch_size` sessions, one short transaction each, so it never
    holds locks for long.
    """
    now = now or timezone.now()
    dead = Q(expires_at__lte=now) | Q(last_used_at__lte=now - _idle_ttl())
    purged_sessions = purged_tokens = 0
    while True:
        ids = list(Session.objects.filter(dead).order_by("expires_at").values_list("pk", flat=True)[:batch_size])
        if not ids:
            return PurgeResult(purged_sessions, purged_tokens)
        with transaction.atomic():
            # Unlink the chain first so deleting the tokens needs no per-row SET NULL.
            RefreshToken.objects.filter(session_id__in=ids).update(replaced_by=None)
            purged_tokens += RefreshToken.objects.filter(session_id__in=ids).delete()[0]
            purged_sessions += Session.objects.filter(pk__in=ids).delete()[1].get(Session._meta.label, 0)
