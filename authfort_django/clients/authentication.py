"""Which client is calling: client_secret_basic, client_secret_post or private_key_jwt.

The API layer reads the credentials off the request (api/oauth_requests.py) and
hands them here as `PresentedCredentials`; every refusal is an `invalid_client`
and an AuthEvent (`client_auth_failed`, with the method and a reason code, never
the secret). Unknown client, wrong secret and disabled client are told apart
only in the audit log.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from authfort_django import audit
from authfort_django.clients import client_secrets
from authfort_django.clients.assertions import authenticate_by_assertion
from authfort_django.clients.errors import ClientAuthenticationFailed
from authfort_django.clients.registry import find_client
from authfort_django.models import AuthEvent, Client
from authfort_django.request_context import NO_REQUEST, RequestContext

SECRET_BASIC = "client_secret_basic"
SECRET_POST = "client_secret_post"
PRIVATE_KEY_JWT = "private_key_jwt"
METHODS = (SECRET_BASIC, SECRET_POST, PRIVATE_KEY_JWT)


@dataclass(frozen=True)
class PresentedCredentials:
    method: str
    client_id: str | None
    secret: str | None = None
    assertion: str | None = None

    def __repr__(self) -> str:  # never the secret or the assertion, in a traceback or a log
        return f"PresentedCredentials(method={self.method!r}, client_id={self.client_id!r})"


def authenticate_client(
    presented: PresentedCredentials, *, audiences: Sequence[str], context: RequestContext = NO_REQUEST
) -> Client:
    """The authenticated, active client; ClientAuthenticationFailed (audited) otherwise.

    `audiences`: what a private_key_jwt assertion's `aud` may name (the issuer, the endpoint's URL).
    """
    try:
        if presented.method == PRIVATE_KEY_JWT:
            return authenticate_by_assertion(
                presented.assertion or "", client_id=presented.client_id, audiences=audiences
            )
        return _by_secret(presented)
    except ClientAuthenticationFailed as failure:
        record_failure(failure, method=presented.method, client_id=presented.client_id, context=context)
        raise


def record_failure(
    failure: ClientAuthenticationFailed, *, method: str, client_id: str | None = None,
    context: RequestContext = NO_REQUEST,
) -> None:
    """The AuthEvent of a refused client authentication (also for credentials too malformed to try)."""
    audit.record(
        AuthEvent.Type.CLIENT_AUTH_FAILED,
        context=context,
        client_id=_printable(failure.client_id or client_id or ""),
        method=method,
        reason=failure.reason,
    )


def _by_secret(presented: PresentedCredentials) -> Client:
    client_id = presented.client_id or ""
    client = find_client(client_id)
    stored = client_secrets.live_secrets(client) if client is not None else []
    # Compared even for an unknown client (against nothing), so both take one digest.
    matched = client_secrets.secret_matches(presented.secret or "", stored)
    if client is None:
        raise ClientAuthenticationFailed("unknown_client", client_id=client_id)
    if not client.is_active:
        raise ClientAuthenticationFailed("client_disabled", client_id=client_id)
    if not matched:
        reason = "wrong_secret" if stored or client.jwks is None and not client.jwks_uri else "method_not_registered"
        raise ClientAuthenticationFailed(reason, client_id=client_id)
    return client


def _printable(text: str) -> str:
    """For the audit log: at most 64 printable characters of what the caller sent."""
    return "".join(c for c in text[:64] if c.isprintable())
