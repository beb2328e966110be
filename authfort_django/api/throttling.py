"""Throttles on the Django cache (Redis in production, so every worker shares counters).

Rates come from AUTHFORT["THROTTLE_RATES"] at request time; a rate of None
turns a scope off. Per-address scopes count per api/client.py's throttle_ident:
the canonical address, IPv6 per AUTHFORT["THROTTLE_IPV6_PREFIX"] network.
"""

from __future__ import annotations

import hashlib
from typing import Any

from rest_framework.throttling import SimpleRateThrottle

from authfort_django.email_address import InvalidEmailAddress, canonical_email
from authfort_django.mfa.challenges import user_of
from authfort_django.models import Account, MFAChallenge
from authfort_django.api.client import throttle_ident
from authfort_django.conf import authfort_settings


class _AuthfortThrottle(SimpleRateThrottle):
    def __init__(self) -> None:  # rates are read per request, not at construction
        pass

    def get_rate(self) -> str | None:
        return authfort_settings.THROTTLE_RATES.get(self.scope)

    def allow_request(self, request: Any, view: Any) -> bool:
        self.rate = self.get_rate()
        if self.rate is None:
            return True
        self.num_requests, self.duration = self.parse_rate(self.rate)
        return super().allow_request(request, view)

    def get_ident(self, request: Any) -> str:
        return throttle_ident(request)  # canonical; IPv6 by THROTTLE_IPV6_PREFIX network

    def _hashed_key(self, ident: str) -> str:
        """The cache key of `ident` in this scope, hashed: no address or client id in the cache."""
        digest = hashlib.sha256(ident.encode("utf-8", "surrogatepass")).hexdigest()
        return self.cache_format % {"scope": self.scope, "ident": digest}


class PerIPThrottle(_AuthfortThrottle):
    def get_cache_key(self, request: Any, view: Any) -> str:
        return self.cache_format % {"scope": self.scope, "ident": self.get_ident(request)}


class LoginIPThrottle(PerIPThrottle):
    scope = "login"


class RegisterIPThrottle(PerIPThrottle):
    scope = "register"


class RefreshThrottle(PerIPThrottle):
    scope = "refresh"


class IntrospectThrottle(PerIPThrottle):
    scope = "introspect"


class LoginAccountThrottle(_AuthfortThrottle):
    """Per target account, whatever the source address: slows password spraying from many IPs."""

    scope = "login_account"

    def get_cache_key(self, request: Any, view: Any) -> str | None:
        email = request.data.get("email") if hasattr(request.data, "get") else None
        return self._key_for(email)

    def _key_for(self, email: object) -> str | None:
        if not isinstance(email, str) or not email:
            return None
        # The canonical address, as every lookup uses it: a look-alike spelling of an
        # address shares its budget. Text that is no address is counted as sent.
        try:
            ident = canonical_email(email)
        except InvalidEmailAddress:
            ident = email.strip()
        return self._hashed_key(ident)

    def _key_for_user(self, user: Any) -> str | None:
        account = Account.objects.of(user)
        return self._key_for(account.email or str(account.sub))


class PasswordChangeThrottle(LoginAccountThrottle):
    """The same counter as the account's login guesses (scope `login_account`, keyed by
    the address): a stolen access token gets no second budget for guessing the password."""

    def get_cache_key(self, request: Any, view: Any) -> str | None:
        return self._key_for_user(request.user) if request.user.is_authenticated else None


# Account recovery and verification: per address like login, so mails to one inbox
# stay few whoever asks, and per IP so one client cannot walk through many addresses.


class PasswordResetIPThrottle(PerIPThrottle):
    scope = "password_reset"


class PasswordResetEmailThrottle(LoginAccountThrottle):
    """Per address in the body, whether or not an account uses it (so a 429 reveals nothing)."""

    scope = "password_reset_email"


class PasswordResetConfirmThrottle(PerIPThrottle):
    scope = "password_reset_confirm"


class VerifyEmailIPThrottle(PerIPThrottle):
    scope = "verify_email"


class VerifyEmailAccountThrottle(LoginAccountThrottle):
    """Per authenticated user, else per address in the body."""

    scope = "verify_email_account"

    def get_cache_key(self, request: Any, view: Any) -> str | None:
        if request.user.is_authenticated:
            return self._key_for_user(request.user)
        return super().get_cache_key(request, view)


class VerifyEmailConfirmThrottle(PerIPThrottle):
    scope = "verify_email_confirm"


class SecondFactorAccountThrottle(LoginAccountThrottle):
    """A login's second step spends the same per-account budget as its password guesses
    (scope `login_account`): the account is the one the body's genuine mfa_token names."""

    def get_cache_key(self, request: Any, view: Any) -> str | None:
        token = request.data.get("mfa_token") if hasattr(request.data, "get") else None
        user = user_of(token, MFAChallenge.Purpose.LOGIN)
        return self._key_for_user(user) if user is not None else None


# Federated and passwordless sign-in (api/views/federation.py, passwordless.py). Finishing
# a sign-in (exchange, ID token, link or code) counts against the login budget per IP; a
# mailed code's guesses also against the address's login budget, as password guesses do.


class OAuthIPThrottle(PerIPThrottle):
    scope = "oauth"


class MagicLinkIPThrottle(PerIPThrottle):
    scope = "magic_link"


class MagicLinkEmailThrottle(LoginAccountThrottle):
    scope = "magic_link_email"


class EmailCodeIPThrottle(PerIPThrottle):
    scope = "email_code"


class EmailCodeEmailThrottle(LoginAccountThrottle):
    scope = "email_code_email"


# Service clients: POST /auth/token per address and per client_id presented (before any
# check, so guesses at one client's secret share its budget wherever they come from),
# POST /auth/revoke per address. The views are plain Django views: they call these
# with `view=None` (api/views/clients.py).


class TokenIPThrottle(PerIPThrottle):
    scope = "token"


class TokenClientThrottle(_AuthfortThrottle):
    scope = "token_client"
    # Set by the view before asking: the client_id the request names, or None.
    ATTRIBUTE = "authfort_presented_client_id"

    def get_cache_key(self, request: Any, view: Any) -> str | None:
        client_id = getattr(request, self.ATTRIBUTE, None)
        if not isinstance(client_id, str) or not client_id:
            return None
        return self._hashed_key(client_id)


class RevokeIPThrottle(PerIPThrottle):
    scope = "revoke"
