"""Flask adapter: protect views with locally verified access tokens.

    app.config.update(
        VERIFIER_CLIENT_JWKS_URL="https://auth.example.com/.well-known/jwks.json",
        VERIFIER_CLIENT_ISSUER="https://auth.example.com",
        VERIFIER_CLIENT_AUDIENCE="authfort",   # the server's AUTHFORT["AUDIENCE"]; None opts out
    )
    auth = JWKSAuth(app)                       # or JWKSAuth() and auth.init_app(app)

    @app.get("/orders")
    @auth.required
    def orders():
        return {"sub": current_claims.sub}

Config keys are the `VERIFIER_CLIENT` keys of the DRF adapter with a
`VERIFIER_CLIENT_` prefix (COOKIE_NAME, CSRF_COOKIE_NAME, CSRF_HEADER, REALM,
INTROSPECTION_URL, INTROSPECTION_SECRET, LEEWAY, ...); they are read by
`init_app`. A refused token is a JSON 401 `{"detail", "code"}` with a
`WWW-Authenticate: Bearer` challenge; a missing role is a JSON 403. A token that
cannot be checked now (no usable signing keys, or `active_required` whose
introspection endpoint is out of reach) is a JSON 503 with `Retry-After`:
clients should retry, not send their users to log in again.
"""

from __future__ import annotations

import functools
import time
from collections.abc import Callable
from typing import Any, TypeVar, cast

try:
    from flask import Flask, Response, current_app, g, jsonify, request
    from werkzeug.local import LocalProxy
except ImportError as exc:  # pragma: no cover - exercised in a subprocess by the tests
    raise ImportError('verifier_client.flask needs Flask: pip install "authfort-verifier[flask]"') from exc

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

__all__ = ["JWKSAuth", "current_claims"]

_PREFIX = "VERIFIER_CLIENT_"
_EXTENSION = "verifier_client"
_CLAIMS_ATTR = "_verifier_client_claims"
_TOKEN_ATTR = "_verifier_client_token"

_View = TypeVar("_View", bound=Callable[..., Any])


def _get_current_claims() -> Claims:
    claims = g.get(_CLAIMS_ATTR)
    if claims is None:
        raise RuntimeError("No verified token in this request: protect the view with @auth.required.")
    return cast(Claims, claims)


current_claims: Claims = cast(Claims, LocalProxy(_get_current_claims))
"""The `Claims` of the current request's token (inside a view protected by `JWKSAuth`)."""


class _AppState:
    """What one app's config builds: the verifier now, the introspection client on first use."""

    def __init__(self, conf: _settings.AdapterSettings, verifier: TokenVerifier) -> None:
        self.conf = conf
        self.verifier = verifier
        self._introspection: IntrospectionClient | None = None

    @property
    def introspection(self) -> IntrospectionClient:
        # Two first requests racing may each build one; either is as good, so no lock.
        if self._introspection is None:
            self._introspection = _configured(_settings.build_introspection, self.conf, _PREFIX)
        return self._introspection


def _configured(function: Any, *args: Any) -> Any:
    try:
        return function(*args)
    except _settings.ConfigError as exc:
        raise RuntimeError(str(exc)) from exc


class JWKSAuth:
    """Flask extension: decorators that admit only requests with a valid access token.

    One instance may serve several apps; each app's settings live in
    `app.extensions["verifier_client"]`. `clock` (seconds since the epoch) is what
    `mfa_required(max_age=...)` measures `auth_time` against: a seam for tests.
    """

    clock: Callable[[], float] = staticmethod(time.time)

    def __init__(self, app: Flask | None = None) -> None:
        if app is not None:
            self.init_app(app)

    def init_app(self, app: Flask) -> None:
        """Read the app's `VERIFIER_CLIENT_*` config and build its verifier; `RuntimeError` when unusable."""
        values = {key[len(_PREFIX) :]: value for key, value in app.config.items() if key.startswith(_PREFIX)}
        conf = _configured(_settings.parse_settings, values, _PREFIX)
        verifier = _configured(_settings.build_verifier, conf, _PREFIX)
        app.extensions[_EXTENSION] = _AppState(conf, verifier)

    # -- decorators ---------------------------------------------------------------
    # Each one is `_guarded(check)`: authenticate, then `check()` (a refusal Response, or
    # None to let the view run).
    def required(self, view: _View) -> _View:
        """Admit the request only with a valid token; `current_claims` then holds its claims."""
        return self._guarded()(view)

    def roles_required(self, *names: str) -> Callable[[_View], _View]:
        """Like `required`, and the token must carry at least one of `names` (else 403)."""
        names = _adapters.role_names(names, "roles_required()")

        def check() -> Response | None:
            if _get_current_claims().has_role(*names):
                return None
            return self.error_response(403, "missing_role", _adapters.MISSING_ROLE)

        return self._guarded(check)

    def mfa_required(self, view: _View | None = None, *, max_age: int | None = None) -> Any:
        """Like `required`, and the user must have authenticated with more than one factor
        (`amr` has "mfa"), at most `max_age` seconds ago when given (RFC 9470 step-up).

        Otherwise a JSON 401 `mfa_required` with `WWW-Authenticate: Bearer
        error="insufficient_user_authentication"` (and `max_age`). Use as
        `@auth.mfa_required` or `@auth.mfa_required(max_age=600)`.
        """
        decorator = self._step_up(mfa=True, max_age=_adapters.step_up_max_age(max_age))
        return decorator(view) if view is not None else decorator

    def fresh_authentication_required(self, *, max_age: int) -> Callable[[_View], _View]:
        """Like `required`, and the user must have authenticated (any method) at most `max_age` seconds ago."""
        if _adapters.step_up_max_age(max_age) is None:
            raise ValueError("fresh_authentication_required() needs max_age.")
        return self._step_up(mfa=False, max_age=max_age)

    def _step_up(self, *, mfa: bool, max_age: int | None) -> Callable[[_View], _View]:
        def check() -> Response | None:
            shortfall = _adapters.step_up_refusal(_get_current_claims(), mfa=mfa, max_age=max_age, now=self.clock())
            if shortfall is None:
                return None
            code, detail = shortfall
            challenge = _adapters.step_up_challenge(self._state().conf.realm, detail, max_age)
            return self.error_response(401, code, detail, challenge)

        return self._guarded(check)

    def scopes_required(self, *names: str) -> Callable[[_View], _View]:
        """Like `required`, and the token must carry every one of `names` (else a 403
        `insufficient_scope` with the RFC 6750 challenge naming them)."""
        names = _adapters.scope_names(names, "scopes_required()")

        def check() -> Response | None:
            if _get_current_claims().has_scopes(*names):
                return None
            return self.error_response(
                403, "insufficient_scope", _adapters.insufficient_scope(names),
                _adapters.scope_challenge(self._state().conf.realm, names),
            )

        return self._guarded(check)

    def user_required(self, view: _View) -> _View:
        """Like `required`, for views that act for a person: a service's client-credentials
        token gets a 403 `user_token_required`."""

        def check() -> Response | None:
            if not _get_current_claims().is_client:
                return None
            return self.error_response(403, "user_token_required", _adapters.CLIENT_TOKEN_REFUSED)

        return self._guarded(check)(view)

    def active_required(self, view: _View) -> _View:
        """Like `required`, and the auth server must confirm (RFC 7662) the token is still active.

        Fails closed: an inactive token is a 401 `token_inactive`; an endpoint that
        cannot be reached or answers wrongly is a 503 `introspection_unavailable`
        with Retry-After.
        """

        def check() -> Response | None:
            try:
                self._state().introspection.require_active(g.get(_TOKEN_ATTR))
            except IntrospectionUnavailableError as error:
                return self._unavailable(error)
            except InactiveTokenError as error:
                return self._refuse(error)
            return None

        return self._guarded(check)(view)

    def _guarded(self, check: Callable[[], Response | None] | None = None) -> Callable[[_View], _View]:
        """A decorator that admits the request with a valid token for which `check()`
        returns None; otherwise the first refusal is the answer."""

        def decorator(view: _View) -> _View:
            @functools.wraps(view)
            def wrapper(*args: Any, **kwargs: Any) -> Any:
                refusal = self._authenticate()
                if refusal is None and check is not None:
                    refusal = check()
                if refusal is not None:
                    return refusal
                return current_app.ensure_sync(view)(*args, **kwargs)

            return cast(_View, wrapper)

        return decorator

    # -- the pipeline -------------------------------------------------------------
    def get_raw_token(self) -> str | None:
        """The token from the Bearer header, else from the configured cookie, else None.

        A token found while the request has no Authorization header counts as a
        cookie credential: for unsafe methods it then needs the CSRF header too.
        Raises `MalformedTokenError` for a Bearer header without a single token.
        """
        header = request.headers.get("Authorization")
        if header:
            return _adapters.bearer_token(header)
        conf = self._state().conf
        if conf.cookie_name is None:
            return None
        return request.cookies.get(conf.cookie_name) or None

    def error_response(self, status: int, code: str, detail: str, challenge: str | None = None) -> Response:
        """The JSON refusal `{"detail", "code"}`; override to change its shape."""
        response = jsonify(detail=detail, code=code)
        response.status_code = status
        if challenge is not None:
            response.headers["WWW-Authenticate"] = challenge
        return response

    def _authenticate(self) -> Response | None:
        """Verify this request's token once; a refusal response, or None with `g` filled in."""
        if g.get(_CLAIMS_ATTR) is not None:
            return None  # stacked decorators: already verified
        state = self._state()
        from_cookie = not request.headers.get("Authorization")
        try:
            token = self.get_raw_token()
            if token is None:
                return self.error_response(
                    401, "not_authenticated", _adapters.NOT_AUTHENTICATED, _adapters.challenge(state.conf.realm)
                )
            if from_cookie and not _adapters.csrf_ok(
                request.method,
                request.headers.get(state.conf.csrf_header),
                request.cookies.get(state.conf.csrf_cookie_name),
            ):
                return self.error_response(403, "csrf_failed", _adapters.csrf_failure(state.conf))
            claims = state.verifier.verify(token)
        except VerificationUnavailableError as error:
            return self._unavailable(error)
        except VerificationError as error:
            return self._refuse(error)
        setattr(g, _CLAIMS_ATTR, claims)
        setattr(g, _TOKEN_ATTR, token)
        return None

    def _refuse(self, error: VerificationError) -> Response:
        return self.error_response(401, error.code, error.reason, _adapters.challenge(self._state().conf.realm, error))

    def _unavailable(self, error: VerificationUnavailableError) -> Response:
        # 503, not 401: the token was not judged, and a 401 would send every client
        # to log in again against an auth server that cannot answer. The header is
        # set here rather than passed in, so an overridden error_response keeps it.
        response = self.error_response(503, error.code, error.reason)
        response.headers["Retry-After"] = str(error.retry_after)
        return response

    @property
    def verifier(self) -> TokenVerifier:
        """The current app's TokenVerifier (inside an app context)."""
        return self._state().verifier

    def _state(self) -> _AppState:
        state = current_app.extensions.get(_EXTENSION)
        if state is None:
            raise RuntimeError("JWKSAuth is not initialised for this app: call auth.init_app(app).")
        return cast(_AppState, state)
