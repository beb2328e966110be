"""Settings of the orders example: a DRF service that trusts authfort access tokens.

Everything comes from the environment:

    AUTHFORT_URL             base URL of the auth server; also the issuer its tokens name
    ORDERS_AUDIENCE          the `aud` this service accepts (the server's AUTHFORT_AUDIENCE)
    INTROSPECTION_SECRET     one of the server's AUTHFORT_INTROSPECTION_SECRETS, for IsTokenActive
    SECRET_KEY               Django's; nothing here signs with it, but Django requires one
    ALLOWED_HOSTS            comma-separated (default "127.0.0.1,localhost")
    INTROSPECTION_CACHE_TTL  optional: seconds a live answer is reused (library default: 10)
    ALLOW_INSECURE_HTTP      optional: "true" to reach a non-loopback auth server over plain
                             http, e.g. inside a private docker network; loopback needs nothing

There is no database: the caller is a `TokenUser` built from the verified token.
"""

from __future__ import annotations

import os

from django.core.exceptions import ImproperlyConfigured


def _env(name: str, default: str | None = None) -> str:
    """The variable's value; refuses to start without it rather than run half-configured."""
    value = os.environ.get(name, default)
    if not value:
        raise ImproperlyConfigured(f"Set the {name} environment variable (see examples/README.md).")
    return value


AUTHFORT_URL = _env("AUTHFORT_URL").rstrip("/")

SECRET_KEY = _env("SECRET_KEY")
DEBUG = False
ALLOWED_HOSTS = [host.strip() for host in _env("ALLOWED_HOSTS", "127.0.0.1,localhost").split(",")]

ROOT_URLCONF = "orders_service.urls"
WSGI_APPLICATION = "orders_service.wsgi.application"
INSTALLED_APPS = ["rest_framework"]
MIDDLEWARE = ["django.middleware.security.SecurityMiddleware"]
DATABASES: dict[str, dict[str, str]] = {}
TIME_ZONE = "UTC"  # Django would otherwise set the process TZ to America/Chicago
USE_TZ = True

REST_FRAMEWORK = {
    "DEFAULT_AUTHENTICATION_CLASSES": ["verifier_client.drf.JWKSAuthentication"],
    "DEFAULT_PERMISSION_CLASSES": ["rest_framework.permissions.IsAuthenticated"],
    "DEFAULT_RENDERER_CLASSES": ["rest_framework.renderers.JSONRenderer"],
    # django.contrib.auth (and its AnonymousUser) is not installed: no database to back it.
    "UNAUTHENTICATED_USER": None,
}

VERIFIER_CLIENT = {
    "JWKS_URL": f"{AUTHFORT_URL}/.well-known/jwks.json",
    "ISSUER": AUTHFORT_URL,
    "AUDIENCE": _env("ORDERS_AUDIENCE"),
    "INTROSPECTION_URL": f"{AUTHFORT_URL}/auth/introspect",
    "INTROSPECTION_SECRET": _env("INTROSPECTION_SECRET"),
    "ALLOW_INSECURE_HTTP": os.environ.get("ALLOW_INSECURE_HTTP", "").lower() in ("1", "true", "yes"),
}
if os.environ.get("INTROSPECTION_CACHE_TTL"):
    # How long a revoked token may still pass IsTokenActive; 0 asks the server every time.
    VERIFIER_CLIENT["INTROSPECTION_CACHE_TTL"] = float(os.environ["INTROSPECTION_CACHE_TTL"])
