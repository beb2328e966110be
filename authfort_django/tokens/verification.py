"""How the server checks its own access tokens: verifier_client's rules, then the database's.

The signature, type, issuer, audience and lifetime are checked by the same
`TokenVerifier` every consumer runs, fed with the key store's published keys (no
HTTP, no query when warm). Whether the user, `ver` and session are still current
needs the database: `current_user_for`.
"""

from __future__ import annotations

import threading
import uuid

from authfort_django.conf import SUPPORTED_ALGORITHMS, authfort_settings
from authfort_django.keys.store import key_store
from authfort_django.models import Session, User
from authfort_django.sessions.lifecycle import session_is_live
from verifier_client import Claims, InvalidAudienceError, StaticKeySet, TokenVerifier


class _ServerVerifier:
    """One TokenVerifier over one StaticKeySet holding the key store's published keys.

    Keys come from the in-process key store (no HTTP, no query when warm), so the
    server applies exactly the rules consumers apply with verifier_client. When the
    published set changes (its ETag), the key set is updated in place: a removed key
    is distrusted at once, unchanged keys keep their cached verifications. The
    verifier itself is rebuilt only when ISSUER, AUDIENCE or LEEWAY change.
    """

    def __init__(self, *, check_audience: bool = True) -> None:
        self._check_audience = check_audience
        self._lock = threading.Lock()
        self._keys: StaticKeySet | None = None
        self._keys_etag: str | None = None
        self._verifier: TokenVerifier | None = None
        self._rules: tuple[str, str | None, int] | None = None

    def get(self) -> TokenVerifier:
        jwks = key_store.jwks()
        audience = authfort_settings.AUDIENCE if self._check_audience else None
        rules = (authfort_settings.ISSUER, audience, min(int(authfort_settings.LEEWAY), 60))
        verifier = self._verifier
        if verifier is not None and self._keys_etag == jwks.etag and self._rules == rules:
            return verifier
        with self._lock:
            if self._keys is None:
                self._keys = StaticKeySet({"keys": list(jwks.keys)}, algorithms=SUPPORTED_ALGORITHMS)
            elif self._keys_etag != jwks.etag:
                self._keys.update({"keys": list(jwks.keys)})
            self._keys_etag = jwks.etag
            if self._verifier is None or self._rules != rules:
                issuer, audience, leeway = rules
                self._verifier = TokenVerifier(
                    keys=self._keys, issuer=issuer, audience=audience, algorithms=SUPPORTED_ALGORITHMS, leeway=leeway
                )
                self._rules = rules
            return self._verifier


_server_verifier = _ServerVerifier()
# Client tokens name the services they are for (a client's `audiences`), not the
# server's AUDIENCE; only verify_client_token uses this one, and only client tokens pass it.
_client_token_verifier = _ServerVerifier(check_audience=False)


def verify_access_token(token: str) -> Claims:
    """Signature, type, issuer, audience and lifetime; raises a VerificationError subclass.

    Whether the user, `ver` and session are still current is the caller's check
    (it needs the database): see current_user_for below.
    """
    return _server_verifier.get().verify(token)


def verify_client_token(token: str) -> Claims:
    """Like verify_access_token whatever the `aud`, for a service client's token only
    (no `sid`, `sub` equal to `client_id`); raises a VerificationError subclass otherwise."""
    claims = _client_token_verifier.get().verify(token)
    if claims.sid is not None or claims.get("client_id") != claims.sub:
        raise InvalidAudienceError()
    return claims


def verify_any_access_token(token: str) -> Claims:
    """A user's token for the server's AUDIENCE, or a client's token for any audience."""
    try:
        return verify_access_token(token)
    except InvalidAudienceError:
        return verify_client_token(token)


def current_user_for(claims: Claims) -> tuple[User, Session] | None:
    """The user and session a verified token speaks for, or None if it no longer does.

    One query: the session with its user and the user's Account. Every token this server issues names its
    session (`sid`), so a token without one is refused: whoever minted it (with a
    stolen signing key, say) must also guess a live session id of that user.
    """
    if not _is_uuid(claims.sub) or claims.sid is None or not _is_uuid(claims.sid):
        return None
    session = (
        Session.objects.select_related("user__authfort_account")
        .filter(pk=claims.sid, user__authfort_account__sub=claims.sub)
        .first()
    )
    if session is None or not session_is_live(session):
        return None
    user = session.user
    if not user.is_active or claims.get("ver") != user.authfort_account.token_version:
        return None
    return user, session


def _is_uuid(value: str) -> bool:
    try:
        uuid.UUID(value)
    except ValueError:
        return False
    return True
