"""Moderation by administrators: ban (deactivate and cut off) and unban."""

from __future__ import annotations

from django.db import transaction

from authfort_django import audit
from authfort_django.accounts import errors
from authfort_django.accounts.credentials import changing_credentials
from authfort_django.accounts.roles import ensure_may_manage
from authfort_django.accounts.users import sub_of, user_for_sub
from authfort_django.models import AuthEvent, User
from authfort_django.request_context import NO_REQUEST, RequestContext
from authfort_django.signals import user_banned


def find_user(user_id: str) -> User:
    """The user with this id (the `sub` of their tokens, any UUID spelling), or UserNotFound."""
    user = user_for_sub(user_id)
    if user is None:
        raise errors.UserNotFound()
    return user


def ban(target: User, *, by: User, context: RequestContext = NO_REQUEST) -> int:
    """Deactivate `target`, end every session and invalidate every access token.

    A banned user cannot log in (inactive users never authenticate) or refresh.
    Sends `user_banned` after commit. Returns how many sessions were ended.
    """
    if target.pk == by.pk:
        raise errors.CannotBanYourself()
    ensure_may_manage(by, target)
    with transaction.atomic():
        target.is_active = False
        # The credential receiver ends every session and access token (accounts/credentials.py).
        with changing_credentials(context, caller_records_event=True, reason="banned") as change:
            target.save(update_fields=["is_active"])
        ended = change.sessions_ended
        audit.record(AuthEvent.Type.BANNED, user=target, context=context, by=sub_of(by), sessions_revoked=ended)
        transaction.on_commit(lambda: user_banned.send(sender=type(target), user=target, by=by, request=context.request))
    return ended


def unban(target: User, *, by: User, context: RequestContext = NO_REQUEST) -> None:
    """Reactivate `target`. Their old sessions stay ended: they log in again."""
    ensure_may_manage(by, target)
    with transaction.atomic():
        target.is_active = True
        with changing_credentials(context, caller_records_event=True):
            target.save(update_fields=["is_active"])
        audit.record(AuthEvent.Type.UNBANNED, user=target, context=context, by=sub_of(by))
