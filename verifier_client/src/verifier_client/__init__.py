"""Verify authfort access tokens locally from a cached JWKS.

    from verifier_client import TokenVerifier
    verifier = TokenVerifier(jwks_url="https://auth.example.com/.well-known/jwks.json",
                             issuer="https://auth.example.com", audience="authfort")
    claims = verifier.verify(token)   # Claims, or a VerificationError subclass

Framework adapters: `verifier_client.drf` (pip install authfort-verifier[drf]) and
`verifier_client.flask` (pip install authfort-verifier[flask]).
"""

from __future__ import annotations

from .claims import Claims
from .client_credentials import ClientCredentials, ClientCredentialsError
from .events import Event, EventCounter
from .exceptions import (
    ExpiredTokenError,
    ForbiddenHeaderError,
    ImmatureTokenError,
    InactiveTokenError,
    IntrospectionUnavailableError,
    InvalidAudienceError,
    InvalidClaimsError,
    InvalidIssuerError,
    InvalidSignatureError,
    InvalidTypeError,
    KeySetUnavailableError,
    MalformedTokenError,
    MissingClaimError,
    UnknownKeyError,
    UnsupportedAlgorithmError,
    VerificationError,
    VerificationUnavailableError,
)
from .introspection import IntrospectionClient, IntrospectionResult
from .jwks import FetchResponse, JWKSClient, KeySet, StaticKeySet, VerificationKey
from .verifier import TokenVerifier

# The one place the version is written: pyproject.toml reads it (tool.setuptools.dynamic).
__version__ = "0.3.0.dev0"

__all__ = [
    "Claims",
    "ClientCredentials",
    "ClientCredentialsError",
    "Event",
    "EventCounter",
    "ExpiredTokenError",
    "FetchResponse",
    "ForbiddenHeaderError",
    "ImmatureTokenError",
    "InactiveTokenError",
    "IntrospectionClient",
    "IntrospectionResult",
    "IntrospectionUnavailableError",
    "InvalidAudienceError",
    "InvalidClaimsError",
    "InvalidIssuerError",
    "InvalidSignatureError",
    "InvalidTypeError",
    "JWKSClient",
    "KeySet",
    "KeySetUnavailableError",
    "MalformedTokenError",
    "MissingClaimError",
    "StaticKeySet",
    "TokenVerifier",
    "UnknownKeyError",
    "UnsupportedAlgorithmError",
    "VerificationError",
    "VerificationKey",
    "VerificationUnavailableError",
    "__version__",
]
