"""Password reset by a mailed single-use token: request a link, then set a new password with it."""

from __future__ import annotations

from django.contrib.auth import password_validation
from django.db import transaction
from django.utils import timezone

from authfort_django import audit
from authfort_django.accounts import errors, mailed_tokens, mails
from authfort_django.accounts.delivery import active_user, deliver, same_work_as_a_mail
from authfort_django.accounts.mailed_tokens import Purpose, TokenRejected
from authfort_django.accounts.passwords import replace_password
from authfort_django.conf import authfort_settings
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
    user = active_user(email)
    if user is None:
        same_work_as_a_mail(mails.PASSWORD_RESET, email)
        audit.record(AuthEvent.Type.PASSWORD_RESET_REQUESTED, context=context, account="none")
        return
    # One transaction (one commit), like the single audit write of the unknown case.
    with transaction.atomic():
        issued = mailed_tokens.issue(user, Purpose.PASSWORD_RESET, ttl=authfort_settings.PASSWORD_RESET_TTL)
        audit.record(AuthEvent.Type.PASSWORD_RESET_REQUESTED, user=user, context=context, account="active")
    deliver(password_reset_requested, mails.PASSWORD_RESET, user, issued.raw, context)


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
            ended = replace_password(user, new_password, reason="password_reset")
            if user.email_verified_at is None:  # the mailbox is proven
                user.email_verified_at = now
                user.save(update_fields=["email_verified_at"])
            audit.record(AuthEvent.Type.PASSWORD_RESET_COMPLETED, user=user, context=context, sessions_revoked=ended)
            transaction.on_commit(lambda: password_reset_completed.send(sender=User, user=user, request=context.request))
    except TokenRejected as rejected:
        audit.record(AuthEvent.Type.PASSWORD_RESET_FAILED, user=rejected.user, context=context, reason=rejected.reason)
        raise _RESET_ERRORS[rejected.reason]() from None
    return user
