"""Creating, rotating and disabling clients: the Django admin and the management
commands call these, so every change is validated and audited the same way."""

from __future__ import annotations

import secrets
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import timedelta
from typing import Any
from urllib.parse import urlsplit

from django.db import transaction
from django.utils import timezone

from authfort_django import audit
from authfort_django.clients import client_secrets
from authfort_django.clients.scopes import check_scope_names
from authfort_django.conf import SUPPORTED_ALGORITHMS
from authfort_django.models import AuthEvent, Client, ClientSecret
from authfort_django.request_context import NO_REQUEST, RequestContext
from verifier_client import StaticKeySet

MAX_TOKEN_TTL = 24 * 3600
DEFAULT_ROTATION_GRACE = 24 * 3600


class InvalidClientSettings(ValueError):
    """A client's settings cannot work; the message says which and how to fix it."""


@dataclass(frozen=True)
class NewClient:
    client: Client
    # Shown once, to whoever created the client; None for a private_key_jwt-only client.
    secret: str | None


def new_client_id() -> str:
    """144 random bits, url-safe; never starting with '-' or '_' (a command-line argument
    that starts with '-' reads as an option)."""
    while True:
        client_id = secrets.token_urlsafe(18)
        if client_id[0].isalnum():
            return client_id


def check_settings(
    *,
    name: str,
    scopes: Iterable[str],
    audiences: Iterable[str],
    token_ttl: int | None,
    jwks: Mapping[str, Any] | None,
    jwks_uri: str,
) -> tuple[list[str], list[str]]:
    """The cleaned scopes and audiences; InvalidClientSettings for anything that cannot work."""
    if not name or not name.strip():
        raise InvalidClientSettings("A client needs a name (who it is, e.g. 'orders service').")
    try:
        scope_list = check_scope_names(scopes)
    except ValueError as exc:
        raise InvalidClientSettings(str(exc)) from None
    audience_list = list(dict.fromkeys(audiences))
    for audience in audience_list:
        if not isinstance(audience, str) or not audience or any(c.isspace() or not c.isprintable() for c in audience):
            raise InvalidClientSettings(f"{audience!r} is not an audience: use a non-empty name without spaces.")
    if token_ttl is not None and not 1 <= token_ttl <= MAX_TOKEN_TTL:
        raise InvalidClientSettings(f"The token lifetime must be between 1 and {MAX_TOKEN_TTL} seconds.")
    if jwks is not None and jwks_uri:
        raise InvalidClientSettings("Register either a JWKS or a jwks_uri, not both.")
    if jwks is not None:
        try:
            keys = StaticKeySet(dict(jwks), algorithms=SUPPORTED_ALGORITHMS)
        except Exception as exc:  # noqa: BLE001 - any unusable set is the operator's to fix
            raise InvalidClientSettings(f"The JWKS is not usable: {exc}") from None
        if not keys.kids:
            raise InvalidClientSettings(
                "The JWKS has no usable public key (each needs a 'kid'; RS256 of 2048 bits or more, ES256 or EdDSA)."
            )
    if jwks_uri:
        parts = urlsplit(jwks_uri)
        loopback = parts.hostname in ("127.0.0.1", "::1", "localhost")
        if parts.scheme != "https" and not (parts.scheme == "http" and loopback):
            raise InvalidClientSettings("The jwks_uri must be an https:// URL (http:// only on loopback).")
    return scope_list, audience_list


def create_client(
    name: str,
    *,
    scopes: Iterable[str] = (),
    audiences: Iterable[str] = (),
    token_ttl: int | None = None,
    jwks: Mapping[str, Any] | None = None,
    jwks_uri: str = "",
    can_request_tokens: bool = True,
    can_introspect: bool = False,
    with_secret: bool | None = None,
    context: RequestContext = NO_REQUEST,
) -> NewClient:
    """A new client; its secret (unless it signs assertions only) is returned once and never again."""
    scope_list, audience_list = check_settings(
        name=name, scopes=scopes, audiences=audiences, token_ttl=token_ttl, jwks=jwks, jwks_uri=jwks_uri
    )
    if with_secret is None:
        with_secret = jwks is None and not jwks_uri
    with transaction.atomic():
        client = Client.objects.create(
            client_id=new_client_id(),
            name=name.strip(),
            scopes=scope_list,
            audiences=audience_list,
            token_ttl=token_ttl,
            jwks=dict(jwks) if jwks is not None else None,
            jwks_uri=jwks_uri,
            can_request_tokens=can_request_tokens,
            can_introspect=can_introspect,
        )
        raw = _add_secret(client) if with_secret else None
        audit.record(
            AuthEvent.Type.CLIENT_CREATED,
            context=context,
            client_id=client.client_id,
            name=client.name,
            scopes=scope_list,
            audiences=audience_list,
            authentication="private_key_jwt" if raw is None else "client_secret",
        )
    return NewClient(client, raw)


def _add_secret(client: Client) -> str:
    raw = client_secrets.new_secret()
    ClientSecret.objects.create(client=client, secret_hash=client_secrets.hash_secret(raw))
    return raw


def rotate_secret(
    client: Client, *, grace: int = DEFAULT_ROTATION_GRACE, context: RequestContext = NO_REQUEST
) -> str:
    """Add a new secret (returned once); the current ones keep working for `grace` seconds.

    `grace=0` ends them now: for a leaked secret.
    """
    if grace < 0:
        raise InvalidClientSettings("The grace period cannot be negative.")
    now = timezone.now()
    ends = now + timedelta(seconds=grace)
    with transaction.atomic():
        # Secrets already due to end sooner keep their earlier end.
        retiring = ClientSecret.objects.filter(client=client).exclude(expires_at__lte=ends)
        retired = retiring.update(expires_at=ends)
        raw = _add_secret(client)
        audit.record(
            AuthEvent.Type.CLIENT_SECRET_ROTATED,
            context=context,
            client_id=client.client_id,
            previous_secrets=retired,
            grace_seconds=grace,
        )
    return raw


def disable_client(client: Client, *, context: RequestContext = NO_REQUEST) -> bool:
    """No more tokens for `client`, and the ones it holds turn inactive at introspection.

    Idempotent: False (nothing recorded) when it was already disabled.
    """
    with transaction.atomic():
        changed = Client.objects.filter(pk=client.pk, is_active=True).update(
            is_active=False, disabled_at=timezone.now()
        )
        client.refresh_from_db(fields=["is_active", "disabled_at"])
        if changed:
            audit.record(AuthEvent.Type.CLIENT_DISABLED, context=context, client_id=client.client_id)
    return bool(changed)


def find_client(client_id: str) -> Client | None:
    if not isinstance(client_id, str) or not client_id or len(client_id) > 64:
        return None
    return Client.objects.filter(client_id=client_id).first()
