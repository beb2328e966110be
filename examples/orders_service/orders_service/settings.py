"""Settings of the orders example: a DRF service that trusts authfort access tokens.

Everything comes from the environment (examples/README.md has the table):

    AUTH_JWKS_URL               the auth server's /.well-known/jwks.json
    AUTH_ISSUER                 the `iss` its tokens carry (the server's AUTHFORT_ISSUER)
    AUTH_AUDIENCE               the `aud` this service accepts (the server's AUTHFORT_AUDIENCE)
    AUTH_INTROSPECTION_URL      the server's /auth/introspect, for IsTokenActive (refund)
    AUTH_INTROSPECTION_SECRET   one of the server's AUTHFORT_INTROSPECTION_SECRETS
    SECRET_KEY                  Django's; nothing here signs with it, but Django requires one
    DEBUG                       "true" for tracebacks in development (default false)
    ALLOWED_HOSTS               comma-separated (default "127.0.0.1,localhost")

Optional tuning, same names in the Flask example:

    AUTH_JWKS_CACHE_TTL           seconds keys are cached when the server sends no max-age
    AUTH_JWKS_MIN_CACHE_TTL       the shortest cache lifetime the server's max-age may set (library
                                  default 60); lowered only by tests, so keys expire in seconds
    AUTH_JWKS_MAX_STALE           seconds the last keys stay trusted while the server is unreachable
                                  (library default 3600); after that every request is a 503
                                  `key_set_unavailable` with Retry-After until the server answers again
    AUTH_JWKS_MIN_REFETCH_INTERVAL  seconds between two JWKS fetches of one worker (library default 5)
    AUTH_INTROSPECTION_CACHE_TTL  opt-in: seconds a live answer is reused (default 0: the refund asks
                                  the auth server every time; at most 60). It is then the longest a
                                  revoked token can still be refunded with
    AUTH_COOKIE_NAME              also accept the token from this cookie (the server's cookie mode
                                  names it `access_token`); unsafe methods then need X-CSRF-Token
    AUTH_ALLOW_INSECURE_HTTP      "true" to reach a non-loopback auth server over plain http, e.g.
                                  inside a private docker network; loopback needs nothing

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


def _flag(name: str) -> bool:
    return os.environ.get(name, "").strip().lower() in ("1", "true", "yes", "on")


def _seconds(name: str) -> float | None:
    """An optional number of seconds; a value that is not one stops the service with its name."""
    raw = os.environ.get(name, "").strip()
    if not raw:
        return None
    try:
        value = float(raw)
    except ValueError:
        raise ImproperlyConfigured(f"{name} must be a number of seconds, got {raw!r}.") from None
    if value < 0:
        raise ImproperlyConfigured(f"{name} must not be negative, got {raw!r}.")
    return value


SECRET_KEY = _env("SECRET_KEY")
DEBUG = _flag("DEBUG")
ALLOWED_HOSTS = [host.strip() for host in _env("ALLOWED_HOSTS", "127.0.0.1,localhost").split(",") if host.strip()]

ROOT_URLCONF = "orders_service.urls"
WSGI_APPLICATION = "orders_service.wsgi.application"
# "rest_framework": its templates (the browsable API a browser gets; without it a
# browser's GET is a 500 TemplateDoesNotExist). "verifier_client": `manage.py check`
# validates VERIFIER_CLIENT (ids verifier_client.E001...).
INSTALLED_APPS = ["rest_framework", "verifier_client"]
MIDDLEWARE = ["django.middleware.security.SecurityMiddleware"]
DATABASES: dict[str, dict[str, str]] = {}
TIME_ZONE = "UTC"  # Django would otherwise set the process TZ to America/Chicago
USE_TZ = True

REST_FRAMEWORK = {
    "DEFAULT_AUTHENTICATION_CLASSES": ["verifier_client.drf.JWKSAuthentication"],
    # DRF's IsAuthenticated, whose 401 for a missing token carries "code": "not_authenticated".
    "DEFAULT_PERMISSION_CLASSES": ["verifier_client.drf.IsAuthenticated"],
    "DEFAULT_RENDERER_CLASSES": ["rest_framework.renderers.JSONRenderer"],
    # django.contrib.auth (and its AnonymousUser) is not installed: no database to back it.
    "UNAUTHENTICATED_USER": None,
    # The adapter's own answers carry {"detail", "code"} anyway; this gives DRF's own
    # errors a code too (not_found, method_not_allowed, parse_error, ...).
    "EXCEPTION_HANDLER": "verifier_client.drf.exception_handler",
}

VERIFIER_CLIENT = {
    "JWKS_URL": _env("AUTH_JWKS_URL"),
    "ISSUER": _env("AUTH_ISSUER"),
    "AUDIENCE": _env("AUTH_AUDIENCE"),
    "INTROSPECTION_URL": _env("AUTH_INTROSPECTION_URL"),
    "INTROSPECTION_SECRET": _env("AUTH_INTROSPECTION_SECRET"),
    "ALLOW_INSECURE_HTTP": _flag("AUTH_ALLOW_INSECURE_HTTP"),
}
for _variable, _key in (
    ("AUTH_JWKS_CACHE_TTL", "CACHE_TTL"),
    ("AUTH_JWKS_MIN_CACHE_TTL", "MIN_CACHE_TTL"),
    ("AUTH_JWKS_MAX_STALE", "MAX_STALE"),
    ("AUTH_JWKS_MIN_REFETCH_INTERVAL", "MIN_REFETCH_INTERVAL"),
    ("AUTH_INTROSPECTION_CACHE_TTL", "INTROSPECTION_CACHE_TTL"),
):
    _value = _seconds(_variable)
    if _value is not None:
        VERIFIER_CLIENT[_key] = _value
if os.environ.get("AUTH_COOKIE_NAME"):
    VERIFIER_CLIENT["COOKIE_NAME"] = os.environ["AUTH_COOKIE_NAME"]

# The refund notifies the customer through the notifications service, calling it as
# itself (OAuth 2.0 client credentials; examples/README.md shows how the client is
# created). All of these or none: without them the refund sends no notification.
#   AUTH_TOKEN_URL          the auth server's /auth/token
#   ORDERS_CLIENT_ID        this service's client, from `manage.py create_client`
#   ORDERS_CLIENT_SECRET    its secret (or ORDERS_CLIENT_FILE: the JSON that `create_client --json` wrote)
#   NOTIFICATIONS_URL       the notifications service, e.g. http://notifications:8002
NOTIFY = None
if os.environ.get("NOTIFICATIONS_URL"):
    NOTIFY = {
        "TOKEN_URL": _env("AUTH_TOKEN_URL"),
        "URL": _env("NOTIFICATIONS_URL").rstrip("/"),
        # Read at the first refund, not here: in docker compose a one-shot job writes it.
        "CLIENT_FILE": os.environ.get("ORDERS_CLIENT_FILE"),
        "CLIENT_ID": None if os.environ.get("ORDERS_CLIENT_FILE") else _env("ORDERS_CLIENT_ID"),
        "CLIENT_SECRET": None if os.environ.get("ORDERS_CLIENT_FILE") else _env("ORDERS_CLIENT_SECRET"),
    }
