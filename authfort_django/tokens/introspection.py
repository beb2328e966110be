"""RFC 7662 introspection: is this access token still good, right now?

Local verification (signature with a key that is still published, type, issuer,
audience, exp) plus the checks only the database can answer: the user is active,
`ver` equals the user's token_version and the session is live; for a client
token, the client is active and the token's jti was not revoked. Anything short
of all of that is exactly {"active": false}: an inactive answer tells nothing.
"""

from __future__ import annotations

import hmac
from collections.abc import Iterable
from typing import Any

from authfort_django.signals import token_introspected
from authfort_django.tokens.client_tokens import current_client_for, is_client_token
from authfort_django.tokens.verification import current_user_for, verify_any_access_token
from verifier_client import VerificationError

INACTIVE: dict[str, Any] = {"active": False}
ACTIVE_MEMBERS = ("sub", "iss", "aud", "exp", "iat", "jti", "sid", "roles", "amr", "auth_time")
# A client token (tokens/client_tokens.py) answers with its client and scope instead.
CLIENT_ACTIVE_MEMBERS = ("sub", "iss", "aud", "exp", "iat", "jti", "client_id", "scope")


def caller_is_authorized(presented: str, secrets: Iterable[str]) -> bool:
    """Constant-time comparison against every configured secret (no early exit)."""
    presented_bytes = presented.encode("utf-8", "surrogatepass")
    matched = False
    for secret in secrets:
        matched |= hmac.compare_digest(presented_bytes, secret.encode("utf-8", "surrogatepass"))
    return matched


def introspect(token: str) -> dict[str, Any]:
    answer = _introspect(token)
    token_introspected.send(sender=None, active=answer["active"])
    return answer


def _introspect(token: str) -> dict[str, Any]:
    if not token:
        return dict(INACTIVE)
    try:
        claims = verify_any_access_token(token)
    except VerificationError:
        return dict(INACTIVE)
    if is_client_token(claims):
        if current_client_for(claims) is None:
            return dict(INACTIVE)
        members = CLIENT_ACTIVE_MEMBERS
    elif current_user_for(claims) is None:
        return dict(INACTIVE)
    else:
        members = ACTIVE_MEMBERS
    answer: dict[str, Any] = {"active": True}
    answer.update({name: claims[name] for name in members if name in claims})
    answer["token_type"] = "Bearer"
    return answer
