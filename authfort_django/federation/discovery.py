"""A provider's endpoints: from its issuer's discovery document (OpenID Connect
Discovery 1.0), or from its settings (GitHub).

Documents are cached in this process for an hour; when a refetch fails, the last
good one keeps serving for a day, so a provider's short outage does not stop
sign-ins whose other steps still work.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable, Mapping
from typing import Any

from authfort_django.federation import errors, http
from authfort_django.federation.providers import Provider

FRESH_FOR = 3600.0
STALE_FOR = 24 * 3600.0

# Monotonic seconds; tests move it.
clock: Callable[[], float] = time.monotonic

_lock = threading.Lock()
_documents: dict[str, tuple[float, Mapping[str, Any]]] = {}

_REQUIRED = ("authorization_endpoint", "token_endpoint", "jwks_uri")


def metadata(provider: Provider) -> Mapping[str, Any]:
    """authorization_endpoint, token_endpoint, jwks_uri (and userinfo_endpoint) of `provider`."""
    if not provider.is_oidc:
        return {
            "issuer": provider.issuer,
            "authorization_endpoint": provider.authorization_endpoint,
            "token_endpoint": provider.token_endpoint,
        }
    now = clock()
    cached = _documents.get(provider.issuer)
    if cached is not None and now - cached[0] < FRESH_FOR:
        return cached[1]
    try:
        document = _fetch(provider.issuer)
    except errors.FederationError:
        if cached is not None and now - cached[0] < STALE_FOR:
            return cached[1]
        raise
    with _lock:
        _documents[provider.issuer] = (now, document)
    return document


def forget(issuer: str | None = None) -> None:
    """Drop cached documents (one issuer's, or all): the next use fetches again."""
    with _lock:
        if issuer is None:
            _documents.clear()
        else:
            _documents.pop(issuer, None)


def _fetch(issuer: str) -> Mapping[str, Any]:
    document = http.get_json(issuer.rstrip("/") + "/.well-known/openid-configuration")
    if not isinstance(document, dict):
        raise errors.ProviderBadResponse()
    # OpenID Connect Discovery §4.3: the document must name exactly the issuer we asked.
    if document.get("issuer") != issuer:
        raise errors.ProviderBadResponse(
            "The provider's discovery document names another issuer than the one configured; "
            "its operator must fix ISSUER in AUTHFORT['PROVIDERS']."
        )
    for name in _REQUIRED:
        if not http.is_secure_url(document.get(name)):
            raise errors.ProviderBadResponse()
    userinfo = document.get("userinfo_endpoint")
    if userinfo is not None and not http.is_secure_url(userinfo):
        raise errors.ProviderBadResponse()
    return document
