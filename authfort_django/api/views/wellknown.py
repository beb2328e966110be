"""Public documents: the JWKS, server metadata and the health probe.

Plain Django views, not DRF: they are the hottest endpoints and need neither
authentication nor content negotiation. Once the key store is warm, the JWKS
view performs no database query.
"""

from __future__ import annotations

import logging
from typing import Any

from django.db import connection
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.urls import reverse

from authfort_django.api.read_only import read_only
from authfort_django.conf import SUPPORTED_ALGORITHMS, authfort_settings
from authfort_django.keys.store import NoSigningKey, key_store
from authfort_django.models import Client

logger = logging.getLogger("authfort.health")


def _etag_matches(header: str, etag: str) -> bool:
    if header.strip() == "*":
        return True
    candidates = [tag.strip() for tag in header.split(",")]
    return etag in candidates or f"W/{etag}" in candidates


@read_only
def jwks(request: HttpRequest) -> HttpResponse:
    document = key_store.jwks()
    if _etag_matches(request.headers.get("If-None-Match", ""), document.etag):
        response = HttpResponse(status=304)
    else:
        response = HttpResponse(document.body, content_type="application/jwk-set+json")
    response["Cache-Control"] = f"public, max-age={int(authfort_settings.JWKS_MAX_AGE)}"
    response["ETag"] = document.etag
    response["Access-Control-Allow-Origin"] = "*"
    return response


def _absolute(path_name: str, **kwargs: Any) -> str:
    return authfort_settings.ISSUER.rstrip("/") + reverse(path_name, kwargs=kwargs or None)


# RFC 8414 metadata. /.well-known/openid-configuration is not served: OpenID Connect
# Discovery requires an authorization endpoint, ID tokens and their algorithms, and this
# server has none of them, so any such document would be untrue.
CLIENT_AUTH_METHODS = ["client_secret_basic", "client_secret_post", "private_key_jwt"]


def metadata_document() -> dict[str, Any]:
    doc: dict[str, Any] = {
        "issuer": authfort_settings.ISSUER,
        "jwks_uri": _absolute("authfort:jwks"),
        "token_endpoint": _absolute("authfort:token"),
        "grant_types_supported": ["client_credentials"],
        # REQUIRED by RFC 8414 §2 even without an authorization endpoint, and §3.2 forbids
        # an empty array. "none" (OAuth 2.0 Multiple Response Type Encoding Practices §4,
        # registered) is the one value that promises no credential from that endpoint.
        "response_types_supported": ["none"],
        "token_endpoint_auth_methods_supported": CLIENT_AUTH_METHODS,
        "token_endpoint_auth_signing_alg_values_supported": list(SUPPORTED_ALGORITHMS),
        "revocation_endpoint": _absolute("authfort:revoke"),
        "revocation_endpoint_auth_methods_supported": ["none", *CLIENT_AUTH_METHODS],
        "revocation_endpoint_auth_signing_alg_values_supported": list(SUPPORTED_ALGORITHMS),
        # Our JSON endpoints are not OAuth's form-encoded token endpoint, so they are
        # published under authfort_* names rather than token_endpoint.
        "authfort_register_endpoint": _absolute("authfort:register"),
        "authfort_login_endpoint": _absolute("authfort:login"),
        "authfort_refresh_endpoint": _absolute("authfort:refresh"),
        "authfort_logout_endpoint": _absolute("authfort:logout"),
        "authfort_logout_all_endpoint": _absolute("authfort:logout-all"),
        "authfort_me_endpoint": _absolute("authfort:me"),
        "authfort_sessions_endpoint": _absolute("authfort:sessions"),
        "access_token_signing_alg_values_supported": [authfort_settings.ALGORITHM],
        "authfort_verification_alg_values_supported": list(SUPPORTED_ALGORITHMS),
    }
    scopes = _scopes_supported()
    if scopes:  # RFC 8414 §3.2: members with zero elements are omitted
        doc["scopes_supported"] = scopes
    introspection_methods = introspection_auth_methods()
    if introspection_methods:
        doc["introspection_endpoint"] = _absolute("authfort:introspect")
        doc["introspection_endpoint_auth_methods_supported"] = introspection_methods
        doc["introspection_endpoint_auth_signing_alg_values_supported"] = list(SUPPORTED_ALGORITHMS)
    return doc


def _scopes_supported() -> list[str]:
    """Every scope some active client may ask for (RFC 8414: RECOMMENDED; a client's own
    set is what it may actually have)."""
    scopes: set[str] = set()
    for allowed in Client.objects.filter(is_active=True, can_request_tokens=True).values_list("scopes", flat=True):
        scopes.update(scope for scope in allowed or [] if isinstance(scope, str))
    return sorted(scopes)


def introspection_auth_methods() -> list[str]:
    """How callers may authenticate at /auth/introspect; empty when nobody can (it is off then).

    "bearer" (a shared INTROSPECTION_SECRET) is this server's own method, kept from 0.2.
    """
    methods = ["bearer"] if authfort_settings.INTROSPECTION_SECRETS else []
    if clients_may_introspect():
        methods += CLIENT_AUTH_METHODS
    return methods


def clients_may_introspect() -> bool:
    return Client.objects.filter(is_active=True, can_introspect=True).exists()


@read_only
def metadata(request: HttpRequest) -> HttpResponse:
    response = JsonResponse(metadata_document())
    response["Cache-Control"] = f"public, max-age={int(authfort_settings.JWKS_MAX_AGE)}"
    response["Access-Control-Allow-Origin"] = "*"
    return response


@read_only
def health(request: HttpRequest) -> HttpResponse:
    """200 when the database answers and a key signs; 503 with what is missing otherwise.

    Reads only: a missing key is reported (`signing_key: missing`, with the command
    that creates one), never created here.
    """
    body: dict[str, Any] = {"status": "ok", "database": "ok", "signing_key": "ok"}
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
    except Exception:  # noqa: BLE001 - any failure means "not ready"; it is logged
        logger.exception("database check failed")
        body["database"] = "unavailable"
    try:
        key_store.signing_key()
    except NoSigningKey as missing:
        body["signing_key"] = "missing"
        body["hint"] = missing.hint
    except Exception:  # noqa: BLE001
        logger.exception("signing key check failed")
        body["signing_key"] = "unavailable"
    healthy = body["database"] == "ok" and body["signing_key"] == "ok"
    body["status"] = "ok" if healthy else "unavailable"
    response = JsonResponse(body, status=200 if healthy else 503)
    response["Cache-Control"] = "no-store"
    return response
