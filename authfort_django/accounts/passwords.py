"""Changing a password: by the user who knows the current one, or after a reset.

A new password ends every earlier session and access token of the user (both
revocation levers, see sessions/revocation.py), so a thief holding an old token
is cut off by the change.
"""

from __future__ import annotations

from django.db import transaction

from authfort_django import audit
from authfort_django.accounts import errors
from authfort_django.accounts.credentials import changing_credentials
from authfort_django.models import AuthEvent, User
from authfort_django.request_context import NO_REQUEST, RequestContext
from authfort_django.sessions.lifecycle import start_session
from authfort_django.tokens.pairs import TokenPair, issue_pair


def change_password(
    user: User, *, old_password: str, new_password: str, context: RequestContext = NO_REQUEST
) -> TokenPair:
    """Set a new password after checking the current one; every earlier session ends.

    All sessions, the caller's included, are revoked and `token_version` bumped,
    so no token issued before the change works anywhere. The caller continues on a
    new session with the returned pair. `new_password` must already have passed
    the password validators (the serializer runs them). Raises WrongPassword.
    """
    if not user.check_password(old_password):
        raise errors.WrongPassword(
            "The current password (`old_password`) is incorrect; nothing was changed."
        )
    with transaction.atomic():
        ended = replace_password(user, new_password, reason="password_changed", context=context)
        grant = start_session(user, context)
        audit.record(
            AuthEvent.Type.PASSWORD_CHANGED,
            user=user,
            session=grant.session,
            context=context,
            sessions_revoked=ended,
        )
        return issue_pair(user, grant)


def replace_password(
    user: User, new_password: str, *, reason: str, context: RequestContext = NO_REQUEST
) -> int:
    """Store `new_password` (already validated); returns how many sessions ended.

    Ending every session and access token of `user` is done by the credential receiver
    (accounts/credentials.py), as for any other way of saving a new password; the
    caller records the audit event. For password change and password reset."""
    user.set_password(new_password)
    with changing_credentials(context, caller_records_event=True, reason=reason) as change:
        user.save(update_fields=["password"])
    return change.sessions_ended
