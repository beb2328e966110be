"""Every way a token can fail verification, under one root.

    VerificationError                 (root: catch this to reject a token)
    ├── MalformedTokenError           not a compact JWS we accept: size, segments, base64, JSON
    ├── UnsupportedAlgorithmError     `alg` outside the allowlist (including "none"), or not the key's
    ├── InvalidTypeError              `typ` header missing or not an accepted type (at+jwt)
    ├── ForbiddenHeaderError          `jku`, `jwk`, `x5u`, `x5c` or `crit` in the header
    ├── UnknownKeyError               no published key has this `kid`
    ├── InvalidSignatureError         the signature does not match
    ├── InvalidClaimsError            the payload fails a rule
    │   ├── MissingClaimError         a required claim is absent
    │   ├── ExpiredTokenError         `exp` has passed (beyond the leeway)
    │   ├── ImmatureTokenError        `nbf` or `iat` lies in the future (beyond the leeway)
    │   ├── InvalidIssuerError        `iss` is not exactly the expected issuer
    │   └── InvalidAudienceError      `aud` is missing, empty or does not name us
    ├── InactiveTokenError            introspection says the token is not active
    └── VerificationUnavailableError  the token could not be checked now (an outage, not a verdict)
        ├── KeySetUnavailableError    the JWKS could not be fetched and no usable set is cached
        └── IntrospectionUnavailableError
                                      introspection could not be asked or gave no usable answer
                                      (also an InactiveTokenError, so code that refuses on that
                                      still refuses)

Each class carries a stable `code` (for logs and metrics) and a human `reason`.
The HTTP adapters answer a refused token with 401 and
`WWW-Authenticate: Bearer error="invalid_token", error_description="<reason>"`,
and a `VerificationUnavailableError` with **503** and `Retry-After:
<retry_after>`: a 401 would send every client to log in again, which during an
auth-server outage is a login storm against a server that cannot answer.
Both still refuse the request (fail closed).
"""

from __future__ import annotations

import math

__all__ = [
    "ExpiredTokenError",
    "ForbiddenHeaderError",
    "ImmatureTokenError",
    "InactiveTokenError",
    "InvalidAudienceError",
    "InvalidClaimsError",
    "InvalidIssuerError",
    "InvalidSignatureError",
    "IntrospectionUnavailableError",
    "InvalidTypeError",
    "KeySetUnavailableError",
    "MalformedTokenError",
    "MissingClaimError",
    "UnknownKeyError",
    "UnsupportedAlgorithmError",
    "VerificationError",
    "VerificationUnavailableError",
]


class VerificationError(Exception):
    """The token must not be trusted. `reason` is safe to show to the caller."""

    code: str = "invalid_token"
    default_reason: str = "The access token is invalid."

    def __init__(self, reason: str | None = None) -> None:
        self.reason = reason or self.default_reason
        super().__init__(self.reason)


class MalformedTokenError(VerificationError):
    code = "malformed_token"
    default_reason = "The access token is not a well-formed JWT."


class UnsupportedAlgorithmError(VerificationError):
    code = "unsupported_algorithm"
    default_reason = "The token's signing algorithm is not accepted."


class InvalidTypeError(VerificationError):
    code = "invalid_type"
    default_reason = "The token's 'typ' header is not an accepted access-token type."


class ForbiddenHeaderError(VerificationError):
    code = "forbidden_header"
    default_reason = "The token header carries a member that is never accepted."


class UnknownKeyError(VerificationError):
    code = "unknown_key"
    default_reason = "The token was signed with a key that is not published."


class InvalidSignatureError(VerificationError):
    code = "invalid_signature"
    default_reason = "The token signature is invalid."


class InvalidClaimsError(VerificationError):
    code = "invalid_claims"
    default_reason = "The token's claims are invalid."


class MissingClaimError(InvalidClaimsError):
    code = "missing_claim"
    default_reason = "The token lacks a required claim."


class ExpiredTokenError(InvalidClaimsError):
    code = "token_expired"
    default_reason = "The access token has expired."


class ImmatureTokenError(InvalidClaimsError):
    code = "token_not_yet_valid"
    default_reason = "The access token is not valid yet."


class InvalidIssuerError(InvalidClaimsError):
    code = "invalid_issuer"
    default_reason = "The token was not issued by the expected issuer."


class InvalidAudienceError(InvalidClaimsError):
    code = "invalid_audience"
    default_reason = "The token is not meant for this service."


class InactiveTokenError(VerificationError):
    code = "token_inactive"
    default_reason = "The access token is no longer active."


class VerificationUnavailableError(VerificationError):
    """The token could not be checked now because something verification needs
    is out of reach. Not a verdict on the token: the request is refused, and the
    caller should retry after `retry_after` seconds rather than log in again."""

    code = "verification_unavailable"
    default_reason = "Tokens cannot be verified right now; try again later."
    default_retry_after = 5

    def __init__(self, reason: str | None = None, *, retry_after: float | None = None) -> None:
        super().__init__(reason)
        seconds = self.default_retry_after if retry_after is None else retry_after
        # Whole seconds, at least one: what an HTTP Retry-After header can carry.
        self.retry_after: int = max(1, math.ceil(seconds))


class KeySetUnavailableError(VerificationUnavailableError):
    code = "key_set_unavailable"
    default_reason = "The signing keys could not be fetched; tokens cannot be verified now: try again later."


class IntrospectionUnavailableError(VerificationUnavailableError, InactiveTokenError):
    code = "introspection_unavailable"
    default_reason = (
        "The introspection endpoint could not confirm that the token is active; try again later."
    )
