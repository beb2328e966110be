"""Errors of multi-factor authentication (see exceptions.py for the pattern; statuses in api/errors.py)."""

from __future__ import annotations

from authfort_django.exceptions import AuthfortError


class MFATokenError(AuthfortError):
    """An `mfa_token` or `challenge_token` that cannot be used; the subclass says why."""


class MFATokenInvalid(MFATokenError):
    code = "mfa_token_invalid"
    detail = (
        "This mfa_token is not valid: it was mistyped, altered or issued for something else. "
        "Log in again with POST /auth/login to get a new one."
    )


class MFATokenExpired(MFATokenError):
    code = "mfa_token_expired"
    detail = "This mfa_token has expired (they last 5 minutes). Log in again with POST /auth/login."


class MFATokenUsed(MFATokenError):
    code = "mfa_token_used"
    detail = "This mfa_token was already used. Log in again with POST /auth/login."


class MFAAttemptsExceeded(MFATokenError):
    code = "mfa_attempts_exceeded"
    detail = "Too many wrong codes for this mfa_token; it no longer works. Log in again with POST /auth/login."


class ChallengeInvalid(MFATokenError):
    code = "challenge_token_invalid"
    detail = (
        "This challenge_token is not valid, has expired or was already used. Ask for new options "
        "(POST /auth/passkeys/login/options) and try again."
    )


class SecondFactorRefused(AuthfortError):
    """A second factor that does not prove the user; the subclass says which and why."""


class InvalidCode(SecondFactorRefused):
    code = "invalid_code"
    detail = "The code is not correct. Enter the current 6-digit code of your authenticator app."


class CodeReplayed(SecondFactorRefused):
    code = "code_replayed"
    detail = "This code was already used. Wait for your authenticator app to show the next code."


class RecoveryCodeInvalid(SecondFactorRefused):
    code = "recovery_code_invalid"
    detail = "The recovery code is not correct. Enter one of the codes you saved when you set up MFA."


class RecoveryCodeUsed(SecondFactorRefused):
    code = "recovery_code_used"
    detail = "This recovery code was already used; each works once. Enter another one."


class PasskeyRefused(SecondFactorRefused):
    code = "passkey_invalid"
    detail = "The passkey assertion could not be verified. Ask for new options and try again."


class PasskeyUnknown(PasskeyRefused):
    code = "passkey_unknown"
    detail = "This passkey is not registered for this account. Use another, or sign in with your password."


class PasskeyWrongRelyingParty(PasskeyRefused):
    code = "passkey_wrong_rp"
    detail = "This passkey assertion was made for another site (RP ID); it cannot sign in here."


class PasskeyWrongOrigin(PasskeyRefused):
    code = "passkey_wrong_origin"
    detail = "This passkey assertion comes from a page that is not allowed (WEBAUTHN_ORIGINS)."


class PasskeyCounterRegressed(PasskeyRefused):
    code = "passkey_counter_regressed"
    detail = (
        "This passkey's signature counter went backwards: the authenticator may have been cloned. "
        "It was refused; use another factor and review your passkeys."
    )


class MalformedFactor(AuthfortError):
    """A factor whose shape is wrong before anything is checked (400)."""


class MalformedCode(MalformedFactor):
    code = "invalid_code_format"
    detail = "A code is 6 digits (an authenticator app's) or a recovery code like abcd-efgh-ijkl-mnop."


class MalformedPasskey(MalformedFactor):
    code = "passkey_malformed"
    detail = (
        "The passkey credential is not a WebAuthn credential in its JSON form (as PublicKeyCredential.toJSON() "
        "gives it), or is too large."
    )


class FactorNotAvailable(AuthfortError):
    code = "factor_not_available"
    detail = "You have not set up this factor. GET /auth/mfa lists the ones you have."


class TotpUnreadable(AuthfortError):
    code = "totp_unavailable"
    detail = (
        "Your authenticator app's codes cannot be checked right now: this server lost the key "
        "that protects them. Use one of your recovery codes, and tell the server's operator."
    )


class FactorMissing(AuthfortError):
    code = "factor_missing"
    detail = 'Send exactly one factor: {"code": ...}, {"recovery_code": ...} or {"passkey": <assertion>}.'


class TotpAlreadyEnabled(AuthfortError):
    code = "totp_already_enabled"
    detail = "An authenticator app is already set up. Remove it (DELETE /auth/mfa/totp) before adding another."


class TotpNotPending(AuthfortError):
    code = "totp_not_pending"
    detail = "There is no authenticator app setup to confirm. Start one with POST /auth/mfa/totp/setup."


class MFANotEnabled(AuthfortError):
    code = "mfa_not_enabled"
    detail = "Set up an authenticator app or a passkey first (POST /auth/mfa/totp/setup)."


class ReauthenticationFailed(AuthfortError):
    code = "reauthentication_failed"
    detail = (
        "This change needs proof that it is you: send your current `password`, or a current `code` "
        "of your authenticator app."
    )


class PasskeyNotFound(AuthfortError):
    code = "passkey_not_found"
    detail = "You have no passkey with this id. GET /auth/passkeys lists yours."


class PasskeyRegistrationFailed(AuthfortError):
    code = "passkey_registration_failed"
    detail = (
        "The new passkey could not be verified (wrong challenge, site or origin, or an unsupported algorithm). "
        "Ask for new options with POST /auth/passkeys/register/options and try again."
    )


class PasskeyAlreadyRegistered(AuthfortError):
    code = "passkey_already_registered"
    detail = "This passkey is already registered."
