"""Password reset by a mailed single-use token: request a link, then set a new password with it."""

from __future__ import annotations

from django.contrib.auth import password_validation
from django.db import transaction
from django.utils import timezone

from authfort_django.accounts.users import mark_email_verified
from authfort_django import audit
from authfort_django.accounts import errors, mailed_tokens, mails
from authfort_django.accounts.delivery import active_user, mail_token
from authfort_django.accounts.mailed_tokens import Purpose, TokenRejected
from authfort_django.accounts.passwords import replace_password
from authfort_django.models import AuthEvent, User
from authfort_django.request_context import NO_REQUEST, RequestContext
from authfort_django.signals import password_reset_completed, password_reset_requested

_RESET_ERRORS = {
    "invalid": errors.ResetTokenInvalid,
    "used": errors.ResetTokenUsed,
    "superseded": errors.ResetTokenSuperseded,
    "expired": errors.ResetTokenExpired,
}


def request_password_reset(*, email: str, context: RequestContext = NO_REQUEST) -> None:
    """Mail a reset link if an active account uses `email`; otherwise do nothing visible."""
    mails.frontend_url()  # refuse before the lookup: the refusal is the same for everyone
    mail_token(
        kind=mails.PASSWORD_RESET,
        purpose=Purpose.PASSWORD_RESET,
        requested=AuthEvent.Type.PASSWORD_RESET_REQUESTED,
        signal=password_reset_requested,
        user=active_user(email),
        email=email,
        context=context,
    )


def confirm_password_reset(*, token: object, new_password: str, context: RequestContext = NO_REQUEST) -> User:
    """Set `new_password` with a reset token; every session and access token of the user ends.

    Raises an AccountTokenError subclass for an unusable token, or Django's
    ValidationError when the password fails AUTH_PASSWORD_VALIDATORS (the token
    then stays usable). Proving control of the mailbox also verifies the address.
    """
    now = timezone.now()
    try:
        with transaction.atomic():
            record = mailed_tokens.redeem(token, Purpose.PASSWORD_RESET, now=now)
            user = record.user
            password_validation.validate_password(new_password, user=user)
            ended = replace_password(user, new_password, reason="password_reset", context=context)
            mark_email_verified(user, now)  # the mailbox is proven
            audit.record(AuthEvent.Type.PASSWORD_RESET_COMPLETED, user=user, context=context, sessions_revoked=ended)
            transaction.on_commit(lambda: password_reset_completed.send(sender=type(user), user=user, request=context.request))
    except TokenRejected as rejected:
        audit.record(AuthEvent.Type.PASSWORD_RESET_FAILED, user=rejected.user, context=context, reason=rejected.reason)
        raise _RESET_ERRORS[rejected.reason]() from None
    return user
