"""Errors of federated and passwordless sign-in (see exceptions.py for the pattern).

The API answers each with its own code (api/errors.py decides the status): a caller,
or the page that shows the error, can tell what went wrong and what to do.
"""

from __future__ import annotations

from authfort_django.exceptions import AuthfortError


class FederationError(AuthfortError):
    """A federated sign-in that cannot go on; the subclass says why."""


class UnknownProvider(FederationError):
    code = "unknown_provider"
    detail = "No sign-in provider has this name on this server. The names are the keys of AUTHFORT['PROVIDERS']."


class ProviderDenied(FederationError):
    code = "provider_denied"
    detail = "The provider did not sign you in (it answered with an error). Try again, or use another way to sign in."


class StateInvalid(FederationError):
    code = "oauth_state_invalid"
    detail = (
        "This sign-in answer does not belong to a sign-in started in this browser (the state is missing, "
        "unknown or from another browser). Start the sign-in again."
    )


class StateExpired(FederationError):
    code = "oauth_state_expired"
    detail = "This sign-in took too long and has expired. Start the sign-in again."


class StateUsed(FederationError):
    code = "oauth_state_used"
    detail = "This sign-in answer was already used. Start the sign-in again."


class RedirectNotAllowed(FederationError):
    code = "redirect_not_allowed"
    detail = (
        "redirect_to is not on this server's allow-list (AUTHFORT['REDIRECT_ALLOWLIST']): scheme, host, port "
        "and path prefix must match an entry exactly."
    )


class ProviderUnavailable(FederationError):
    code = "provider_unavailable"
    detail = "The sign-in provider cannot be reached right now. Try again in a minute."


class ProviderBadResponse(FederationError):
    code = "provider_bad_response"
    detail = "The sign-in provider gave an answer this server cannot use. Try again later, or use another way to sign in."


class ProviderCodeRejected(FederationError):
    code = "provider_code_rejected"
    detail = "The provider refused the authorization code (already used, expired or not ours). Start the sign-in again."


class ProviderNotConfigured(FederationError):
    code = "provider_not_configured"
    detail = "This provider's settings are incomplete on this server; its operator must fix AUTHFORT['PROVIDERS']."


class IdTokenInvalid(FederationError):
    code = "id_token_invalid"
    detail = "The ID token is not valid for this server: obtain a new one from the provider and try again."


class IdTokenNonceMismatch(IdTokenInvalid):
    code = "id_token_nonce_mismatch"
    detail = "The ID token's nonce is not the one of this sign-in. Start the sign-in again."


class IdTokenReused(IdTokenInvalid):
    code = "id_token_reused"
    detail = "This ID token was already used to sign in. Obtain a new one from the provider."


class ProviderEmailMissing(FederationError):
    code = "provider_email_missing"
    detail = (
        "The provider did not tell us your email address, which a new account needs. Allow the provider to "
        "share it (the email scope), or sign in another way and link the provider."
    )


class ProviderEmailUnusable(FederationError):
    code = "provider_email_unusable"
    detail = "The email address the provider gave cannot be used for an account here. Sign in another way."


class AccountExists(FederationError):
    code = "account_exists"
    detail = (
        "An account already uses this email address. Sign in to it (with its password or a mailed link), "
        "then link this provider with GET /auth/oauth/{provider}/authorize?link=1."
    )


class IdentityInUse(FederationError):
    code = "identity_in_use"
    detail = "This provider account already signs in to another account here. Unlink it there first."


class IdentityNotFound(FederationError):
    code = "identity_not_found"
    detail = "You have no linked sign-in with this id. GET /auth/identities lists yours."


class LastSignInMethod(FederationError):
    code = "last_sign_in_method"
    detail = (
        "This is the last way to sign in to your account. Set a password (POST /auth/password-reset) or link "
        "another provider first."
    )


class LinkNeedsSignIn(FederationError):
    code = "link_needs_sign_in"
    detail = "Linking a provider needs a signed-in user: send your access token (or cookie) with ?link=1."


class RegistrationClosedForProvider(FederationError):
    code = "registration_closed"
    detail = "Registration is closed on this server, so no new account is made for this provider's user."


class SignInCodeInvalid(FederationError):
    code = "exchange_code_invalid"
    detail = "This sign-in code is not valid: it is unknown, was already used or has expired. Sign in again."


class MagicLinkInvalid(FederationError):
    code = "magic_link_invalid"
    detail = "This sign-in link is not valid: it was mistyped or altered. Request a new one with POST /auth/magic-link."


class MagicLinkUsed(MagicLinkInvalid):
    code = "magic_link_used"
    detail = "This sign-in link was already used. Request a new one with POST /auth/magic-link."


class MagicLinkExpired(MagicLinkInvalid):
    code = "magic_link_expired"
    detail = "This sign-in link has expired. Request a new one with POST /auth/magic-link."


class MagicLinkSuperseded(MagicLinkInvalid):
    code = "magic_link_superseded"
    detail = "A newer sign-in link was sent since this one. Use the newest mail, or request a new link."


class EmailCodeInvalid(FederationError):
    code = "email_code_invalid"
    detail = "This code is wrong or has expired. Check the newest mail, or request a new code with POST /auth/email-code."


class EmailCodeAttemptsExceeded(FederationError):
    code = "email_code_attempts_exceeded"
    detail = "Too many wrong codes: this code no longer works. Request a new one with POST /auth/email-code."


class AccountDisabled(FederationError):
    code = "account_disabled"
    detail = "This account is disabled. Contact the site's administrators."


class CallbackRefused(Exception):
    """A callback whose state was genuine failed later (the provider refused, the code or
    ID token did not hold, the account cannot sign in): the browser goes back to the
    app's `redirect_to` with `?error=<code>`, a target the allow-list admitted when the
    flow started. Failures before the state is proven answer JSON: there is no trusted
    place to send the browser then."""

    def __init__(self, redirect_to: str, refused: Exception) -> None:
        super().__init__(getattr(refused, "code", "error"))
        self.redirect_to = redirect_to
        self.code = str(getattr(refused, "code", "error"))
