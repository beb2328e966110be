"""Handing a mailed token to its owner, the same way for password resets and verifications.

Requests answer the same whether or not an account uses the address (the view
always says 202): only an existing, active account gets a token, a signal and a
mail, and an address without one gets the same work minus the write and the
delivery (`same_work_as_a_mail`), so timing tells little.
"""

from __future__ import annotations

import logging

from django.db import transaction
from django.dispatch import Signal

from authfort_django import audit
from authfort_django.accounts import mailed_tokens, mails
from authfort_django.accounts.mailed_tokens import Purpose
from authfort_django.conf import authfort_settings
from authfort_django.accounts.users import user_for_email
from authfort_django.models import User
from authfort_django.request_context import RequestContext

logger = logging.getLogger("authfort.recovery")


def active_user(email: str) -> User | None:
    """The active user whose canonical address is that of `email`, or None."""
    user = user_for_email(email)
    return user if user is not None and user.is_active else None


def mail_token(
    *,
    kind: mails.MailKind,
    purpose: str,
    requested: str,
    signal: Signal,
    user: User | None,
    email: str,
    context: RequestContext,
) -> None:
    """A new `purpose` token mailed to `user`, or, when there is no such user, the same
    work without the write and the delivery. Either way one `requested` audit event,
    in one commit, tells what happened (`account` active or none)."""
    if user is None:
        same_work_as_a_mail(kind, email)
        audit.record(requested, context=context, account="none")
        return
    with transaction.atomic():
        issued = mailed_tokens.issue(user, purpose, ttl=getattr(authfort_settings, kind.ttl_setting))
        audit.record(requested, user=user, context=context, account="active")
    deliver(signal, kind, user, issued.raw, context)


def deliver(signal: Signal, kind: mails.MailKind, user: User, raw_token: str, context: RequestContext) -> None:
    """Hand the token to signal receivers and (unless turned off) mail it.

    Failures are logged (mails.py, here) and change nothing in the answer.
    """
    link = mails.link(kind, raw_token)
    for receiver, result in signal.send_robust(sender=type(user), user=user, token=raw_token, link=link, request=context.request):
        if isinstance(result, Exception):
            logger.error("a %s receiver failed: %s %s", kind.templates, receiver, type(result).__name__)
    if authfort_settings.SEND_ACCOUNT_EMAILS:
        mails.send(kind, user, link)


def same_work_as_a_mail(kind: mails.MailKind, email: str) -> None:
    """For an address without an account: the cheap steps of a real request (a token drawn,
    a binding computed, the mail rendered), nothing stored or sent, so the answer time
    differs only by the database write and the delivery."""
    stand_in = User(email=email)
    mailed_tokens.binding(Purpose.PASSWORD_RESET, stand_in)  # the costlier binding of the two
    _, _, raw = mailed_tokens.new_raw_token()
    try:
        link = mails.link(kind, raw) if kind.path_setting else ""
        mails.render(kind, stand_in, link, {"code": "0" * 6})
    except Exception as error:  # noqa: BLE001 - as mails.send: a broken template must not tell the paths apart
        logger.error("%s mail could not be rendered: %s", kind.templates, type(error).__name__)
