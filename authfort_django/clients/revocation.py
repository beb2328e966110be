"""Token revocation (RFC 7009).

What can be revoked, and who may:
- a refresh token, by whoever holds it (first-party apps are public clients): its
  whole session ends, so every refresh and access token of the family stops;
- a user's access token, by whoever holds it: its session ends (as /auth/logout);
- a client's access token, only by that client, authenticated: its `jti` is
  recorded, and introspection calls it inactive from then on. Consumers that
  verify locally accept it until its `exp`: use introspection where that matters.

Anything unknown, expired or malformed is answered like a success (RFC 7009 §2.2):
the caller learns nothing, and a token that cannot be used is as good as revoked.
"""

from __future__ import annotations

import re

from django.db import transaction

from authfort_django import audit
from authfort_django.clients.errors import InvalidClient, UnauthorizedClient
from authfort_django.models import AuthEvent, Client, RefreshToken
from authfort_django.request_context import NO_REQUEST, RequestContext
from authfort_django.sessions.lifecycle import hash_refresh_token, revoke_session
from authfort_django.tokens.client_tokens import is_client_token, revoke_client_token
from authfort_django.tokens.verification import current_user_for, verify_any_access_token
from verifier_client import VerificationError

_REFRESH_TOKEN_SHAPE = re.compile(r"[A-Za-z0-9_-]{40,128}")
MAX_TOKEN_LENGTH = 8192


def revoke(token: str, *, client: Client | None, context: RequestContext = NO_REQUEST) -> None:
    """Revoke `token` if it is ours and still good; see the module docstring for who may."""
    if not token or len(token) > MAX_TOKEN_LENGTH:
        return
    if _REFRESH_TOKEN_SHAPE.fullmatch(token):
        _revoke_refresh_token(token, context)
        return
    try:
        claims = verify_any_access_token(token)
    except VerificationError:
        return
    if is_client_token(claims):
        if client is None:
            raise InvalidClient(
                "Revoking a client's access token needs that client's authentication "
                "(client_secret_basic, client_secret_post or private_key_jwt)."
            )
        if client.client_id != claims.sub:
            raise UnauthorizedClient("This token was issued to another client; only that client may revoke it.")
        with transaction.atomic():
            if revoke_client_token(client, claims):
                audit.record(
                    AuthEvent.Type.TOKEN_REVOKED, context=context, client_id=client.client_id,
                    token_type="access_token", jti=claims.jti,
                )
        return
    current = current_user_for(claims)
    if current is not None:
        user, session = current
        _end_session(session, user, "access_token", context)


def _revoke_refresh_token(token: str, context: RequestContext) -> None:
    record = (
        RefreshToken.objects.select_related("session__user")
        .filter(token_hash=hash_refresh_token(token))
        .first()
    )
    if record is not None:
        _end_session(record.session, record.session.user, "refresh_token", context)


def _end_session(session, user, token_type: str, context: RequestContext) -> None:  # type: ignore[no-untyped-def]
    with transaction.atomic():
        if revoke_session(session, reason="revoked"):
            audit.record(
                AuthEvent.Type.TOKEN_REVOKED, user=user, session=session, context=context, token_type=token_type
            )
