"""Moderation by administrators: ban (deactivate and cut off) and unban."""

from __future__ import annotations

import uuid

from django.db import transaction

from authfort_django import audit
from authfort_django.accounts import errors
from authfort_django.accounts.roles import ensure_may_manage
from authfort_django.models import AuthEvent, User
from authfort_django.request_context import NO_REQUEST, RequestContext
from authfort_django.sessions.lifecycle import end_every_session
from authfort_django.signals import user_banned


def find_user(user_id: str) -> User:
    """The user with this id (any UUID spelling), or UserNotFound."""
    try:
        pk = uuid.UUID(str(user_id))
    except ValueError:
        raise errors.UserNotFound() from None
    user = User.objects.filter(pk=pk).first()
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
        User.objects.filter(pk=target.pk).update(is_active=False)
        target.is_active = False
        ended = end_every_session(target, reason="banned")
        audit.record(AuthEvent.Type.BANNED, user=target, context=context, by=str(by.pk), sessions_revoked=ended)
        transaction.on_commit(lambda: user_banned.send(sender=User, user=target, by=by, request=context.request))
    return ended


def unban(target: User, *, by: User, context: RequestContext = NO_REQUEST) -> None:
    """Reactivate `target`. Their old sessions stay ended: they log in again."""
    ensure_may_manage(by, target)
    with transaction.atomic():
        User.objects.filter(pk=target.pk).update(is_active=True)
        target.is_active = True
        audit.record(AuthEvent.Type.UNBANNED, user=target, context=context, by=str(by.pk))
