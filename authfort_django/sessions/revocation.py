"""Ending sessions on the user's request: logout, logout everywhere, ending one of one's sessions.

Two levers, used together where a change must reach tokens already handed out:
revoking a `Session` kills its refresh tokens and every access token carrying
its `sid`; bumping `token_version` kills every access token of the user (the
`ver` claim). Both are checked by introspection and by the server's own
endpoints. Each flow records an `AuthEvent` (row, log line, signal) and runs
in one transaction, so a failure leaves nothing half done.
"""

from __future__ import annotations

import uuid

from django.db import transaction

from authfort_django import audit
from authfort_django.models import AuthEvent, Session, User
from authfort_django.request_context import NO_REQUEST, RequestContext
from authfort_django.sessions import errors, lifecycle


def logout(session: Session, *, context: RequestContext = NO_REQUEST) -> bool:
    """End `session`: its refresh tokens and access tokens stop working.

    Idempotent: returns False (and records nothing) if it had already ended.
    """
    with transaction.atomic():
        ended = lifecycle.revoke_session(session, reason="logout")
        if ended:
            audit.record(AuthEvent.Type.LOGOUT, user=session.user, session=session, context=context)
    return ended


def logout_all(user: User, *, context: RequestContext = NO_REQUEST) -> int:
    """End every session of `user` and invalidate all their access tokens; returns sessions ended."""
    with transaction.atomic():
        ended = lifecycle.end_every_session(user, reason="logout_all")
        audit.record(AuthEvent.Type.LOGOUT_ALL, user=user, context=context, sessions_revoked=ended)
    return ended


def end_own_session(user: User, session_id: str, *, context: RequestContext = NO_REQUEST) -> None:
    """Revoke one of `user`'s sessions by id; SessionNotFound for anybody else's (no hint it exists)."""
    try:
        pk = uuid.UUID(str(session_id))
    except ValueError:
        raise errors.SessionNotFound() from None
    session = Session.objects.filter(pk=pk, user=user).first()
    if session is None:
        raise errors.SessionNotFound()
    with transaction.atomic():
        if lifecycle.revoke_session(session, reason="revoked_by_user"):
            audit.record(AuthEvent.Type.SESSION_REVOKED, user=user, session=session, context=context)
