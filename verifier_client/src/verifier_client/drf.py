"""Django REST framework adapter: authenticate requests with locally verified access tokens.

    # settings.py
    VERIFIER_CLIENT = {
        "JWKS_URL": "https://auth.example.com/.well-known/jwks.json",
        "ISSUER": "https://auth.example.com",
        "AUDIENCE": "authfort",             # the server's AUTHFORT["AUDIENCE"]; None is the explicit opt-out
        # "COOKIE_NAME": "__Secure-access_token", # also accept the server's cookie (CSRF-checked)
        # "INTROSPECTION_URL": ..., "INTROSPECTION_SECRET": ...,   # for IsTokenActive
    }
    REST_FRAMEWORK = {
        "DEFAULT_AUTHENTICATION_CLASSES": ["verifier_client.drf.JWKSAuthentication"],
        "DEFAULT_PERMISSION_CLASSES": ["verifier_client.drf.IsAuthenticated"],
    }

`request.user` is a `TokenUser` built from the claims (no database), `request.auth`
the `Claims`. Every refused token is a 401 with a `WWW-Authenticate: Bearer`
challenge. A token that cannot be checked now (no usable signing keys, or an
`IsTokenActive` check whose introspection endpoint is out of reach) is a 503
with `Retry-After`: clients should retry, not send their users to log in again.
Every answer of this adapter is `{"detail": ..., "code": ...}` with DRF's default
exception handler: its exceptions carry a dict `detail`, which DRF renders as it
is. That includes the 401 `not_authenticated` for a request without a token when
the view's permission is this module's `IsAuthenticated`, `HasRole` or
`IsTokenActive` (DRF's own `IsAuthenticated` gets no code; `exception_handler`
adds one to DRF's own errors: its not_authenticated, not_found, throttled...).

Other keys: ALGORITHMS, ACCEPTED_TYPES, LEEWAY, REQUIRED_CLAIMS, CACHE_TTL,
MIN_CACHE_TTL, MAX_STALE, MIN_REFETCH_INTERVAL, TIMEOUT, VERIFIED_CACHE_SIZE,
MAX_TOKEN_BYTES, ALLOW_INSECURE_HTTP, JWKS (static keys instead of JWKS_URL),
CSRF_COOKIE_NAME ("authfort_csrf" with COOKIE_NAME's __Host-/__Secure- prefix), CSRF_HEADER ("X-CSRF-Token"), REALM ("api"),
INTROSPECTION_CACHE_TTL (opt-in; default 0, so IsTokenActive asks every time),
INTROSPECTION_TIMEOUT, ON_EVENT. Add "verifier_client" to INSTALLED_APPS to have
`manage.py check` validate them (`verifier_client.checks`).

Settings are read on first use, not at import, and re-read whenever
`VERIFIER_CLIENT` changes through Django's `setting_changed` signal (as
`override_settings` sends it), so tests need no special care.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from typing import Any

try:
    from django.conf import settings
    from django.core.exceptions import ImproperlyConfigured
    from django.core.signals import setting_changed
    from rest_framework import exceptions
    from rest_framework.authentication import BaseAuthentication
    from rest_framework.permissions import BasePermission
except ImportError as exc:  # pragma: no cover - exercised in a subprocess by the tests
    raise ImportError(
        'verifier_client.drf needs Django and Django REST framework: pip install "authfort-verifier[drf]"'
    ) from exc

from .claims import Claims
from .exceptions import (
    InactiveTokenError,
    IntrospectionUnavailableError,
    VerificationError,
    VerificationUnavailableError,
)
from .introspection import IntrospectionClient
from .verifier import TokenVerifier
from . import _adapters, _settings

__all__ = [
    "HasRole",
    "HasScope",
    "InsufficientScope",
    "InsufficientUserAuthentication",
    "IsAuthenticated",
    "IsTokenActive",
    "JWKSAuthentication",
    "RequireMFA",
    "TokenAuthenticationFailed",
    "TokenUser",
    "TokenVerificationUnavailable",
    "UserJWKSAuthentication",
    "exception_handler",
    "get_introspection_client",
    "get_verifier",
    "require_fresh_authentication",
    "require_mfa",
    "require_roles",
    "require_scopes",
]

_SETTING = "VERIFIER_CLIENT"
# Private request attributes: the raw token (for introspection) and why it was refused (for the challenge).
_TOKEN_ATTR = "_verifier_client_token"
_ERROR_ATTR = "_verifier_client_error"
_STEP_UP_ATTR = "_verifier_client_step_up"


# -- settings and the objects built from them ------------------------------------------
class _State:
    """What one value of the VERIFIER_CLIENT setting builds, built once and on first use."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._conf: _settings.AdapterSettings | None = None
        self._verifier: TokenVerifier | None = None
        self._introspection: IntrospectionClient | None = None

    @property
    def conf(self) -> _settings.AdapterSettings:
        conf = self._conf
        if conf is None:
            with self._lock:
                if self._conf is None:
                    self._conf = _call(_settings.parse_settings, getattr(settings, _SETTING, None) or {}, _SETTING)
                conf = self._conf
        return conf

    @property
    def verifier(self) -> TokenVerifier:
        verifier = self._verifier
        if verifier is None:
            conf = self.conf
            with self._lock:
                if self._verifier is None:
                    self._verifier = _call(_settings.build_verifier, conf, _SETTING)
                verifier = self._verifier
        return verifier

    @property
    def introspection(self) -> IntrospectionClient:
        client = self._introspection
        if client is None:
            conf = self.conf
            with self._lock:
                if self._introspection is None:
                    self._introspection = _call(_settings.build_introspection, conf, _SETTING)
                client = self._introspection
        return client

    def reset(self) -> None:
        with self._lock:
            self._conf = self._verifier = self._introspection = None


def _call(function: Any, *args: Any) -> Any:
    try:
        return function(*args)
    except _settings.ConfigError as exc:
        raise ImproperlyConfigured(str(exc)) from exc


_state = _State()


def _reset_on_change(*, setting: str, **kwargs: Any) -> None:
    if setting == _SETTING:
        _state.reset()


setting_changed.connect(_reset_on_change, dispatch_uid="verifier_client.drf.reset")


def get_verifier() -> TokenVerifier:
    """The process-wide `TokenVerifier` built from `settings.VERIFIER_CLIENT`."""
    return _state.verifier


def get_introspection_client() -> IntrospectionClient:
    """The process-wide `IntrospectionClient`; `ImproperlyConfigured` without INTROSPECTION_URL/SECRET."""
    return _state.introspection


# -- the user -------------------------------------------------------------------------
class TokenUser:
    """The caller as the token describes them; never touches the database.

    `id`, `pk` and `username` are the token's `sub`. It has no Django permissions
    (`is_staff`, `is_superuser` and `has_perm` are False): authorise with roles.
    """

    is_authenticated = True
    is_anonymous = False
    is_active = True
    is_staff = False
    is_superuser = False

    def __init__(self, claims: Claims) -> None:
        self.claims = claims

    @property
    def id(self) -> str:
        return self.claims.sub

    pk = username = id

    @property
    def email(self) -> str:
        email = self.claims.get("email")
        return email if isinstance(email, str) else ""

    @property
    def roles(self) -> tuple[str, ...]:
        return self.claims.roles

    def has_role(self, *names: str) -> bool:
        """True when the token carries at least one of `names`."""
        return self.claims.has_role(*names)

    def get_username(self) -> str:
        return self.claims.sub

    def has_perm(self, perm: str, obj: Any = None) -> bool:
        return False

    def has_perms(self, perm_list: Any, obj: Any = None) -> bool:
        return False

    def has_module_perms(self, module: str) -> bool:
        return False

    def __str__(self) -> str:
        return self.claims.sub

    def __repr__(self) -> str:
        return f"<TokenUser sub={self.claims.sub!r}>"

    def __eq__(self, other: object) -> bool:
        return isinstance(other, TokenUser) and other.claims.sub == self.claims.sub

    def __hash__(self) -> int:
        return hash(self.claims.sub)


# -- authentication -------------------------------------------------------------------
class TokenAuthenticationFailed(exceptions.AuthenticationFailed):
    """A 401 whose body is `{"detail": <reason>, "code": <VerificationError code>}`."""

    def __init__(self, error: VerificationError) -> None:
        super().__init__(detail={"detail": error.reason, "code": error.code}, code=error.code)
        self.error = error


class TokenVerificationUnavailable(exceptions.APIException):
    """A 503 with `Retry-After`, body `{"detail": <reason>, "code": <code>}`.

    The token could not be checked now (`key_set_unavailable`,
    `introspection_unavailable`). Not a 401: a 401 tells clients to log in again,
    and during an auth-server outage that is every client at once.
    """

    status_code = 503
    default_detail = "Tokens cannot be verified right now; try again later."
    default_code = "verification_unavailable"

    def __init__(self, error: VerificationUnavailableError) -> None:
        super().__init__(detail={"detail": error.reason, "code": error.code}, code=error.code)
        self.error = error
        # DRF's exception handler turns `wait` into the Retry-After header (as for Throttled).
        self.wait = error.retry_after


def _denied(detail: str, code: str) -> exceptions.PermissionDenied:
    """A 403 whose body carries its code, with DRF's own exception handler too."""
    return exceptions.PermissionDenied({"detail": detail, "code": code}, code=code)


def _refuse_anonymous(request: Any) -> None:
    """Raise the 401 `not_authenticated` that DRF would, with its code in the body.

    DRF's `permission_denied` raises a bare `NotAuthenticated()` when no
    authenticator succeeded, which its default handler renders without a code; a
    permission that raises first gives `{"detail", "code"}` instead. DRF still adds
    the `WWW-Authenticate` challenge (and answers 403 when no authenticator gives
    one), as for its own. When some authenticator succeeded, this returns and the
    permission says no as usual (a 403).
    """
    if request.authenticators and not request.successful_authenticator:
        raise exceptions.NotAuthenticated(
            {"detail": _adapters.NOT_AUTHENTICATED, "code": "not_authenticated"}, code="not_authenticated"
        )


class JWKSAuthentication(BaseAuthentication):
    """Authenticate with a Bearer access token (or the configured cookie) verified locally.

    The pipeline is `get_header` → `get_raw_token` → `verify` → `get_user`, each
    overridable. `authenticate` returns None when the request carries no Bearer
    token (so other authenticators may try), and raises 401 for one it refuses.
    """

    user_class: type[TokenUser] = TokenUser
    # False: a service's client-credentials token (`Claims.is_client`) is refused with a
    # 403 `user_token_required`; for views that act for a person (UserJWKSAuthentication).
    accept_client_tokens: bool = True

    def authenticate(self, request: Any) -> tuple[TokenUser, Claims] | None:
        try:
            token = self.get_raw_token(request)
            if token is None:
                return None
            claims = self.verify(token)
        except VerificationUnavailableError as error:
            raise TokenVerificationUnavailable(error) from error
        except VerificationError as error:
            setattr(request, _ERROR_ATTR, error)
            raise TokenAuthenticationFailed(error) from error
        if claims.is_client and not self.accept_client_tokens:
            raise _denied(_adapters.CLIENT_TOKEN_REFUSED, "user_token_required")
        setattr(request, _TOKEN_ATTR, token)
        return self.get_user(claims), claims

    def authenticate_header(self, request: Any) -> str:
        # Giving a challenge is what makes DRF answer 401 instead of 403.
        step_up = getattr(request, _STEP_UP_ATTR, None)
        if step_up is not None:  # RequireMFA refused a good token: the RFC 9470 challenge
            return _adapters.step_up_challenge(_state.conf.realm, *step_up)
        return _adapters.challenge(_state.conf.realm, getattr(request, _ERROR_ATTR, None))

    def get_header(self, request: Any) -> str | None:
        """The Authorization header, or None when absent or empty."""
        return request.META.get("HTTP_AUTHORIZATION") or None

    def get_raw_token(self, request: Any) -> str | None:
        """The token from the Bearer header, else from the cookie (CSRF-checked), else None."""
        header = self.get_header(request)
        if header is not None:
            return _adapters.bearer_token(header)
        conf = _state.conf
        if conf.cookie_name is None:
            return None
        token = request.COOKIES.get(conf.cookie_name)
        if not token:
            return None
        self.enforce_csrf(request)
        return token

    def enforce_csrf(self, request: Any) -> None:
        """Refuse (403) an unsafe cookie-authenticated request whose CSRF header does not repeat the cookie.

        DRF exempts its views from Django's CSRF middleware, so a cookie credential
        must bring its own check; a Bearer header cannot be sent cross-site and needs none.
        """
        conf = _state.conf
        header = request.headers.get(conf.csrf_header)
        if not _adapters.csrf_ok(request.method, header, request.COOKIES.get(conf.csrf_cookie_name)):
            raise _denied(_adapters.csrf_failure(conf), "csrf_failed")

    def verify(self, token: str) -> Claims:
        """The verified claims of `token`; raises a `VerificationError` subclass."""
        return get_verifier().verify(token)

    def get_user(self, claims: Claims) -> TokenUser:
        """The user for these claims (a `TokenUser`; override to load a model instead)."""
        return self.user_class(claims)


class UserJWKSAuthentication(JWKSAuthentication):
    """JWKSAuthentication for views that act for a person: client tokens get a 403
    `user_token_required` (the flag `accept_client_tokens = False`)."""

    accept_client_tokens = False


# -- permissions ----------------------------------------------------------------------
class IsAuthenticated(BasePermission):
    """DRF's `IsAuthenticated`, whose 401 carries `"code": "not_authenticated"`.

    Use it in `DEFAULT_PERMISSION_CLASSES` so a request without a token gets
    `{"detail", "code"}` with DRF's default exception handler.
    """

    def has_permission(self, request: Any, view: Any) -> bool:
        if request.user and request.user.is_authenticated:
            return True
        _refuse_anonymous(request)
        return False


class HasRole(BasePermission):
    """Allow callers whose token carries any of the view's `required_roles`.

    Without a token the answer is a 401 `not_authenticated`. A view that
    uses this permission without naming roles is a programming error and raises
    `ImproperlyConfigured` rather than letting everyone, or no one, in.
    """

    # A dict, so the 403 body is {"detail", "code"} whatever exception handler runs.
    message: str | dict[str, str] = {"detail": _adapters.MISSING_ROLE, "code": "missing_role"}
    code = "missing_role"
    required_roles: tuple[str, ...] | None = None

    def get_required_roles(self, view: Any) -> tuple[str, ...]:
        roles = self.required_roles if self.required_roles is not None else getattr(view, "required_roles", None)
        if isinstance(roles, str):
            roles = (roles,)
        if not roles:
            raise ImproperlyConfigured(
                f"{type(view).__name__} uses HasRole but sets no required_roles."
            )
        return tuple(roles)

    def has_permission(self, request: Any, view: Any) -> bool:
        roles = self.get_required_roles(view)
        claims = request.auth
        if not isinstance(claims, Claims):
            _refuse_anonymous(request)
            return False
        return claims.has_role(*roles)


def require_roles(*names: str) -> type[HasRole]:
    """A permission class allowing callers whose token carries any of `names`.

        permission_classes = [require_roles("admin", "auditor")]
    """
    names = _adapters.role_names(names, "require_roles()")
    return type(f"RequireRoles_{'_'.join(names)}", (HasRole,), {"required_roles": tuple(names)})


class InsufficientScope(exceptions.PermissionDenied):
    """403 `insufficient_scope` with the RFC 6750 §3.1 challenge naming the scopes needed."""

    def __init__(self, names: tuple[str, ...]) -> None:
        detail = _adapters.insufficient_scope(names)
        super().__init__({"detail": detail, "code": "insufficient_scope"}, code="insufficient_scope")
        # DRF's exception handler turns `auth_header` into WWW-Authenticate, for any status.
        self.auth_header = _adapters.scope_challenge(_state.conf.realm, names)


class HasScope(BasePermission):
    """Allow callers whose token was granted every one of the view's `required_scopes`
    (users' and services' tokens alike; scopes are what a client-credentials token carries).

    Without a token: 401 `not_authenticated`. A missing scope: 403 `insufficient_scope`
    with `WWW-Authenticate: Bearer error="insufficient_scope", scope="..."` (RFC 6750).
    """

    required_scopes: tuple[str, ...] | None = None

    def get_required_scopes(self, view: Any) -> tuple[str, ...]:
        scopes = self.required_scopes if self.required_scopes is not None else getattr(view, "required_scopes", None)
        if isinstance(scopes, str):
            scopes = (scopes,)
        if not scopes:
            raise ImproperlyConfigured(f"{type(view).__name__} uses HasScope but sets no required_scopes.")
        return tuple(scopes)

    def has_permission(self, request: Any, view: Any) -> bool:
        scopes = self.get_required_scopes(view)
        claims = request.auth
        if not isinstance(claims, Claims):
            _refuse_anonymous(request)
            return False
        if not claims.has_scopes(*scopes):
            raise InsufficientScope(scopes)
        return True


def require_scopes(*names: str) -> type[HasScope]:
    """A permission class allowing callers whose token carries every one of `names`.

        permission_classes = [require_scopes("notifications:write")]
    """
    names = _adapters.scope_names(names, "require_scopes()")
    return type("RequireScopes", (HasScope,), {"required_scopes": tuple(names)})


class IsTokenActive(BasePermission):
    """Ask the auth server (RFC 7662) that the caller's token is still active.

    For sensitive views, where a revoked token must stop working before it
    expires. Fails closed: an inactive token is a 401 `token_inactive`; an
    endpoint that cannot be reached or answers wrongly is a 503
    `introspection_unavailable` with Retry-After (the token was not judged, so
    the client should retry rather than log in again). Only tokens that
    `JWKSAuthentication` accepted can pass: without a token the answer is a 401
    `not_authenticated`, and a caller another authenticator admitted gets a 403
    `access_token_required`.
    """

    message: str | dict[str, str] = {
        "detail": "This resource needs an access token from the auth server, sent as 'Authorization: Bearer <token>'.",
        "code": "access_token_required",
    }
    code = "access_token_required"

    def has_permission(self, request: Any, view: Any) -> bool:
        token = getattr(request, _TOKEN_ATTR, None)
        if token is None:
            _refuse_anonymous(request)
            return False
        try:
            get_introspection_client().require_active(token)
        except IntrospectionUnavailableError as error:
            raise TokenVerificationUnavailable(error) from error
        except InactiveTokenError as error:
            setattr(request, _ERROR_ATTR, error)
            raise TokenAuthenticationFailed(error) from error
        return True


class InsufficientUserAuthentication(exceptions.AuthenticationFailed):
    """A 401 for a good token whose authentication is too weak or too old (RFC 9470)."""

    def __init__(self, code: str, detail: str) -> None:
        super().__init__(detail={"detail": detail, "code": code}, code=code)


class RequireMFA(BasePermission):
    """Step-up (RFC 9470): allow tokens whose user authenticated with more than one factor
    (`amr` has "mfa") and, with `max_age`, at most that many seconds ago (`auth_time`).

    Otherwise a 401 `mfa_required` with `WWW-Authenticate: Bearer
    error="insufficient_user_authentication"` (and `max_age`): the client completes a
    step-up at the auth server (POST /auth/step-up) and retries. Without a token, 401
    `not_authenticated`. `clock` is a seam for tests. Use `require_mfa(max_age=600)`.
    """

    mfa: bool = True
    max_age: int | None = None
    clock: Callable[[], float] = staticmethod(time.time)

    def has_permission(self, request: Any, view: Any) -> bool:
        claims = request.auth
        if not isinstance(claims, Claims):
            _refuse_anonymous(request)
            return False
        refusal = _adapters.step_up_refusal(claims, mfa=self.mfa, max_age=self.max_age, now=self.clock())
        if refusal is None:
            return True
        code, detail = refusal
        setattr(request, _STEP_UP_ATTR, (detail, self.max_age))  # read by authenticate_header
        raise InsufficientUserAuthentication(code, detail)


def require_mfa(max_age: int | None = None) -> type[RequireMFA]:
    """A permission class requiring a multi-factor authentication, at most `max_age` seconds old.

        permission_classes = [IsAuthenticated, require_mfa(max_age=600)]
    """
    max_age = _adapters.step_up_max_age(max_age)
    return type(f"RequireMFA_{max_age}", (RequireMFA,), {"max_age": max_age})


def require_fresh_authentication(max_age: int) -> type[RequireMFA]:
    """A permission class requiring an authentication (any method) at most `max_age` seconds old."""
    max_age = _adapters.step_up_max_age(max_age)
    if max_age is None:
        raise ValueError("require_fresh_authentication() needs max_age.")
    return type(f"RequireFreshAuthentication_{max_age}", (RequireMFA,), {"max_age": max_age, "mfa": False})


# -- error bodies -----------------------------------------------------------------------
def exception_handler(exc: Exception, context: dict[str, Any]) -> Any:
    """DRF's handler, plus the error's `code` beside `detail` for DRF's own errors.

    The adapter's own answers carry their code without it. Set
    `REST_FRAMEWORK["EXCEPTION_HANDLER"] = "verifier_client.drf.exception_handler"`
    so the rest do too: the 401 `not_authenticated` that DRF raises itself when a
    permission such as `IsAuthenticated` finds no token, `not_found`, `throttled`...
    """
    # Imported here: DRF imports this module while building APIView (it names
    # JWKSAuthentication in DEFAULT_AUTHENTICATION_CLASSES), before rest_framework.views exists.
    from rest_framework.views import exception_handler as drf_exception_handler

    response = drf_exception_handler(exc, context)
    if response is None or not isinstance(exc, exceptions.APIException) or not isinstance(response.data, dict):
        return response
    codes = exc.get_codes()
    if "code" not in response.data and isinstance(codes, str):
        response.data["code"] = codes
    return response
