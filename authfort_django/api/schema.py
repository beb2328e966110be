"""The OpenAPI description of every endpoint (drf-spectacular), kept apart from the views.

Views carry one decorator from here each (`@schema.LOGIN`); the request, response
and error shapes live here. Endpoints that are plain Django views (JWKS, metadata,
health, metrics) are added by `add_plain_views`, a postprocessing hook.

Security schemes: `bearerAuth` (Authorization: Bearer <access token>),
`cookieAuth` (the access-token cookie of cookie mode; unsafe methods also need
X-CSRF-Token), `refreshCookie`, and `introspectionSecret` for /auth/introspect.
"""

from __future__ import annotations

from typing import Any

from drf_spectacular.extensions import OpenApiAuthenticationExtension
from drf_spectacular.utils import (
    OpenApiResponse,
    PolymorphicProxySerializer,
    extend_schema,
    extend_schema_view,
    inline_serializer,
)
from rest_framework import serializers

from authfort_django.api import serializers as api_serializers

__all__ = [
    "BAN",
    "INTROSPECT",
    "LOGIN",
    "LOGOUT",
    "LOGOUT_ALL",
    "ME",
    "PASSWORD",
    "PASSWORD_RESET",
    "PASSWORD_RESET_CONFIRM",
    "REFRESH",
    "REGISTER",
    "ROLES",
    "SECURITY_SCHEMES",
    "SESSIONS",
    "SESSION_DETAIL",
    "UNBAN",
    "USER_ROLE",
    "VERIFY_EMAIL",
    "VERIFY_EMAIL_REQUEST",
    "add_plain_views",
]

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
        "name": "access_token",
        "description": "Cookie mode (AUTHFORT_COOKIE_ENABLED): the HttpOnly access-token cookie. "
        "POST, PUT and DELETE also need the `authfort_csrf` cookie's value in `X-CSRF-Token`.",
    },
    "refreshCookie": {
        "type": "apiKey",
        "in": "cookie",
        "name": "refresh_token",
        "description": "Cookie mode: the refresh-token cookie (Path /auth/), with `X-CSRF-Token`.",
    },
    "introspectionSecret": {
        "type": "http",
        "scheme": "bearer",
        "description": "One of the server's AUTHFORT_INTROSPECTION_SECRETS: `Authorization: Bearer <secret>`.",
    },
}


class AccessTokenScheme(OpenApiAuthenticationExtension):
    """api.authentication.AccessTokenAuthentication: a Bearer header or, in cookie mode, the cookie."""

    target_class = "authfort_django.api.authentication.AccessTokenAuthentication"
    name = ["bearerAuth", "cookieAuth"]

    def get_security_requirement(self, auto_schema: Any) -> list[dict[str, list[Any]]]:
        return [{"bearerAuth": []}, {"cookieAuth": []}]  # either one (OR), not both

    def get_security_definition(self, auto_schema: Any) -> list[dict[str, Any]]:
        return [SECURITY_SCHEMES["bearerAuth"], SECURITY_SCHEMES["cookieAuth"]]


# Shapes that have no serializer of their own in the API.

Error = inline_serializer(
    "Error",
    {
        "detail": serializers.CharField(help_text="What went wrong and what to do."),
        "code": serializers.CharField(help_text="Stable machine-readable code, e.g. invalid_credentials."),
    },
)
ValidationFailed = inline_serializer(
    "ValidationError",
    {
        "detail": serializers.CharField(),
        "code": serializers.CharField(help_text="invalid_request"),
        "errors": serializers.DictField(
            child=serializers.JSONField(),
            required=False,
            help_text="Per field (or non_field_errors), the list of messages.",
        ),
    },
)
TokenPair = inline_serializer(
    "TokenPair",
    {
        "user": api_serializers.UserSerializer(),
        "access_token": serializers.CharField(help_text="RS256 JWT (RFC 9068), typ at+jwt."),
        "refresh_token": serializers.CharField(
            required=False,
            help_text="Opaque, single use. Absent when a cookie-mode refresh put it in the refresh cookie.",
        ),
        "token_type": serializers.ChoiceField(choices=["Bearer"]),
        "expires_in": serializers.IntegerField(help_text="Seconds the access token is valid."),
    },
)
RefreshRequest = inline_serializer(
    "Refresh",
    {"refresh_token": serializers.CharField(required=False, help_text="Or send the refresh cookie.")},
)
LogoutRequest = inline_serializer(
    "Logout",
    {
        "refresh_token": serializers.CharField(
            required=False, help_text="Identifies the session when no access token is sent."
        )
    },
)
# RFC 7662 calls `token` required; this server answers a missing or empty one with
# {"active": false} like any other unusable token, and the schema says so.
IntrospectRequest = inline_serializer(
    "Introspect",
    {"token": serializers.CharField(required=False, help_text='Missing or empty: {"active": false}.')},
)
Introspection = inline_serializer(
    "Introspection",
    {
        "active": serializers.BooleanField(),
        "sub": serializers.CharField(required=False),
        "iss": serializers.CharField(required=False),
        "aud": serializers.CharField(required=False),
        "exp": serializers.IntegerField(required=False),
        "iat": serializers.IntegerField(required=False),
        "jti": serializers.CharField(required=False),
        "sid": serializers.CharField(required=False),
        "roles": serializers.ListField(child=serializers.CharField(), required=False),
        "token_type": serializers.CharField(required=False),
    },
)


def _error(description: str) -> OpenApiResponse:
    return OpenApiResponse(Error, description=description)


INVALID = OpenApiResponse(ValidationFailed, description="The body is invalid; `errors` says why, per field.")
UNAUTHENTICATED = _error("No valid access token (missing, malformed, expired or revoked): `WWW-Authenticate` says why.")
CSRF_OR_FORBIDDEN = _error("Cookie-authenticated request without a matching `X-CSRF-Token` (csrf_failed).")
ADMIN_ONLY = _error("Authenticated, but not an admin (is_staff or the `admin` role), or a staff target needs staff.")
THROTTLED = _error("Too many requests; `Retry-After` says when to try again.")
NOT_JSON = _error("The body must be JSON (Content-Type: application/json).")
NOT_PARSABLE = _error("The body is not valid JSON (parse_error).")
NOT_FOUND_USER = _error("No such user (user_not_found) or role (role_not_found).")
NO_CONTENT = OpenApiResponse(None, description="Done.")


def _operation(
    *,
    summary: str,
    tags: list[str],
    request: Any = None,
    responses: dict[int, Any],
    auth: list[dict[str, list[Any]]] | None = None,
    description: str = "",
) -> Any:
    return extend_schema(
        summary=summary,
        description=description or None,
        tags=tags,
        request=request,
        responses=responses,
        auth=auth,
        operation_id=None,
    )


AwaitingVerification = inline_serializer(
    "AwaitingVerification",
    {
        "user": api_serializers.UserSerializer(),
        "detail": serializers.CharField(help_text="What to do next: open the mailed link, then log in."),
    },
)
REGISTER = _operation(
    summary="Create an account and sign in",
    description="With AUTHFORT_REQUIRE_VERIFIED_EMAIL the answer holds the user and no tokens: a "
    "verification link is mailed, and the first login after verifying signs in.",
    tags=["sign-in"],
    request=api_serializers.RegisterSerializer,
    responses={
        201: PolymorphicProxySerializer(
            component_name="Registered",
            serializers=[TokenPair, AwaitingVerification],
            resource_type_field_name=None,
        ),
        400: INVALID,
        403: _error("Registration is closed on this server (registration_closed)."),
        409: _error("The email address already has an account (email_taken)."),
        415: NOT_JSON,
        429: THROTTLED,
    },
)
LOGIN = _operation(
    summary="Sign in with email and password",
    tags=["sign-in"],
    request=api_serializers.LoginSerializer,
    responses={
        200: TokenPair,
        400: INVALID,
        401: _error("Wrong email or password, or the account is inactive (invalid_credentials; one answer for all)."),
        403: _error("REQUIRE_VERIFIED_EMAIL and the address is not verified yet (email_not_verified; "
                    "only after the right password)."),
        415: NOT_JSON,
        429: THROTTLED,
    },
)
REFRESH = _operation(
    summary="Exchange a refresh token for a new token pair",
    description="Single use: the presented token dies. Presenting a used token again answers "
    "401 refresh_token_reused and ends the whole session.",
    tags=["sign-in"],
    request=RefreshRequest,
    auth=[{"refreshCookie": []}, {}],
    responses={
        200: TokenPair,
        400: NOT_PARSABLE,
        401: _error("refresh_token_missing, _malformed, _invalid, _expired, _revoked or _reused."),
        403: _error("csrf_failed (cookie refresh without X-CSRF-Token), or email_not_verified: with "
                    "REQUIRE_VERIFIED_EMAIL a session of an unverified account ends here."),
        415: NOT_JSON,
        429: THROTTLED,
    },
)
LOGOUT = _operation(
    summary="End this session",
    description="The session is identified by the access token, or by a refresh token in the body or cookie.",
    tags=["sessions"],
    request=LogoutRequest,
    auth=[{"bearerAuth": []}, {"cookieAuth": []}, {"refreshCookie": []}, {}],
    responses={
        204: NO_CONTENT,
        400: _error("The body is not JSON (parse_error)."),
        401: _error("Nothing identifies a session, or the token is not valid."),
        403: CSRF_OR_FORBIDDEN,
        415: NOT_JSON,
    },
)
LOGOUT_ALL = _operation(
    summary="End every session of the caller",
    tags=["sessions"],
    request=None,
    responses={204: NO_CONTENT, 401: UNAUTHENTICATED, 403: CSRF_OR_FORBIDDEN},
)
ME = _operation(
    summary="The signed-in user",
    tags=["account"],
    responses={200: api_serializers.UserSerializer, 401: UNAUTHENTICATED, 403: CSRF_OR_FORBIDDEN},
)
PASSWORD = _operation(
    summary="Change the password",
    description="Every earlier session ends; the answer is a fresh token pair on a new session.",
    tags=["account"],
    request=api_serializers.PasswordChangeSerializer,
    responses={
        200: TokenPair,
        400: OpenApiResponse(ValidationFailed, description="Invalid body, or wrong_password (an Error)."),
        401: UNAUTHENTICATED,
        403: CSRF_OR_FORBIDDEN,
        415: NOT_JSON,
        429: THROTTLED,
    },
)
SESSIONS = _operation(
    summary="The caller's live sessions, newest first",
    tags=["sessions"],
    responses={200: api_serializers.SessionSerializer(many=True), 401: UNAUTHENTICATED, 403: CSRF_OR_FORBIDDEN},
)
SESSION_DETAIL = _operation(
    summary="End one of the caller's sessions",
    tags=["sessions"],
    responses={
        204: NO_CONTENT,
        401: UNAUTHENTICATED,
        403: CSRF_OR_FORBIDDEN,
        404: _error("The caller has no session with this id (session_not_found)."),
    },
)
ROLES = extend_schema_view(
    get=_operation(
        summary="List roles",
        tags=["admin"],
        responses={200: api_serializers.RoleSerializer(many=True), 401: UNAUTHENTICATED, 403: ADMIN_ONLY},
    ),
    post=_operation(
        summary="Create a role",
        tags=["admin"],
        request=api_serializers.RoleSerializer,
        responses={
            201: api_serializers.RoleSerializer,
            400: INVALID,
            401: UNAUTHENTICATED,
            403: ADMIN_ONLY,
            409: _error("A role with this name exists (role_exists)."),
            415: NOT_JSON,
        },
    ),
)
_ROLE_CHANGE = {204: NO_CONTENT, 401: UNAUTHENTICATED, 403: ADMIN_ONLY, 404: NOT_FOUND_USER}
USER_ROLE = extend_schema_view(
    put=_operation(summary="Grant a role (idempotent)", tags=["admin"], request=None, responses=_ROLE_CHANGE),
    delete=_operation(summary="Take a role away (idempotent)", tags=["admin"], responses=_ROLE_CHANGE),
)
BAN = _operation(
    summary="Ban a user: deactivate and end every session and token",
    tags=["admin"],
    request=None,
    responses={**_ROLE_CHANGE, 400: _error("You cannot ban yourself (cannot_ban_self).")},
)
UNBAN = _operation(summary="Reactivate a banned user", tags=["admin"], request=None, responses=_ROLE_CHANGE)
INTROSPECT = _operation(
    summary="RFC 7662 token introspection",
    description="For resource servers. Anything short of a fully valid, current token is exactly "
    '`{"active": false}`. Form-encoded or JSON `token`.',
    tags=["introspection"],
    request={
        "application/x-www-form-urlencoded": IntrospectRequest,
        "application/json": IntrospectRequest,
    },
    auth=[{"introspectionSecret": []}],
    responses={
        200: Introspection,
        400: _error("The body is not valid JSON or form data (parse_error)."),
        401: _error("Missing or wrong introspection secret (invalid_client)."),
        404: _error("Introspection is disabled: no AUTHFORT_INTROSPECTION_SECRETS."),
        415: _error("The body must be form-encoded or JSON."),
        429: THROTTLED,
    },
)


# Account recovery and email verification (api/recovery_views.py).

MailRequested = inline_serializer(
    "MailRequested",
    {"detail": serializers.CharField(help_text="The same text whether or not an account uses the address.")},
)
LINKS_NOT_CONFIGURED = _error(
    "The server has no AUTHFORT_FRONTEND_URL, so it cannot build the mailed link (email_links_not_configured)."
)
PASSWORD_RESET = _operation(
    summary="Mail a password-reset link",
    description="Always 202 with the same body, whether or not an active account uses the address.",
    tags=["account recovery"],
    request=api_serializers.EmailAddressSerializer,
    responses={202: MailRequested, 400: INVALID, 415: NOT_JSON, 429: THROTTLED, 503: LINKS_NOT_CONFIGURED},
)
PASSWORD_RESET_CONFIRM = _operation(
    summary="Set a new password with a mailed reset token",
    description="Every session and access token of the user ends; the token works once.",
    tags=["account recovery"],
    request=api_serializers.PasswordResetConfirmSerializer,
    responses={
        204: NO_CONTENT,
        400: OpenApiResponse(
            ValidationFailed,
            description="Invalid body or new password, or reset_token_invalid, _expired, _used or _superseded.",
        ),
        415: NOT_JSON,
        429: THROTTLED,
    },
)
VERIFY_EMAIL_REQUEST = _operation(
    summary="Mail an email-verification link",
    description="With an access token: to the caller's address. Without one: `{email}`, always 202 "
    "with the same body (the way back for an account that REQUIRE_VERIFIED_EMAIL keeps out).",
    tags=["account recovery"],
    request=api_serializers.EmailAddressSerializer,
    auth=[{"bearerAuth": []}, {"cookieAuth": []}, {}],
    responses={
        202: MailRequested,
        400: INVALID,
        401: UNAUTHENTICATED,
        403: CSRF_OR_FORBIDDEN,
        409: _error("The caller's address is already verified (email_already_verified)."),
        415: NOT_JSON,
        429: THROTTLED,
        503: LINKS_NOT_CONFIGURED,
    },
)
VERIFY_EMAIL = _operation(
    summary="Verify the email address with a mailed token",
    description="Access tokens issued from now on carry `email_verified: true`.",
    tags=["account recovery"],
    request=api_serializers.AccountTokenSerializer,
    responses={
        204: NO_CONTENT,
        400: OpenApiResponse(
            ValidationFailed,
            description="Invalid body, or verification_token_invalid, _expired, _used or _superseded.",
        ),
        415: NOT_JSON,
        429: THROTTLED,
    },
)

# The plain Django views, described by hand.

_JSON = "application/json"
_ERROR_REF = {"$ref": "#/components/schemas/Error"}


def _json(schema: dict[str, Any], description: str) -> dict[str, Any]:
    return {"description": description, "content": {_JSON: {"schema": schema}}}


_PLAIN_VIEWS: dict[str, dict[str, Any]] = {
    "/.well-known/jwks.json": {
        "get": {
            "operationId": "jwks",
            "summary": "The published public keys (RFC 7517 JWK Set)",
            "tags": ["discovery"],
            "security": [{}],
            "responses": {
                "200": {
                    "description": "Cache-Control: public, max-age=JWKS_MAX_AGE; ETag.",
                    "content": {
                        "application/jwk-set+json": {
                            "schema": {
                                "type": "object",
                                "required": ["keys"],
                                "properties": {
                                    "keys": {
                                        "type": "array",
                                        "items": {
                                            "type": "object",
                                            "required": ["kty", "kid"],
                                            "properties": {
                                                name: {"type": "string"}
                                                for name in ("kty", "kid", "use", "alg", "n", "e", "crv", "x", "y")
                                            },
                                        },
                                    }
                                },
                            }
                        }
                    },
                },
                "304": {"description": "Not modified (If-None-Match matched the ETag)."},
            },
        }
    },
    "/health": {
        "get": {
            "operationId": "health",
            "summary": "Readiness: database and signing key",
            "tags": ["operations"],
            "security": [{}],
            "responses": {
                str(status): _json(
                    {
                        "type": "object",
                        "required": ["status", "database", "signing_key"],
                        "properties": {
                            name: {"type": "string", "enum": ["ok", "unavailable"]}
                            for name in ("status", "database", "signing_key")
                        },
                    },
                    description,
                )
                for status, description in ((200, "Ready."), (503, "Not ready; the members say what is not."))
            },
        }
    },
    "/metrics": {
        "get": {
            "operationId": "metrics",
            "summary": "Prometheus metrics (text exposition format)",
            "description": "Who may read them is AUTHFORT_METRICS_ACCESS (loopback only by default).",
            "tags": ["operations"],
            "security": [{}],
            "responses": {
                "200": {"description": "Metrics.", "content": {"text/plain": {"schema": {"type": "string"}}}},
                "403": _json(_ERROR_REF, "This address may not read the metrics (metrics_forbidden)."),
                "404": {"description": "Metrics are off (AUTHFORT_METRICS_ACCESS=off)."},
            },
        }
    },
}
_METADATA = {
    "operationId": "",
    "summary": "Authorization server metadata (RFC 8414)",
    "tags": ["discovery"],
    "security": [{}],
    "responses": {
        "200": _json(
            {
                "type": "object",
                "required": ["issuer", "jwks_uri"],
                "properties": {"issuer": {"type": "string"}, "jwks_uri": {"type": "string"}},
                "additionalProperties": True,
            },
            "Issuer, jwks_uri, endpoints and algorithms.",
        )
    },
}
_PLAIN_VIEWS["/.well-known/oauth-authorization-server"] = {"get": {**_METADATA, "operationId": "metadata"}}
_PLAIN_VIEWS["/.well-known/openid-configuration"] = {
    "get": {**_METADATA, "operationId": "openid_configuration", "summary": "The same metadata, OpenID name"}
}


def add_plain_views(result: dict[str, Any], generator: Any, request: Any, public: bool) -> dict[str, Any]:
    """POSTPROCESSING_HOOKS entry: the non-DRF endpoints, and the shared security schemes."""
    paths = result.setdefault("paths", {})
    for path, item in _PLAIN_VIEWS.items():
        paths.setdefault(path, item)
    schemes = result.setdefault("components", {}).setdefault("securitySchemes", {})
    for name, scheme in SECURITY_SCHEMES.items():
        schemes.setdefault(name, scheme)
    return result
