"""What the DRF and Flask adapters share about requests: credentials, CSRF, the 401 challenge.

Private to verifier_client (their settings are `_settings`). Framework-free on
purpose, so both adapters behave identically and this module can be tested
without either framework.
"""

from __future__ import annotations

import hmac
from typing import Protocol

from .claims import Claims
from .exceptions import MalformedTokenError, VerificationError

__all__: list[str] = []  # private to verifier_client

SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS", "TRACE"})


def bearer_token(authorization: str) -> str | None:
    """The token of an `Authorization: Bearer <token>` value.

    None when the header uses another scheme (another authenticator's business);
    `MalformedTokenError` when it says Bearer but carries no single token.
    """
    scheme, _, credentials = authorization.strip().partition(" ")
    if scheme.lower() != "bearer":
        return None
    token = credentials.strip()
    # `token` is stripped, so it splits in two exactly when it holds whitespace; one
    # scan in C, where a per-character generator cost ~65 µs per 830-character token.
    if not token or len(token.split(None, 1)) != 1:
        raise MalformedTokenError("The Authorization header must be 'Bearer <token>'.")
    return token


def role_names(names: tuple[str, ...], caller: str) -> tuple[str, ...]:
    """`names` when it is one or more non-empty strings; `ValueError` naming `caller` otherwise."""
    if not names or not all(isinstance(name, str) and name for name in names):
        raise ValueError(f"{caller} needs one or more role names.")
    return names


NOT_AUTHENTICATED = "An access token is required."

CLIENT_TOKEN_REFUSED = (
    "This resource serves users: a service's client-credentials token cannot be used here. "
    "Call it with a user's access token."
)


def insufficient_scope(names: tuple[str, ...]) -> str:
    return f"Your token lacks a scope this resource requires: {' '.join(names)}."


def scope_names(names: tuple[str, ...], caller: str) -> tuple[str, ...]:
    """`names` when it is one or more scope tokens (no spaces); `ValueError` naming `caller` otherwise."""
    if not names or not all(isinstance(name, str) and name and not any(c.isspace() for c in name) for name in names):
        raise ValueError(f"{caller} needs one or more scope names (without spaces).")
    return names


def scope_challenge(realm: str, names: tuple[str, ...]) -> str:
    """RFC 6750 §3.1: a 403 for a missing scope names the scopes the request needs."""
    return (
        f'Bearer realm="{_quotable(realm)}", error="insufficient_scope", '
        f'error_description="{_quotable(insufficient_scope(names))}", scope="{_quotable(" ".join(names))}"'
    )

MISSING_ROLE = "Your token lacks a role this resource requires. If an administrator has just granted it, refresh the token or log in again: roles are read when a token is issued."


def csrf_ok(method: str, header_value: str | None, cookie_value: str | None) -> bool:
    """May a request authenticated by cookie proceed? Safe methods always; others
    only when the CSRF header repeats the CSRF cookie (a Bearer header cannot be
    sent cross-site and is never checked)."""
    return method in SAFE_METHODS or csrf_matches(header_value, cookie_value)


class _CsrfNames(Protocol):
    csrf_header: str
    csrf_cookie_name: str


def csrf_failure(conf: _CsrfNames) -> str:
    """What a request that failed `csrf_ok` is told."""
    return f"CSRF check failed: the {conf.csrf_header} header must repeat the {conf.csrf_cookie_name} cookie."


def csrf_matches(header_value: str | None, cookie_value: str | None) -> bool:
    """True when the CSRF header repeats the CSRF cookie (double submit), compared in constant time."""
    if not header_value or not cookie_value:
        return False
    return hmac.compare_digest(
        header_value.encode("utf-8", "surrogatepass"), cookie_value.encode("utf-8", "surrogatepass")
    )


def challenge(realm: str, error: VerificationError | None = None) -> str:
    """The `WWW-Authenticate` value (RFC 6750 §3).

    Without credentials there is no error code, as the RFC asks; a refused token
    gets `error="invalid_token"` and its reason as the description.
    """
    value = f'Bearer realm="{_quotable(realm)}"'
    if error is not None:
        value += f', error="invalid_token", error_description="{_quotable(error.reason)}"'
    return value


def _quotable(text: str) -> str:
    # RFC 6750 allows %x20-21 / %x23-5B / %x5D-7E in these values: no quote, backslash or control.
    return "".join(c for c in text if " " <= c <= "~" and c not in '"\\')


# -- step-up (RFC 9470) -----------------------------------------------------------------
MFA_REQUIRED = (
    "This resource needs a multi-factor authentication{fresh}. Complete one at the auth server "
    "(POST /auth/step-up with a second factor, or sign in again) and retry with the new token."
)
FRESH_AUTHENTICATION_REQUIRED = (
    "This resource needs an authentication from the last {max_age} seconds. Sign in again "
    "(or POST /auth/step-up at the auth server) and retry with the new token."
)


def step_up_max_age(max_age: int | None) -> int | None:
    """`max_age` when it is None or a non-negative int; `ValueError` otherwise (at decoration time)."""
    if max_age is not None and (not isinstance(max_age, int) or isinstance(max_age, bool) or max_age < 0):
        raise ValueError("max_age must be a number of seconds (an int >= 0) or None.")
    return max_age


def step_up_refusal(claims: Claims, *, mfa: bool, max_age: int | None, now: float) -> tuple[str, str] | None:
    """(code, detail) when `claims` do not meet the requirement, None when they do.

    `mfa`: `amr` must hold "mfa". `max_age`: `auth_time` must be at most that many
    seconds old; a token without `auth_time` never meets it (fails closed).
    """
    fresh = f", made in the last {max_age} seconds" if max_age is not None else ""
    if mfa and not claims.is_multi_factor:
        return "mfa_required", MFA_REQUIRED.format(fresh=fresh)
    if max_age is not None and (claims.auth_time is None or now - claims.auth_time > max_age):
        if mfa:
            return "mfa_required", MFA_REQUIRED.format(fresh=fresh)
        return "fresh_authentication_required", FRESH_AUTHENTICATION_REQUIRED.format(max_age=max_age)
    return None


def step_up_challenge(realm: str, detail: str, max_age: int | None) -> str:
    """The RFC 9470 `WWW-Authenticate` value: error="insufficient_user_authentication", and
    `max_age` when the requirement has one. (authfort defines no `acr` values, so none is sent.)"""
    value = (
        f'Bearer realm="{_quotable(realm)}", error="insufficient_user_authentication", '
        f'error_description="{_quotable(detail)}"'
    )
    if max_age is not None:
        value += f', max_age="{max_age}"'
    return value
