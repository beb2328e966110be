"""Errors of accounts: registration, sign-in, passwords, roles, moderation, and the
mailed tokens of recovery and verification (see exceptions.py for the pattern).

A mailed token is refused with a code that says why, as far as that can be told
without revealing anything: `*_invalid` covers every token whose secret part does
not match (mistyped, altered, unknown), so only the holder of a genuine token
learns that it was used, replaced or expired.
"""

from __future__ import annotations

from authfort_django.exceptions import AuthfortError


class RegistrationClosed(AuthfortError):
    code = "registration_closed"
    detail = "Registration is closed on this server. Ask an administrator for an account."


class EmailTaken(AuthfortError):
    code = "email_taken"
    detail = "An account with this email address already exists. Log in, or reset the password."


class InvalidCredentials(AuthfortError):
    code = "invalid_credentials"
    # Identical for unknown user, wrong password and inactive user: nothing to enumerate.
    detail = "The email address or password is incorrect."


class WrongPassword(AuthfortError):
    code = "wrong_password"
    detail = "The current password is incorrect."


class UserNotFound(AuthfortError):
    code = "user_not_found"
    detail = "No user has this id. Use the `id` member of a user object (a UUID)."


class CannotBanYourself(AuthfortError):
    code = "cannot_ban_self"
    detail = "You cannot ban your own account; ask another administrator."


class RoleNotFound(AuthfortError):
    code = "role_not_found"
    detail = "No role has this name. GET /auth/roles lists them; POST /auth/roles creates one."


class RoleExists(AuthfortError):
    code = "role_exists"
    detail = "A role with this name already exists."


class StaffTargetNeedsStaff(AuthfortError):
    code = "staff_required"
    detail = (
        "This user is staff: only a staff user may ban them or change their roles. "
        "The `admin` role alone does not reach staff accounts."
    )


class EmailNotVerified(AuthfortError):
    code = "email_not_verified"
    detail = (
        "Confirm your email address first: open the link we emailed you. To get a new link, "
        'POST /auth/verify-email/request with {"email": "<your address>"}.'
    )


class EmailAlreadyVerified(AuthfortError):
    code = "email_already_verified"
    detail = "Your email address is already verified; there is nothing to do."


class EmailLinksNotConfigured(AuthfortError):
    code = "email_links_not_configured"
    detail = (
        "This server cannot send password reset or verification links yet: its operator must set "
        "AUTHFORT_FRONTEND_URL (the address of the pages that open them)."
    )


class AccountTokenError(AuthfortError):
    """A mailed token that cannot be used; the subclass says why."""


class ResetTokenError(AccountTokenError):
    """A password-reset token that cannot be used."""


class VerificationTokenError(AccountTokenError):
    """An email-verification token that cannot be used."""


class ResetTokenInvalid(ResetTokenError):
    code = "reset_token_invalid"
    detail = (
        "This password reset token is not valid: it was mistyped or altered. Copy the whole link "
        "from the email, or request a new one with POST /auth/password-reset."
    )


class ResetTokenExpired(ResetTokenError):
    code = "reset_token_expired"
    detail = "This password reset link has expired. Request a new one with POST /auth/password-reset."


class ResetTokenUsed(ResetTokenError):
    code = "reset_token_used"
    detail = (
        "This password reset link was already used. If you need to reset the password again, "
        "request a new link with POST /auth/password-reset."
    )


class ResetTokenSuperseded(ResetTokenError):
    code = "reset_token_superseded"
    detail = (
        "This password reset link was replaced by a newer one, or the password or email address "
        "changed since it was sent. Use the newest link, or request a new one."
    )


class VerificationTokenInvalid(VerificationTokenError):
    code = "verification_token_invalid"
    detail = (
        "This verification token is not valid: it was mistyped or altered. Copy the whole link "
        "from the email, or request a new one with POST /auth/verify-email/request."
    )


class VerificationTokenExpired(VerificationTokenError):
    code = "verification_token_expired"
    detail = "This verification link has expired. Request a new one with POST /auth/verify-email/request."


class VerificationTokenUsed(VerificationTokenError):
    code = "verification_token_used"
    detail = "This verification link was already used. Request a new one if the address still shows as unverified."


class VerificationTokenSuperseded(VerificationTokenError):
    code = "verification_token_superseded"
    detail = (
        "This verification link was replaced by a newer one, or the account's email address "
        "changed since it was sent. Use the newest link, or request a new one."
    )
