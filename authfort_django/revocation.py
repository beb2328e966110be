"""Ending sessions and cutting users off: logout, logout everywhere, password change,
revoking one's own session, ban and unban.

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
from django.http import HttpRequest

from . import audit, exceptions, roles, sessions
from .flows import TokenPair, issue_pair
from .models import AuthEvent, Session, User
from .signals import user_banned


def find_user(user_id: str) -> User:
    """The user with this id (any UUID spelling), or UserNotFound."""
    try:
        pk = uuid.UUID(str(user_id))
    except ValueError:
        raise exceptions.UserNotFound() from None
    user = User.objects.filter(pk=pk).first()
    if user is None:
        raise exceptions.UserNotFound()
    return user


def logout(session: Session, *, request: HttpRequest | None = None) -> bool:
    """End `session`: its refresh tokens and access tokens stop working.

    Idempotent: returns False (and records nothing) if it had already ended.
    """
    with transaction.atomic():
        ended = sessions.revoke_session(session, reason="logout")
        if ended:
            audit.record(AuthEvent.Type.LOGOUT, user=session.user, session=session, request=request)
    return ended


def logout_all(user: User, *, request: HttpRequest | None = None) -> int:
    """End every session of `user` and invalidate all their access tokens; returns sessions ended."""
    with transaction.atomic():
        ended = sessions.end_every_session(user, reason="logout_all")
        audit.record(AuthEvent.Type.LOGOUT_ALL, user=user, request=request, sessions_revoked=ended)
    return ended


def change_password(
    user: User, *, old_password: str, new_password: str, request: HttpRequest | None = None
) -> TokenPair:
    """Set a new password after checking the current one; every earlier session ends.

    All sessions, the caller's included, are revoked and `token_version` bumped,
    so no token issued before the change works anywhere. The caller continues on a
    new session with the returned pair. `new_password` must already have passed
    the password validators (the serializer runs them). Raises WrongPassword.
    """
    if not user.check_password(old_password):
        raise exceptions.WrongPassword(
            "The current password (`old_password`) is incorrect; nothing was changed."
        )
    with transaction.atomic():
        ended = replace_password(user, new_password, reason="password_changed")
        grant = sessions.start_session(user, request)
        audit.record(
            AuthEvent.Type.PASSWORD_CHANGED,
            user=user,
            session=grant.session,
            request=request,
            sessions_revoked=ended,
        )
        return issue_pair(user, grant)


def replace_password(user: User, new_password: str, *, reason: str) -> int:
    """Store `new_password` (already validated) and end every session and access token of
    `user`; returns how many sessions ended. For password change and password reset."""
    user.set_password(new_password)
    user.save(update_fields=["password"])
    return sessions.end_every_session(user, reason=reason)


def end_own_session(user: User, session_id: str, *, request: HttpRequest | None = None) -> None:
    """Revoke one of `user`'s sessions by id; SessionNotFound for anybody else's (no hint it exists)."""
    try:
        pk = uuid.UUID(str(session_id))
    except ValueError:
        raise exceptions.SessionNotFound() from None
    session = Session.objects.filter(pk=pk, user=user).first()
    if session is None:
        raise exceptions.SessionNotFound()
    with transaction.atomic():
        if sessions.revoke_session(session, reason="revoked_by_user"):
            audit.record(AuthEvent.Type.SESSION_REVOKED, user=user, session=session, request=request)


def ban(target: User, *, by: User, request: HttpRequest | None = None) -> int:
    """Deactivate `target`, end every session and invalidate every access token.

    A banned user cannot log in (inactive users never authenticate) or refresh.
    Sends `user_banned` after commit. Returns how many sessions were ended.
    """
    if target.pk == by.pk:
        raise exceptions.CannotBanYourself()
    roles.ensure_may_manage(by, target)
    with transaction.atomic():
        User.objects.filter(pk=target.pk).update(is_active=False)
        target.is_active = False
        ended = sessions.end_every_session(target, reason="banned")
        audit.record(AuthEvent.Type.BANNED, user=target, request=request, by=str(by.pk), sessions_revoked=ended)
        transaction.on_commit(lambda: user_banned.send(sender=User, user=target, by=by, request=request))
    return ended


def unban(target: User, *, by: User, request: HttpRequest | None = None) -> None:
    """Reactivate `target`. Their old sessions stay ended: they log in again."""
    roles.ensure_may_manage(by, target)
    with transaction.atomic():
        User.objects.filter(pk=target.pk).update(is_active=True)
        target.is_active = True
        audit.record(AuthEvent.Type.UNBANNED, user=target, request=request, by=str(by.pk))
