"""Email verification by a mailed single-use token: request a link, then confirm the address with it."""

from __future__ import annotations

from django.db import transaction
from django.utils import timezone

from authfort_django.accounts.users import email_is_verified, mark_email_verified
from authfort_django import audit
from authfort_django.accounts import errors, mailed_tokens, mails
from authfort_django.accounts.delivery import active_user, mail_token
from authfort_django.accounts.mailed_tokens import Purpose, TokenRejected
from authfort_django.models import AuthEvent, User
from authfort_django.request_context import NO_REQUEST, RequestContext
from authfort_django.signals import email_verification_requested, email_verified

_VERIFICATION_ERRORS = {
    "invalid": errors.VerificationTokenInvalid,
    "used": errors.VerificationTokenUsed,
    "superseded": errors.VerificationTokenSuperseded,
    "expired": errors.VerificationTokenExpired,
}


def request_email_verification(
    *, user: User | None = None, email: str | None = None, context: RequestContext = NO_REQUEST
) -> None:
    """Mail a verification link to `user` (authenticated caller) or to the account using `email`.

    For an authenticated caller whose address is verified: EmailAlreadyVerified. By
    address: nothing visible happens unless an active, unverified account uses it.
    """
    mails.frontend_url()
    if user is not None:
        if email_is_verified(user):
            raise errors.EmailAlreadyVerified()
        target: User | None = user
    else:
        target = active_user(email or "")
        if target is not None and email_is_verified(target):
            target = None
    mail_token(
        kind=mails.VERIFY_EMAIL,
        purpose=Purpose.VERIFY_EMAIL,
        requested=AuthEvent.Type.EMAIL_VERIFICATION_REQUESTED,
        signal=email_verification_requested,
        user=target,
        email=email or "",
        context=context,
    )


def verify_email(*, token: object, context: RequestContext = NO_REQUEST) -> User:
    """Mark the address the token was mailed to as verified. Raises an AccountTokenError subclass."""
    now = timezone.now()
    try:
        with transaction.atomic():
            user = mailed_tokens.redeem(token, Purpose.VERIFY_EMAIL, now=now).user
            mark_email_verified(user, now)
            audit.record(AuthEvent.Type.EMAIL_VERIFIED, user=user, context=context)
            transaction.on_commit(lambda: email_verified.send(sender=type(user), user=user, request=context.request))
    except TokenRejected as rejected:
        audit.record(AuthEvent.Type.EMAIL_VERIFICATION_FAILED, user=rejected.user, context=context, reason=rejected.reason)
        raise _VERIFICATION_ERRORS[rejected.reason]() from None
    return user
