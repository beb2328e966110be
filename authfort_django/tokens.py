"""Access tokens (RFC 9068 profile): which claims they carry, issuing and checking them."""

from __future__ import annotations

import logging
import secrets
import threading
import time
import uuid
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from verifier_client import Claims, TokenVerifier

from . import jwt_backend
from .app_settings import SUPPORTED_ALGORITHMS, authfort_settings
from .key_store import key_store
from .models import Session, User
from .sessions import session_is_live

logger = logging.getLogger("authfort.tokens")

# Claims the server sets itself; the EXTRA_CLAIMS hook may not replace them.
RESERVED_CLAIMS = frozenset(
    {"iss", "sub", "aud", "exp", "iat", "nbf", "jti", "client_id", "sid", "roles", "ver", "email", "email_verified"}
)


@dataclass(frozen=True)
class IssuedAccessToken:
    token: str
    expires_in: int
    claims: Mapping[str, Any]


def access_token_claims(
    user: User, session: Session | None, *, now: int, roles: list[str] | None = None
) -> dict[str, Any]:
    claims: dict[str, Any] = {
        "iss": authfort_settings.ISSUER,
        "sub": str(user.pk),
        "exp": now + int(authfort_settings.ACCESS_TOKEN_TTL),
        "iat": now,
        "jti": secrets.token_urlsafe(16),
        "client_id": authfort_settings.CLIENT_ID,
        "roles": roles if roles is not None else user.role_names(),
        "ver": user.token_version,
        "email": user.email,
        "email_verified": user.email_verified_at is not None,
    }
    if authfort_settings.AUDIENCE:
        claims["aud"] = authfort_settings.AUDIENCE
    if session is not None:
        claims["sid"] = str(session.pk)
    hook = authfort_settings.extra_claims_hook
    if hook is not None:
        extra = dict(hook(user=user, session=session) or {})
        clashing = RESERVED_CLAIMS.intersection(extra)
        if clashing:
            logger.warning("EXTRA_CLAIMS tried to replace reserved claims %s; ignored", sorted(clashing))
        claims.update({k: v for k, v in extra.items() if k not in RESERVED_CLAIMS})
    return claims


def issue_access_token(
    user: User, session: Session | None = None, *, roles: list[str] | None = None
) -> IssuedAccessToken:
    signing = key_store.signing_key()
    claims = access_token_claims(user, session, now=int(time.time()), roles=roles)
    token = jwt_backend.sign(
        claims, private_key=signing.private_key, algorithm=signing.algorithm, kid=signing.kid
    )
    return IssuedAccessToken(token, int(authfort_settings.ACCESS_TOKEN_TTL), claims)


class _ServerVerifier:
    """A TokenVerifier over the key store's published keys, rebuilt when they change.

    Keys come from the in-process key store (no HTTP, no query when warm), so the
    server applies exactly the rules consumers apply with verifier_client.
    """

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._built_for: tuple[str, str, str | None] | None = None
        self._verifier: TokenVerifier | None = None

    def get(self) -> TokenVerifier:
        jwks = key_store.jwks()
        signature = (jwks.etag, authfort_settings.ISSUER, authfort_settings.AUDIENCE)
        verifier = self._verifier
        if verifier is not None and self._built_for == signature:
            return verifier
        with self._lock:
            if self._verifier is None or self._built_for != signature:
                self._verifier = TokenVerifier(
                    keys={"keys": list(jwks.keys)},
                    issuer=authfort_settings.ISSUER,
                    audience=authfort_settings.AUDIENCE,
                    algorithms=SUPPORTED_ALGORITHMS,
                    leeway=min(int(authfort_settings.LEEWAY), 60),
                )
                self._built_for = signature
            return self._verifier


_server_verifier = _ServerVerifier()


def verify_access_token(token: str) -> Claims:
    """Signature, type, issuer, audience and lifetime; raises a VerificationError subclass.

    Whether the user, `ver` and session are still current is the caller's check
    (it needs the database): see current_user_for below.
    """
    return _server_verifier.get().verify(token)


def current_user_for(claims: Claims) -> tuple[User, Session] | None:
    """The user and session a verified token speaks for, or None if it no longer does.

    One query: the session with its user. Every token this server issues names its
    session (`sid`), so a token without one is refused: whoever minted it (with a
    stolen signing key, say) must also guess a live session id of that user.
    """
    if not _is_uuid(claims.sub) or claims.sid is None or not _is_uuid(claims.sid):
        return None
    session = Session.objects.select_related("user").filter(pk=claims.sid, user_id=claims.sub).first()
    if session is None or not session_is_live(session):
        return None
    user = session.user
    if not user.is_active or claims.get("ver") != user.token_version:
        return None
    return user, session


def _is_uuid(value: str) -> bool:
    try:
        uuid.UUID(value)
    except ValueError:
        return False
    return True
