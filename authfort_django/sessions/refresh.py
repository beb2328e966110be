"""Refresh-token rotation: each refresh consumes the presented token and issues its successor.

The presented token is consumed under a row lock, so of two concurrent refreshes
with one token exactly one wins. Presenting a consumed token again means it
leaked (or a client misbehaves): the whole session is revoked, and that
revocation is committed even though the request then fails.
"""

from __future__ import annotations

import re

from django.db import transaction
from django.utils import timezone

from authfort_django import audit
from authfort_django.models import AuthEvent, RefreshToken, Session
from authfort_django.request_context import NO_REQUEST, RequestContext
from authfort_django.sessions import errors
from authfort_django.sessions.lifecycle import (
    SessionGrant,
    hash_refresh_token,
    new_refresh_token,
    revoke_session,
    session_is_live,
)
from authfort_django.signals import refresh_token_reused

# What `secrets.token_urlsafe` produces, with room for a longer REFRESH_TOKEN_BYTES later.
# Anything else is refused before it reaches the database.
_REFRESH_TOKEN_SHAPE = re.compile(r"[A-Za-z0-9_-]{40,128}")


def _checked_hash(raw: object) -> str:
    """The stored form of `raw`, or a RefreshError saying what is wrong with it."""
    if raw is None or raw == "":
        raise errors.RefreshTokenMissing()
    if not isinstance(raw, str) or not _REFRESH_TOKEN_SHAPE.fullmatch(raw):
        raise errors.RefreshTokenMalformed()
    return hash_refresh_token(raw)



def session_for_refresh_token(raw: object) -> Session:
    """The session a refresh token belongs to, whatever the token's or session's state.

    For logout: any token of the family identifies the session to end. Raises a
    RefreshError when the token is missing, malformed or unknown.
    """
    token_hash = _checked_hash(raw)
    record = RefreshToken.objects.select_related("session__user").filter(token_hash=token_hash).first()
    if record is None:
        raise errors.RefreshError()
    return record.session


def rotate_refresh_token(raw: object, context: RequestContext = NO_REQUEST) -> SessionGrant:
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
            # Lock the token row, and only it: a concurrent refresh of the same token waits
            # here and then finds it consumed, so exactly one of them succeeds. Joining the
            # session and user into this query would lock their rows FOR UPDATE too, and the
            # foreign-key checks of the audit rows the losers write then deadlock against it.
            current = RefreshToken.objects.select_for_update().get(token_hash=token_hash)
        except RefreshToken.DoesNotExist:
            raise errors.RefreshError() from None
        session = Session.objects.select_related("user").get(pk=current.session_id)
        current.session = session
        if current.used_at is not None:
            if session.revoked_at is None:
                revoke_session(session, reason="refresh_token_reused", now=now)
                audit.record(
                    AuthEvent.Type.REFRESH_REUSED, user=session.user, session=session, context=context
                )
                newly_revoked = True
            # Leave the atomic block normally so the revocation commits; raise after it.
        elif session.revoked_at is not None or not session.user.is_active:
            raise errors.RefreshTokenRevoked()
        elif not session_is_live(session, now):
            raise errors.RefreshTokenExpired()
        else:
            successor, new_raw = new_refresh_token(session, now)
            current.used_at = now
            current.replaced_by = successor
            current.save(update_fields=["used_at", "replaced_by"])
            session.last_used_at = now
            session.save(update_fields=["last_used_at"])
            audit.record(AuthEvent.Type.REFRESH, user=session.user, session=session, context=context)
            grant = SessionGrant(session, new_raw)
    if grant is not None:
        return grant
    if newly_revoked:
        transaction.on_commit(
            lambda: refresh_token_reused.send(
                sender=Session, user=session.user, session=session, request=context.request
            )
        )
    else:  # the session had already ended: still a replay worth recording
        audit.record(
            AuthEvent.Type.REFRESH_FAILED,
            user=session.user,
            session=session,
            context=context,
            reason=errors.RefreshTokenReused.code,
        )
    raise errors.RefreshTokenReused()
