"""What the DRF and Flask adapters share about requests: credentials, CSRF, the 401 challenge.

Private to verifier_client (their settings are `_settings`). Framework-free on
purpose, so both adapters behave identically and this module can be tested
without either framework.
"""

from __future__ import annotations

import hmac
from typing import Protocol

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
