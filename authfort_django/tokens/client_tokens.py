"""Access tokens of service clients (RFC 9068 with the client credentials grant).

`sub` and `client_id` are the client's id; `scope` is space-separated; there is no
`sid`, `roles`, `email` or `ver`: a client token speaks for no user. Consumers tell
the two kinds apart by that (verifier_client's `Claims.is_client`: no `sid` and
`sub == client_id`). Whether one is still current (its client active, its `jti`
not revoked) is the database's answer: `current_client_for`.
"""

from __future__ import annotations

import secrets
import time
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timezone
from typing import Any

from authfort_django.conf import authfort_settings
from authfort_django.keys.store import key_store
from authfort_django.models import Client, RevokedClientToken
from authfort_django.tokens.signing import sign
from verifier_client import Claims


@dataclass(frozen=True)
class IssuedClientToken:
    token: str
    expires_in: int
    scope: str
    claims: dict[str, Any]


def token_lifetime(client: Client) -> int:
    return int(client.token_ttl or authfort_settings.ACCESS_TOKEN_TTL)


def client_token_claims(client: Client, *, scope: str, audiences: Sequence[str], now: int) -> dict[str, Any]:
    claims: dict[str, Any] = {
        "iss": authfort_settings.ISSUER,
        "sub": client.client_id,
        "client_id": client.client_id,
        "scope": scope,
        "iat": now,
        "exp": now + token_lifetime(client),
        "jti": secrets.token_urlsafe(16),
    }
    if audiences:
        claims["aud"] = audiences[0] if len(audiences) == 1 else list(audiences)
    return claims


def issue_client_token(client: Client, *, scope: str, audiences: Sequence[str]) -> IssuedClientToken:
    signing = key_store.signing_key()
    claims = client_token_claims(client, scope=scope, audiences=audiences, now=int(time.time()))
    token = sign(claims, private_key=signing.private_key, algorithm=signing.algorithm, kid=signing.kid)
    return IssuedClientToken(token, token_lifetime(client), scope, claims)


def is_client_token(claims: Claims) -> bool:
    """A token of this server without a session that names its client as its subject.

    Every user token carries `sid` (and its `sub` is a UUID that no client_id equals).
    """
    return claims.sid is None and isinstance(claims.get("client_id"), str) and claims.get("client_id") == claims.sub


def current_client_for(claims: Claims) -> Client | None:
    """The client a verified client token speaks for, or None if it no longer does
    (unknown or disabled client, revoked jti)."""
    if not is_client_token(claims):
        return None
    client = Client.objects.filter(client_id=claims.sub, is_active=True).first()
    if client is None:
        return None
    if claims.jti is None or RevokedClientToken.objects.filter(jti=claims.jti).exists():
        return None
    return client


def revoke_client_token(client: Client, claims: Claims) -> bool:
    """Record the token's jti as revoked until its exp; False if it already was."""
    if claims.jti is None:
        return False
    expires_at = datetime.fromtimestamp(claims.exp, tz=timezone.utc)
    _, created = RevokedClientToken.objects.get_or_create(
        jti=claims.jti, defaults={"client": client, "expires_at": expires_at}
    )
    return created
