"""The claims of an access token (RFC 9068 profile) and the EXTRA_CLAIMS hook."""

from __future__ import annotations

import logging
import secrets
from typing import Any

from authfort_django.conf import authfort_settings
from authfort_django.models import Account, Session, User

logger = logging.getLogger("authfort.tokens")

# Claims the server sets itself; the EXTRA_CLAIMS hook may not replace them.
RESERVED_CLAIMS = frozenset(
    {"iss", "sub", "aud", "exp", "iat", "nbf", "jti", "client_id", "sid", "roles", "ver", "email", "email_verified",
     "amr", "auth_time"}
)


def access_token_claims(
    user: User, session: Session | None, *, now: int, roles: list[str] | None = None
) -> dict[str, Any]:
    account = Account.objects.of(user)
    claims: dict[str, Any] = {
        "iss": authfort_settings.ISSUER,
        "sub": str(account.sub),
        "exp": now + int(authfort_settings.ACCESS_TOKEN_TTL),
        "iat": now,
        "jti": secrets.token_urlsafe(16),
        "client_id": authfort_settings.CLIENT_ID,
        "roles": roles if roles is not None else account.role_names(),
        "ver": account.token_version,
    }
    if account.email:  # the canonical address, the one mail goes to
        claims["email"] = account.email
        claims["email_verified"] = account.email_verified_at is not None
    if authfort_settings.AUDIENCE:
        claims["aud"] = authfort_settings.AUDIENCE
    if session is not None:
        claims["sid"] = str(session.pk)
        # How and when the user authenticated (RFC 8176, OIDC Core): the session's, so a
        # refresh keeps them and only a step-up (mfa/step_up.py) changes them.
        if session.amr:
            claims["amr"] = list(session.amr)
        if session.auth_time is not None:
            claims["auth_time"] = int(session.auth_time.timestamp())
    hook = authfort_settings.extra_claims_hook
    if hook is not None:
        extra = dict(hook(user=user, session=session) or {})
        clashing = RESERVED_CLAIMS.intersection(extra)
        if clashing:
            logger.warning("EXTRA_CLAIMS tried to replace reserved claims %s; ignored", sorted(clashing))
        claims.update({k: v for k, v in extra.items() if k not in RESERVED_CLAIMS})
    return claims
