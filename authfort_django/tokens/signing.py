"""Issuing access tokens: the only module of authfort_django that imports `jwt`.

Verification is not here on purpose: the server checks its own tokens with
verifier_client's TokenVerifier, the same code every consumer runs.
"""

from __future__ import annotations

import time
import uuid
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

import jwt

from authfort_django.conf import authfort_settings
from authfort_django.keys.store import key_store
from authfort_django.models import Session, User
from authfort_django.tokens.claims import access_token_claims
from authfort_django.tokens.errors import TokenTooLarge

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
    """A signed access token; TokenTooLarge (nothing is cut) when it exceeds ACCESS_TOKEN_MAX_BYTES."""
    signing = key_store.signing_key()
    claims = access_token_claims(user, session, now=int(time.time()), roles=roles)
    token = sign(
        claims, private_key=signing.private_key, algorithm=signing.algorithm, kid=signing.kid
    )
    size = len(token.encode("ascii"))
    limit = int(authfort_settings.ACCESS_TOKEN_MAX_BYTES)
    if size > limit:
        raise TokenTooLarge(
            f"This account's access token would be {size} bytes, over the server's limit of {limit} "
            "(AUTHFORT_ACCESS_TOKEN_MAX_BYTES): no token was issued. An administrator must take away "
            "roles it no longer needs, or shorten the extra claims.",
            size=size,
            limit=limit,
        )
    return IssuedAccessToken(token, int(authfort_settings.ACCESS_TOKEN_TTL), claims)


# The `sid` claim of a session that does not exist yet: a UUID's text is always this long.
_STAND_IN_SID = str(uuid.UUID(int=0))


# Every RFC 8176 value a session can combine (mfa/amr.py; tokens sits below mfa).
_LONGEST_AMR = ["pwd", "fed", "otp", "hwk", "swk", "mfa"]


def access_token_size(user: User, *, roles: list[str]) -> int:
    """Bytes of an access token of `user` carrying `roles`, signed as a login would sign it now.

    For refusing a role grant before it is made, rather than every login after it.
    """
    signing = key_store.signing_key()
    now = int(time.time())
    claims = access_token_claims(user, None, now=now, roles=sorted(roles))
    claims.setdefault("sid", _STAND_IN_SID)
    # A session's claims at their longest, so no sign-in method can take the token over.
    claims.setdefault("amr", _LONGEST_AMR)
    claims.setdefault("auth_time", now)
    token = sign(claims, private_key=signing.private_key, algorithm=signing.algorithm, kid=signing.kid)
    return len(token.encode("ascii"))
