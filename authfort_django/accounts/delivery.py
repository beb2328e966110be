"""Handing a mailed token to its owner, the same way for password resets and verifications.

Requests answer the same whether or not an account uses the address (the view
always says 202): only an existing, active account gets a token, a signal and a
mail. An address without one gets the same work: the same transaction with the same
statements (matching no row, mailed_tokens.rehearse_issue), the same audit INSERT
and the same mail rendering; only the signal and the hand-over to the mail backend
are left out. That hand-over must be quick (a local relay or a queueing backend,
see the README), or its time tells the two apart.
"""

from __future__ import annotations

import logging
from typing import Any

from django.db import transaction
from django.dispatch import Signal

from authfort_django import audit
from authfort_django.accounts import mailed_tokens, mails
from authfort_django.conf import authfort_settings
from authfort_django.email_address import InvalidEmailAddress, canonical_email
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
    work storing and sending nothing. Either way one `requested` audit event, in the
    same one commit, tells what happened (`account` active or none)."""
    ttl = getattr(authfort_settings, kind.ttl_setting)
    if user is None:
        # No query of its own: a known address's account was read with the lookup, once.
        address = _as_stored(email)
        with transaction.atomic():
            mailed_tokens.rehearse_issue(address, purpose, ttl=ttl)
            audit.record(requested, context=context, account="none")
        _, _, raw = mailed_tokens.new_raw_token()
        _render(kind, User(email=address), mails.link(kind, raw), address=address)
        return
    with transaction.atomic():
        issued = mailed_tokens.issue(user, purpose, ttl=ttl)
        audit.record(requested, user=user, context=context, account="active")
    deliver(signal, kind, user, issued.raw, context)


def deliver(signal: Signal, kind: mails.MailKind, user: User, raw_token: str, context: RequestContext) -> None:
    """Hand the token to signal receivers and (unless turned off) mail it.

    The mail is rendered even when SEND_ACCOUNT_EMAILS is off, as it is for an unknown
    address. Failures are logged (mails.py, here) and change nothing in the answer.
    """
    link = mails.link(kind, raw_token)
    message = _render(kind, user, link)
    notify_receivers(signal, kind, sender=type(user), user=user, token=raw_token, link=link, request=context.request)
    if authfort_settings.SEND_ACCOUNT_EMAILS and message is not None:
        mails.send(kind, user, link, message=message)


def _as_stored(email: str) -> str:
    """`email` as an account would store it (its canonical form), or as typed when it is none."""
    try:
        return canonical_email(email)
    except InvalidEmailAddress:
        return email


def notify_receivers(signal: Signal, kind: mails.MailKind, **arguments: Any) -> None:
    """Send `signal` to every receiver; one that fails is logged (never its arguments, which
    hold the secret) and changes nothing in the answer."""
    for receiver, result in signal.send_robust(**arguments):
        if isinstance(result, Exception):
            logger.error("a %s receiver failed: %s %s", kind.templates, receiver, type(result).__name__)


def same_work_as_a_mail(kind: mails.MailKind, email: str) -> None:
    """For a passwordless request that mails nothing (federation/passwordless.py): a token
    drawn and the mail rendered, as for an address that gets one; nothing stored or sent."""
    address = _as_stored(email)
    _, _, raw = mailed_tokens.new_raw_token()
    link = mails.link(kind, raw) if kind.path_setting else ""
    _render(kind, User(email=address), link, address=address, extra={"code": "0" * 6})


def _render(
    kind: mails.MailKind, user: User, link: str, *, address: str | None = None, extra: dict[str, str] | None = None
) -> Any:
    """The mail, or None (logged) when a template is broken: as mails.send, a broken template
    must neither fail the request nor tell the paths apart."""
    try:
        return mails.render(kind, user, link, extra, address=address)
    except Exception as error:  # noqa: BLE001
        logger.error("%s mail could not be rendered: %s", kind.templates, type(error).__name__)
        return None
