"""Account recovery and verification: password reset and email verification by mailed token.

What views and commands call. Requests answer the same whether or not an account
uses the address (the view always says 202): only an existing, active account
gets a token, a signal and a mail. See account_tokens for the token rules and
account_mail for links and templates.
"""

from __future__ import annotations

import logging

from django.contrib.auth import password_validation
from django.db import transaction
from django.http import HttpRequest
from django.utils import timezone

from . import account_mail, account_tokens, audit, revocation
from . import recovery_errors as errors
from .account_tokens import Purpose, TokenRejected
from .app_settings import authfort_settings
from .models import AuthEvent, User
from .signals import (
    email_verification_requested,
    email_verified,
    password_reset_completed,
    password_reset_requested,
)

logger = logging.getLogger("authfort.recovery")

_RESET_ERRORS = {
    "invalid": errors.ResetTokenInvalid,
    "used": errors.ResetTokenUsed,
    "superseded": errors.ResetTokenSuperseded,
    "expired": errors.ResetTokenExpired,
}
_VERIFICATION_ERRORS = {
    "invalid": errors.VerificationTokenInvalid,
    "used": errors.VerificationTokenUsed,
    "superseded": errors.VerificationTokenSuperseded,
    "expired": errors.VerificationTokenExpired,
}


def _active_user(email: str) -> User | None:
    return User.objects.filter(email__iexact=email.strip(), is_active=True).first()


def _deliver(signal, kind: account_mail.MailKind, user: User, raw_token: str, request: HttpRequest | None) -> None:
    """Hand the token to signal receivers and (unless turned off) mail it.

    Failures are logged (account_mail, here) and change nothing in the answer.
    """
    link = account_mail.link(kind, raw_token)
    for receiver, result in signal.send_robust(sender=User, user=user, token=raw_token, link=link, request=request):
        if isinstance(result, Exception):
            logger.error("a %s receiver failed: %s %s", kind.templates, receiver, type(result).__name__)
    if authfort_settings.SEND_ACCOUNT_EMAILS:
        account_mail.send(kind, user, link)


def _same_work_as_a_mail(kind: account_mail.MailKind, email: str) -> None:
    """For an address without an account: the cheap steps of a real request (a token drawn,
    a binding computed, the mail rendered), nothing stored or sent, so the answer time
    differs only by the database write and the delivery."""
    stand_in = User(email=email)
    account_tokens.binding(Purpose.PASSWORD_RESET, stand_in)  # the costlier binding of the two
    _, _, raw = account_tokens.new_raw_token()
    try:
        account_mail.render(kind, stand_in, account_mail.link(kind, raw))
    except Exception as error:  # noqa: BLE001 - as account_mail.send: a broken template must not tell the paths apart
        logger.error("%s mail could not be rendered: %s", kind.templates, type(error).__name__)


def request_password_reset(*, email: str, request: HttpRequest | None = None) -> None:
    """Mail a reset link if an active account uses `email`; otherwise do nothing visible."""
    account_mail.frontend_url()  # refuse before the lookup: the refusal is the same for everyone
    user = _active_user(email)
    if user is None:
        _same_work_as_a_mail(account_mail.PASSWORD_RESET, email)
        audit.record(AuthEvent.Type.PASSWORD_RESET_REQUESTED, request=request, account="none")
        return
    # One transaction (one commit), like the single audit write of the unknown case.
    with transaction.atomic():
        issued = account_tokens.issue(user, Purpose.PASSWORD_RESET, ttl=authfort_settings.PASSWORD_RESET_TTL)
        audit.record(AuthEvent.Type.PASSWORD_RESET_REQUESTED, user=user, request=request, account="active")
    _deliver(password_reset_requested, account_mail.PASSWORD_RESET, user, issued.raw, request)


def confirm_password_reset(*, token: object, new_password: str, request: HttpRequest | None = None) -> User:
    """Set `new_password` with a reset token; every session and access token of the user ends.

    Raises an AccountTokenError subclass for an unusable token, or Django's
    ValidationError when the password fails AUTH_PASSWORD_VALIDATORS (the token
    then stays usable). Proving control of the mailbox also verifies the address.
    """
    now = timezone.now()
    try:
        with transaction.atomic():
            record = account_tokens.redeem(token, Purpose.PASSWORD_RESET, now=now)
            user = record.user
            password_validation.validate_password(new_password, user=user)
            ended = revocation.replace_password(user, new_password, reason="password_reset")
            if user.email_verified_at is None:  # the mailbox is proven
                user.email_verified_at = now
                user.save(update_fields=["email_verified_at"])
            audit.record(AuthEvent.Type.PASSWORD_RESET_COMPLETED, user=user, request=request, sessions_revoked=ended)
            transaction.on_commit(lambda: password_reset_completed.send(sender=User, user=user, request=request))
    except TokenRejected as rejected:
        audit.record(AuthEvent.Type.PASSWORD_RESET_FAILED, user=rejected.user, request=request, reason=rejected.reason)
        raise _RESET_ERRORS[rejected.reason]() from None
    return user


def request_email_verification(
    *, user: User | None = None, email: str | None = None, request: HttpRequest | None = None
) -> None:
    """Mail a verification link to `user` (authenticated caller) or to the account using `email`.

    For an authenticated caller whose address is verified: EmailAlreadyVerified. By
    address: nothing visible happens unless an active, unverified account uses it.
    """
    account_mail.frontend_url()
    if user is not None:
        if user.email_verified_at is not None:
            raise errors.EmailAlreadyVerified()
        target: User | None = user
    else:
        target = _active_user(email or "")
        if target is not None and target.email_verified_at is not None:
            target = None
    if target is None:
        _same_work_as_a_mail(account_mail.VERIFY_EMAIL, email or "")
        audit.record(AuthEvent.Type.EMAIL_VERIFICATION_REQUESTED, request=request, account="none")
        return
    with transaction.atomic():
        issued = account_tokens.issue(target, Purpose.VERIFY_EMAIL, ttl=authfort_settings.EMAIL_VERIFICATION_TTL)
        audit.record(AuthEvent.Type.EMAIL_VERIFICATION_REQUESTED, user=target, request=request, account="active")
    _deliver(email_verification_requested, account_mail.VERIFY_EMAIL, target, issued.raw, request)


def verify_email(*, token: object, request: HttpRequest | None = None) -> User:
    """Mark the address the token was mailed to as verified. Raises an AccountTokenError subclass."""
    now = timezone.now()
    try:
        with transaction.atomic():
            user = account_tokens.redeem(token, Purpose.VERIFY_EMAIL, now=now).user
            if user.email_verified_at is None:
                user.email_verified_at = now
                user.save(update_fields=["email_verified_at"])
            audit.record(AuthEvent.Type.EMAIL_VERIFIED, user=user, request=request)
            transaction.on_commit(lambda: email_verified.send(sender=User, user=user, request=request))
    except TokenRejected as rejected:
        audit.record(AuthEvent.Type.EMAIL_VERIFICATION_FAILED, user=rejected.user, request=request, reason=rejected.reason)
        raise _VERIFICATION_ERRORS[rejected.reason]() from None
    return user

