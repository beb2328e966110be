"""Domain errors of account recovery and verification (see exceptions.py for the pattern).

A mailed token is refused with a code that says why, as far as that can be told
without revealing anything: `*_invalid` covers every token whose secret part does
not match (mistyped, altered, unknown), so only the holder of a genuine token
learns that it was used, replaced or expired.
"""

from __future__ import annotations

from .exceptions import AuthfortError


class EmailNotVerified(AuthfortError):
    status_code = 403
    code = "email_not_verified"
    detail = (
        "Confirm your email address first: open the link we emailed you. To get a new link, "
        'POST /auth/verify-email/request with {"email": "<your address>"}.'
    )


class EmailAlreadyVerified(AuthfortError):
    status_code = 409
    code = "email_already_verified"
    detail = "Your email address is already verified; there is nothing to do."


class EmailLinksNotConfigured(AuthfortError):
    status_code = 503
    code = "email_links_not_configured"
    detail = (
        "This server cannot send password reset or verification links yet: its operator must set "
        "AUTHFORT_FRONTEND_URL (the address of the pages that open them)."
    )


class AccountTokenError(AuthfortError):
    status_code = 400


class ResetTokenInvalid(AccountTokenError):
    code = "reset_token_invalid"
    detail = (
        "This password reset token is not valid: it was mistyped or altered. Copy the whole link "
        "from the email, or request a new one with POST /auth/password-reset."
    )


class ResetTokenExpired(AccountTokenError):
    code = "reset_token_expired"
    detail = "This password reset link has expired. Request a new one with POST /auth/password-reset."


class ResetTokenUsed(AccountTokenError):
    code = "reset_token_used"
    detail = (
        "This password reset link was already used. If you need to reset the password again, "
        "request a new link with POST /auth/password-reset."
    )


class ResetTokenSuperseded(AccountTokenError):
    code = "reset_token_superseded"
    detail = (
        "This password reset link was replaced by a newer one, or the password or email address "
        "changed since it was sent. Use the newest link, or request a new one."
    )


class VerificationTokenInvalid(AccountTokenError):
    code = "verification_token_invalid"
    detail = (
        "This verification token is not valid: it was mistyped or altered. Copy the whole link "
        "from the email, or request a new one with POST /auth/verify-email/request."
    )


class VerificationTokenExpired(AccountTokenError):
    code = "verification_token_expired"
    detail = "This verification link has expired. Request a new one with POST /auth/verify-email/request."


class VerificationTokenUsed(AccountTokenError):
    code = "verification_token_used"
    detail = "This verification link was already used. Request a new one if the address still shows as unverified."


class VerificationTokenSuperseded(AccountTokenError):
    code = "verification_token_superseded"
    detail = (
        "This verification link was replaced by a newer one, or the account's email address "
        "changed since it was sent. Use the newest link, or request a new one."
    )
