"""Passwordless sign-in by mail: a magic link, or a numeric code.

Requests answer the same whoever asks (the view always says 202): an address that
may sign in (an active account, or any new address under PASSWORDLESS_SIGNUP with
registration open) gets a link or code, a signal and a mail; any other gets the
same work minus the write and the delivery. Links and codes are single use,
short-lived, stored as digests, and a newer one supersedes the older. A code
allows EMAIL_CODE_MAX_ATTEMPTS guesses. Using either proves the mailbox: the
address becomes verified.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from django.contrib.auth import get_user_model
from django.dispatch import Signal
from django.utils import timezone

from authfort_django import audit
from authfort_django.accounts import mails
from authfort_django.accounts.delivery import notify_receivers, same_work_as_a_mail
from authfort_django.accounts.users import mark_email_verified, user_for_email
from authfort_django.conf import authfort_settings
from authfort_django.email_address import InvalidEmailAddress, address_for_new_account, canonical_email
from authfort_django.federation import codes, errors
from authfort_django.federation.new_accounts import create_account
from authfort_django.federation.sign_in import complete_sign_in
from authfort_django.models import AuthEvent
from authfort_django.request_context import NO_REQUEST, RequestContext
from authfort_django.signals import email_code_requested, magic_link_requested
from authfort_django.accounts.login import MFARequired
from authfort_django.tokens.pairs import TokenPair

AMR = ["otp"]


def _may_sign_in(email: object) -> tuple[str | None, Any, bool]:
    """(canonical address or None, its active user or None, whether it may get a link or code)."""
    try:
        canonical = address_for_new_account(email)
    except InvalidEmailAddress:
        return None, None, False
    user = user_for_email(canonical)
    if user is not None:
        return canonical, (user if user.is_active else None), user.is_active
    return canonical, None, bool(authfort_settings.PASSWORDLESS_SIGNUP and authfort_settings.REGISTRATION_OPEN)


def _stand_in(canonical: str) -> Any:
    model = get_user_model()
    return model(**{model.get_email_field_name(): canonical})


def request_magic_link(*, email: str, context: RequestContext = NO_REQUEST) -> None:
    """Mail a sign-in link if this address may sign in; otherwise do nothing visible."""
    mails.frontend_url()  # refuse before the lookup: the same 503 for everyone
    _mail_sign_in(
        mails.MAGIC_LINK, AuthEvent.Type.MAGIC_LINK_REQUESTED, magic_link_requested, email, context,
        issue=lambda canonical: {"token": codes.issue_magic_link(canonical)},
    )


def request_email_code(*, email: str, context: RequestContext = NO_REQUEST) -> None:
    """Mail a sign-in code if this address may sign in; otherwise do nothing visible."""
    _mail_sign_in(
        mails.EMAIL_CODE, AuthEvent.Type.EMAIL_CODE_REQUESTED, email_code_requested, email, context,
        issue=lambda canonical: {"code": codes.issue_email_code(canonical)},
    )


def _mail_sign_in(
    kind: mails.MailKind,
    requested: str,
    signal: Signal,
    email: str,
    context: RequestContext,
    *,
    issue: Callable[[str], dict[str, str]],
) -> None:
    """`issue(canonical)` makes the secret ({"token"} for a link, {"code"}); it goes to the
    signal's receivers and (unless turned off) by mail. An address that may not sign in
    gets the same work without the write and the delivery. One `requested` event either way."""
    canonical, user, eligible = _may_sign_in(email)
    if not eligible or canonical is None:
        same_work_as_a_mail(kind, email)
        audit.record(requested, context=context, account="none")
        return
    secret = issue(canonical)
    audit.record(requested, user=user, context=context, account="active" if user else "new")
    link = mails.link(kind, secret["token"]) if "token" in secret else ""
    notify_receivers(signal, kind, sender=None, email=canonical, user=user, link=link, request=context.request, **secret)
    if authfort_settings.SEND_ACCOUNT_EMAILS:
        mails.send(kind, user or _stand_in(canonical), link, {"code": secret.get("code", "")})


def _user_for(canonical: str, *, method: str, context: RequestContext, refused: type[errors.FederationError]) -> Any:
    user = user_for_email(canonical)
    if user is None:
        if not (authfort_settings.PASSWORDLESS_SIGNUP and authfort_settings.REGISTRATION_OPEN):
            raise refused()
        user = create_account(canonical, name="", method=method, context=context)
    elif not user.is_active:
        raise refused()
    mark_email_verified(user, timezone.now())  # the mailbox is proven
    return user


def verify_magic_link(*, token: object, context: RequestContext = NO_REQUEST) -> TokenPair | MFARequired:
    try:
        record = codes.redeem_magic_link(token)
        user = _user_for(record.email, method="magic_link", context=context, refused=errors.MagicLinkInvalid)
    except errors.FederationError as refused:
        audit.record(AuthEvent.Type.LOGIN_FAILED, context=context, method="magic_link", reason=refused.code)
        raise
    return complete_sign_in(user, method="magic_link", amr=AMR, context=context)


def verify_email_code(*, email: str, code: object, context: RequestContext = NO_REQUEST) -> TokenPair | MFARequired:
    try:
        canonical = canonical_email(email)
    except InvalidEmailAddress:
        canonical = ""
    check = codes.check_email_code(canonical, code) if canonical else codes.CodeCheck(False, "no_code")
    try:
        if not check.ok:
            if check.reason == "attempts_exceeded":
                raise errors.EmailCodeAttemptsExceeded()
            raise errors.EmailCodeInvalid()
        user = _user_for(canonical, method="email_code", context=context, refused=errors.EmailCodeInvalid)
    except errors.FederationError as refused:
        known = user_for_email(canonical) if canonical else None
        audit.record(AuthEvent.Type.LOGIN_FAILED, user=known, context=context, method="email_code", reason=refused.code)
        raise
    return complete_sign_in(user, method="email_code", amr=AMR, context=context)
