"""The client credentials grant (RFC 6749 §4.4): an authenticated client asks for a token.

Scopes: the requested ones must all be in the client's set, or the request fails
with invalid_scope naming the others; nothing is silently narrowed. Without a
`scope` parameter the client gets its whole set (RFC 6749 §3.3 lets the server
apply a pre-defined default; ours is "everything the client may have").

Audiences: `resource` (RFC 8707) or `audience` values must all be in the client's
`audiences` (invalid_target otherwise). Without one the token names all of the
client's audiences, or the server's AUDIENCE when the client lists none.
"""

from __future__ import annotations

from collections.abc import Sequence

from django.db import transaction
from django.utils import timezone

from authfort_django import audit
from authfort_django.clients.errors import InvalidScope, InvalidTarget, UnauthorizedClient
from authfort_django.clients.scopes import format_scope, parse_scope
from authfort_django.conf import authfort_settings
from authfort_django.models import AuthEvent, Client
from authfort_django.request_context import NO_REQUEST, RequestContext
from authfort_django.tokens.client_tokens import IssuedClientToken, issue_client_token
from authfort_django.tokens.signing import ensure_can_sign


def granted_scopes(client: Client, requested: str | None) -> tuple[str, ...]:
    if requested is None:
        return tuple(client.scopes)
    scopes = parse_scope(requested)
    refused = [scope for scope in scopes if scope not in client.scopes]
    if refused:
        raise InvalidScope(
            f"This client may not have the scope {', '.join(refused)}. "
            f"It may ask for: {', '.join(client.scopes) or '(no scopes)'}."
        )
    return scopes


def granted_audiences(client: Client, requested: Sequence[str]) -> list[str]:
    if not requested:
        if client.audiences:
            return list(client.audiences)
        return [authfort_settings.AUDIENCE] if authfort_settings.AUDIENCE else []
    allowed = client.audiences or ([authfort_settings.AUDIENCE] if authfort_settings.AUDIENCE else [])
    refused = [audience for audience in requested if audience not in allowed]
    if refused:
        raise InvalidTarget(
            f"This client may not have tokens for {', '.join(refused)}. "
            f"It may ask for: {', '.join(allowed) or '(no audience)'}."
        )
    return list(dict.fromkeys(requested))


def client_credentials(
    client: Client,
    *,
    scope: str | None,
    audiences: Sequence[str] = (),
    context: RequestContext = NO_REQUEST,
) -> IssuedClientToken:
    """A signed access token for `client`; an OAuthError saying what to change otherwise."""
    if not client.can_request_tokens:
        raise UnauthorizedClient(
            "This client is registered for introspection only and may not request tokens."
        )
    scopes = granted_scopes(client, scope)
    granted = granted_audiences(client, audiences)
    ensure_can_sign()
    issued = issue_client_token(client, scope=format_scope(scopes), audiences=granted)
    with transaction.atomic():
        Client.objects.filter(pk=client.pk).update(last_used_at=timezone.now())
        audit.record(
            AuthEvent.Type.CLIENT_TOKEN_ISSUED,
            context=context,
            client_id=client.client_id,
            scope=issued.scope,
            aud=granted,
            jti=issued.claims["jti"],
        )
    return issued
