"""ID tokens, checked by verifier_client against the provider's JWKS: the same code
that checks our own tokens, so one verification path serves both directions.

TokenVerifier checks the signature (the provider's keys only, by `kid`; an unknown
kid refetches the JWKS once, rate-limited), the algorithm allowlist (never `none`
or HS*), `typ` (JWT or none at all, as OIDC allows; never at+jwt), the exact `iss`,
`aud` = our client id, `exp` and `iat`. Here we add `azp` for several audiences and
the `nonce`.
"""

from __future__ import annotations

import hashlib
import hmac
import threading
import time
from collections.abc import Callable
from typing import Any

from authfort_django.federation import discovery, errors, http
from authfort_django.federation.providers import Provider
from verifier_client import (
    Claims,
    JWKSClient,
    KeySetUnavailableError,
    TokenVerifier,
    VerificationError,
)

ACCEPTED_TYPES = ("JWT", None)
REQUIRED_CLAIMS = ("exp", "iat", "sub", "iss", "aud")
LEEWAY = 30

# Wall-clock seconds for exp/iat and monotonic seconds for the JWKS cache; tests move them.
wall_clock: Callable[[], float] = time.time
monotonic_clock: Callable[[], float] = time.monotonic

_lock = threading.Lock()
_key_sets: dict[tuple[str, str], JWKSClient] = {}
_verifiers: dict[tuple[Any, ...], TokenVerifier] = {}


def _keys_for(provider: Provider, jwks_uri: str) -> JWKSClient:
    key = (provider.issuer, jwks_uri)
    keys = _key_sets.get(key)
    if keys is None:
        with _lock:
            keys = _key_sets.get(key)
            if keys is None:
                keys = JWKSClient(
                    jwks_uri,
                    algorithms=provider.algorithms,
                    timeout=http.timeout(),
                    clock=lambda: monotonic_clock(),
                )
                _key_sets[key] = keys
    return keys


def _verifier_for(provider: Provider, audiences: tuple[str, ...]) -> TokenVerifier:
    jwks_uri = discovery.metadata(provider)["jwks_uri"]
    key = (provider.issuer, jwks_uri, audiences, provider.algorithms)
    verifier = _verifiers.get(key)
    if verifier is None:
        verifier = TokenVerifier(
            keys=_keys_for(provider, jwks_uri),
            issuer=provider.issuer,
            audience=audiences,
            algorithms=provider.algorithms,
            accepted_types=ACCEPTED_TYPES,
            required_claims=REQUIRED_CLAIMS,
            leeway=LEEWAY,
            clock=lambda: wall_clock(),
        )
        with _lock:
            verifier = _verifiers.setdefault(key, verifier)
    return verifier


def forget() -> None:
    """Drop every cached key set and verifier (tests; a provider's settings changed)."""
    with _lock:
        _key_sets.clear()
        _verifiers.clear()


def verify_id_token(
    provider: Provider,
    token: object,
    *,
    nonce: str | None,
    audiences: tuple[str, ...] | None = None,
    max_age: int | None = None,
) -> Claims:
    """The token's claims if `provider` issued it for us; IdTokenInvalid (with the reason)
    otherwise, ProviderUnavailable when its keys cannot be had.

    `nonce` None: the token must carry none. A string: the token's nonce must be it, or
    its SHA-256 in hex (what Sign in with Apple and Firebase put there).
    """
    if not isinstance(token, str):
        raise errors.IdTokenInvalid()
    audiences = audiences or (provider.client_id,)
    try:
        claims = _verifier_for(provider, audiences).verify(token)
    except KeySetUnavailableError:
        raise errors.ProviderUnavailable() from None
    except VerificationError as refused:
        raise errors.IdTokenInvalid(f"The ID token was refused: {refused.reason}") from None
    aud = claims.get("aud")
    # OIDC Core §2: with several audiences, `azp` names the party the token was issued to.
    if isinstance(aud, list) and len(aud) > 1 and claims.get("azp") not in audiences:
        raise errors.IdTokenInvalid("The ID token was issued to another party (azp).")
    _check_nonce(claims.get("nonce"), nonce)
    if max_age is not None and claims["iat"] < wall_clock() - max_age:
        raise errors.IdTokenInvalid(f"The ID token is older than {max_age} seconds: obtain a fresh one.")
    return claims


def _check_nonce(in_token: Any, expected: str | None) -> None:
    if expected is None:
        if in_token is not None:
            raise errors.IdTokenNonceMismatch("The ID token carries a nonce: send the nonce your app used.")
        return
    if not isinstance(in_token, str):
        raise errors.IdTokenNonceMismatch()
    hashed = hashlib.sha256(expected.encode("utf-8", "surrogatepass")).hexdigest()
    given = in_token.encode("utf-8", "surrogatepass")
    if not (hmac.compare_digest(given, expected.encode("utf-8", "surrogatepass")) or hmac.compare_digest(given, hashed.encode())):
        raise errors.IdTokenNonceMismatch()
