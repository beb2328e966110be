"""What the OpenAPI schema cannot read from authfort's DRF views: the security
schemes, and the plain Django views (JWKS, server metadata, health, metrics).

The DRF views describe themselves (api/openapi.py's AuthfortAutoSchema, their
own schema class). A project that installs authfort_django gets this server's
schema from drf-spectacular's defaults plus one hook, `add_plain_views`:

    INSTALLED_APPS = [..., "rest_framework", "drf_spectacular", "authfort_django"]
    SPECTACULAR_SETTINGS = {
        "POSTPROCESSING_HOOKS": [
            "drf_spectacular.hooks.postprocess_schema_enums",  # drf-spectacular's default, kept
            "authfort_django.api.schema.add_plain_views",
        ],
    }

authfort's views need nothing in REST_FRAMEWORK. drf-spectacular's own views (the
/api/schema and /api/docs pages of api/docs.py, if the project mounts them) need
its DEFAULT_SCHEMA_CLASS, "drf_spectacular.openapi.AutoSchema", as its installation
guide says. The rest of SPECTACULAR_SETTINGS (TITLE, COMPONENT_SPLIT_REQUEST, the
Swagger UI settings) is the project's choice; config/settings.py has this server's.

This module and api/openapi.py need the [openapi] extra; without it nothing imports
them (api/openapi_extra.py gives the views what they use).
"""

from __future__ import annotations

from typing import Any

from django.urls import NoReverseMatch, get_script_prefix, reverse
from drf_spectacular.extensions import OpenApiAuthenticationExtension
from rest_framework import exceptions

from authfort_django.api.authentication import TokenRejected

__all__ = ["CSRF_CHECKED_SCHEMES", "SECURITY_SCHEMES", "AccessTokenScheme", "add_plain_views"]

SECURITY_SCHEMES: dict[str, dict[str, Any]] = {
    "bearerAuth": {
        "type": "http",
        "scheme": "bearer",
        "bearerFormat": "JWT",
        "description": "An access token from register, login or refresh: `Authorization: Bearer <token>`.",
    },
    "cookieAuth": {
        "type": "apiKey",
        "in": "cookie",
        "name": "__Host-access_token",
        "description": "Cookie mode (AUTHFORT_COOKIE_ENABLED): the HttpOnly access-token cookie, "
        "`__Host-access_token` by default, `__Secure-access_token` with a cookie Domain, `access_token` "
        "without Secure. POST, PUT and DELETE also need the CSRF cookie's value (`__Host-authfort_csrf`, "
        "prefixed like the access cookie) in `X-CSRF-Token`; the value is signed for the session.",
    },
    "refreshCookie": {
        "type": "apiKey",
        "in": "cookie",
        "name": "__Secure-refresh_token",
        "description": "Cookie mode: the refresh-token cookie (Path /auth/, so `__Secure-refresh_token`; "
        "`refresh_token` without Secure), with `X-CSRF-Token`. A refresh by cookie is answered in cookies only.",
    },
    "clientBasic": {
        "type": "http",
        "scheme": "basic",
        "description": "A service client's `client_id:client_secret` (RFC 6749 §2.3.1; each part form-encoded). "
        "The form's `client_id` + `client_secret`, or a `private_key_jwt` `client_assertion`, work instead.",
    },
    "introspectionSecret": {
        "type": "http",
        "scheme": "bearer",
        "description": "One of the server's AUTHFORT_INTROSPECTION_SECRETS: `Authorization: Bearer <secret>`.",
    },
}
# A browser sends cookies by itself, so an unsafe request they authenticate must
# prove it comes from our pages (api/cookies.py's check_csrf: 403 csrf_failed).
CSRF_CHECKED_SCHEMES = frozenset({"cookieAuth", "refreshCookie"})


class AccessTokenScheme(OpenApiAuthenticationExtension):
    """api.authentication.AccessTokenAuthentication: a Bearer header or, in cookie mode, the cookie."""

    target_class = "authfort_django.api.authentication.AccessTokenAuthentication"
    name = ["bearerAuth", "cookieAuth"]

    def get_security_requirement(self, auto_schema: Any) -> list[dict[str, list[Any]]]:
        return [{"bearerAuth": []}, {"cookieAuth": []}]  # either one (OR), not both

    def get_security_definition(self, auto_schema: Any) -> list[dict[str, Any]]:
        return [SECURITY_SCHEMES["bearerAuth"], SECURITY_SCHEMES["cookieAuth"]]

    def get_rejection(self) -> exceptions.AuthenticationFailed:
        """Read by AuthfortAutoSchema: the example of a refused token."""
        return TokenRejected(
            "The access token is not valid (malformed, expired, revoked or not signed by this server). "
            "Refresh it or log in again."
        )


# The plain views, by URL name in authfort_django/urls.py: their GET operation
# (HEAD answers the same without a body).

_DISCOVERY, _OPERATIONS = ["discovery"], ["operations"]


def _json(schema: dict[str, Any], description: str, media_type: str = "application/json") -> dict[str, Any]:
    return {"description": description, "content": {media_type: {"schema": schema}}}


def _strings(*names: str, **enums: list[str]) -> dict[str, Any]:
    properties = {name: {"type": "string"} for name in names}
    properties.update({name: {"type": "string", "enum": values} for name, values in enums.items()})
    return {"type": "object", "properties": properties}


_KEY = {**_strings("kty", "kid", "use", "alg", "n", "e", "crv", "x", "y"), "required": ["kty", "kid"]}
_HEALTH = {
    **_strings("hint", status=["ok", "unavailable"], database=["ok", "unavailable"],
               signing_key=["ok", "missing", "unavailable"]),
    "required": ["status", "database", "signing_key"],
}
_METADATA = {**_strings("issuer", "jwks_uri"), "required": ["issuer", "jwks_uri"], "additionalProperties": True}
_METADATA_ANSWER = {"200": _json(_METADATA, "Issuer, jwks_uri, endpoints and algorithms.")}

_PLAIN_VIEWS: dict[str, dict[str, Any]] = {
    "jwks": {
        "summary": "The published public keys (RFC 7517 JWK Set)",
        "tags": _DISCOVERY,
        "responses": {
            "200": _json(
                {"type": "object", "required": ["keys"], "properties": {"keys": {"type": "array", "items": _KEY}}},
                "Cache-Control: public, max-age=JWKS_MAX_AGE; ETag.",
                media_type="application/jwk-set+json",
            ),
            "304": {"description": "Not modified (If-None-Match matched the ETag)."},
        },
    },
    "metadata": {"summary": "Authorization server metadata (RFC 8414)", "tags": _DISCOVERY,
                 "responses": _METADATA_ANSWER},
    "health": {
        "summary": "Readiness: database and signing key",
        "tags": _OPERATIONS,
        "responses": {
            "200": _json(_HEALTH, "Ready."),
            "503": _json(_HEALTH, "Not ready; the members say what is not, `hint` what to run."),
        },
    },
    "metrics": {
        "summary": "Prometheus metrics (text exposition format)",
        "description": "Who may read them is AUTHFORT_METRICS_ACCESS (loopback only by default).",
        "tags": _OPERATIONS,
        "responses": {
            "200": _json({"type": "string"}, "Metrics.", media_type="text/plain"),
            "403": _json({"$ref": "#/components/schemas/Error"},
                         "This address may not read the metrics (metrics_forbidden)."),
            "404": {"description": "Metrics are off (AUTHFORT_METRICS_ACCESS=off)."},
        },
    },
}


# The OAuth endpoints for service clients (api/views/clients.py): form-encoded POST, and
# RFC 6749 §5.2 errors `{"error", "error_description"}` rather than `{"detail", "code"}`.
_OAUTH_ERROR = {
    "type": "object",
    "required": ["error", "error_description"],
    "properties": {
        "error": {"type": "string", "enum": [
            "invalid_request", "invalid_client", "invalid_grant", "unauthorized_client", "unsupported_grant_type",
            "invalid_scope", "invalid_target", "temporarily_unavailable"]},
        "error_description": {"type": "string"},
    },
}
_CLIENT_AUTH_FIELDS = {
    "client_id": {"type": "string", "description": "With client_secret (client_secret_post) or a client_assertion."},
    "client_secret": {"type": "string"},
    "client_assertion_type": {"type": "string", "enum": ["urn:ietf:params:oauth:client-assertion-type:jwt-bearer"]},
    "client_assertion": {"type": "string", "description": "private_key_jwt (RFC 7523): a JWT signed by a registered key."},
}


def _oauth_errors(*statuses: str) -> dict[str, Any]:
    meanings = {
        "400": "invalid_request (missing or repeated parameter, JSON body, two client authentication methods), "
               "unsupported_grant_type, unauthorized_client, invalid_scope, invalid_target.",
        "401": "invalid_client, with `WWW-Authenticate: Basic realm=\"authfort\"`.",
        "405": "Only POST.",
        "413": "The body is larger than the server accepts.",
        "429": "temporarily_unavailable: throttled; `Retry-After` says when to come back.",
        "503": "temporarily_unavailable: no signing key; `Retry-After`.",
    }
    return {status: _json({"$ref": "#/components/schemas/OAuthError"}, meanings[status]) for status in statuses}


_OAUTH_VIEWS: dict[str, dict[str, Any]] = {
    "token": {
        "summary": "Service-to-service token: the client credentials grant (RFC 6749 §4.4)",
        "description": "Form-encoded. The client authenticates with HTTP Basic, `client_id` + `client_secret` in the "
        "form, or a `private_key_jwt` assertion. Without `scope` the client gets its whole set; a scope outside it "
        "is `invalid_scope` (never narrowed). The access token (RFC 9068) has `sub` = `client_id`, `scope`, `aud`, "
        "no `sid`/`roles`. Errors are RFC 6749 §5.2's. Answers carry `Cache-Control: no-store`.",
        "tags": ["clients"],
        "security": [{"clientBasic": []}, {}],
        "requestBody": {"required": True, "content": {"application/x-www-form-urlencoded": {"schema": {
            "type": "object",
            "required": ["grant_type"],
            "properties": {
                "grant_type": {"type": "string", "enum": ["client_credentials"]},
                "scope": {"type": "string", "description": "Space-separated scopes (RFC 6749 §3.3)."},
                "resource": {"type": "string", "description": "RFC 8707: the audience wanted (repeatable)."},
                "audience": {"type": "string", "description": "The same as resource, by another name."},
                **_CLIENT_AUTH_FIELDS,
            },
        }}}},
        "responses": {
            "200": _json({
                "type": "object",
                "required": ["access_token", "token_type", "expires_in", "scope"],
                "properties": {"access_token": {"type": "string"}, "token_type": {"type": "string", "enum": ["Bearer"]},
                               "expires_in": {"type": "integer"}, "scope": {"type": "string"}},
            }, "The token."),
            **_oauth_errors("400", "401", "405", "413", "429", "503"),
        },
    },
    "revoke": {
        "summary": "Revoke a token (RFC 7009)",
        "description": "Form `token=...` (`token_type_hint` is only a hint). A refresh token ends its whole session; "
        "a user's access token ends its session; a client's access token is revoked only by that client, "
        "authenticated. Unknown, expired or malformed tokens get a 200 too.",
        "tags": ["clients"],
        "security": [{}, {"clientBasic": []}],
        "requestBody": {"required": True, "content": {"application/x-www-form-urlencoded": {"schema": {
            "type": "object",
            "required": ["token"],
            "properties": {"token": {"type": "string"},
                           "token_type_hint": {"type": "string", "enum": ["refresh_token", "access_token"]},
                           **_CLIENT_AUTH_FIELDS},
        }}}},
        "responses": {
            "200": {"description": "Revoked, or nothing to revoke (RFC 7009 §2.2). No body."},
            **_oauth_errors("400", "401", "405", "413", "429"),
        },
    },
}


def _oauth_operations(url_name: str) -> dict[str, Any]:
    return {"post": {"operationId": url_name.replace("-", "_"), **_OAUTH_VIEWS[url_name]}}


def _path_of(url_name: str, urlconf: Any) -> str | None:
    """Where the URLconf mounts the view, as an OpenAPI path; None if it does not."""
    try:
        url = reverse(f"authfort:{url_name}", urlconf=urlconf)
    except NoReverseMatch:
        return None
    # reverse() adds the script prefix of a request (SCRIPT_NAME); schema paths never have it.
    return "/" + url.removeprefix(get_script_prefix())


def _operations(url_name: str) -> dict[str, Any]:
    operation_id = url_name.replace("-", "_")
    get = {"operationId": operation_id, "security": [{}], **_PLAIN_VIEWS[url_name]}
    head_responses = {status: {"description": answer["description"]} for status, answer in get["responses"].items()}
    head = {**get, "operationId": f"{operation_id}_head", "summary": get["summary"] + " (headers only)",
            "responses": head_responses}
    return {"get": get, "head": head}


def add_plain_views(result: dict[str, Any], generator: Any, request: Any, public: bool) -> dict[str, Any]:
    """POSTPROCESSING_HOOKS entry: the plain views (GET and HEAD) wherever the URLconf
    mounts them, and the security schemes that no authentication class brings along."""
    paths = result.setdefault("paths", {})
    for url_name in _PLAIN_VIEWS:
        path = _path_of(url_name, getattr(generator, "urlconf", None))
        if path is not None:
            paths.setdefault(path, _operations(url_name))
    for url_name in _OAUTH_VIEWS:
        path = _path_of(url_name, getattr(generator, "urlconf", None))
        if path is not None:
            paths.setdefault(path, _oauth_operations(url_name))
    result.setdefault("components", {}).setdefault("schemas", {}).setdefault("OAuthError", _OAUTH_ERROR)
    schemes = result.setdefault("components", {}).setdefault("securitySchemes", {})
    for name, scheme in SECURITY_SCHEMES.items():
        schemes.setdefault(name, scheme)
    return result
