"""Deprecated alias of `verifier_client.drf`; removed in verifier-client 0.4.

Re-exports the same objects, so a `DEFAULT_AUTHENTICATION_CLASSES` entry naming
this path keeps working (with a warning) until it is changed.
"""

from __future__ import annotations

import warnings

from ..drf import (
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

warnings.warn(
    "verifier_client.contrib.drf is deprecated and will be removed in verifier-client 0.4: "
    "import from verifier_client.drf instead (in settings too, e.g. "
    '"verifier_client.drf.JWKSAuthentication").',
    DeprecationWarning,
    stacklevel=2,
)
