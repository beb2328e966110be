"""Django REST framework adapter; see `verifier_client.contrib.drf`.

Needs the extra: `pip install "verifier-client[drf]"`.
"""

from __future__ import annotations

from .contrib.drf import (
    HasRole,
    IsTokenActive,
    JWKSAuthentication,
    TokenAuthenticationFailed,
    TokenUser,
    exception_handler,
    get_introspection_client,
    get_verifier,
    require_roles,
)

__all__ = [
    "HasRole",
    "IsTokenActive",
    "JWKSAuthentication",
    "TokenAuthenticationFailed",
    "TokenUser",
    "exception_handler",
    "get_introspection_client",
    "get_verifier",
    "require_roles",
]
