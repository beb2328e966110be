"""Issuing access tokens: the only module of authfort_django that imports `jwt`.

Verification is not here on purpose: the server checks its own tokens with
verifier_client's TokenVerifier, the same code every consumer runs.
"""

from __future__ import annotations

import time
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

import jwt

from authfort_django.conf import authfort_settings
from authfort_django.keys.store import key_store
from authfort_django.models import Session, User
from authfort_django.tokens.claims import access_token_claims

ACCESS_TOKEN_TYPE = "at+jwt"


def sign(claims: Mapping[str, Any], *, private_key: Any, algorithm: str, kid: str) -> str:
    return jwt.encode(
        dict(claims),
        private_key,
        algorithm=algorithm,
        headers={"kid": kid, "typ": ACCESS_TOKEN_TYPE},
    )


@dataclass(frozen=True)
class IssuedAccessToken:
    token: str
    expires_in: int
    claims: Mapping[str, Any]


def ensure_can_sign() -> None:
    """Raise NoSigningKey now, before a flow writes anything, if no key could sign its tokens.

    Without it a login on a server with no key would start a session and audit a
    success, then fail to hand out the tokens. Cheap: the key store answers from memory.
    """
    key_store.signing_key()


def issue_access_token(
    user: User, session: Session | None = None, *, roles: list[str] | None = None
) -> IssuedAccessToken:
    signing = key_store.signing_key()
    claims = access_token_claims(user, session, now=int(time.time()), roles=roles)
    token = sign(
        claims, private_key=signing.private_key, algorithm=signing.algorithm, kid=signing.kid
    )
    return IssuedAccessToken(token, int(authfort_settings.ACCESS_TOKEN_TTL), claims)
