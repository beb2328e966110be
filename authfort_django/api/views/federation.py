"""Sign in with a provider: the browser flow, the bearer exchange, native ID tokens, identities.

    GET  /auth/oauth/{provider}/authorize?redirect_to=...[&link=1]   302 to the provider
    GET  /auth/oauth/{provider}/callback                              302 back to redirect_to
    POST /auth/oauth/exchange {code}                                  token pair (bearer clients)
    POST /auth/oauth/{provider}/id-token {id_token, nonce?}           token pair (native apps)
    GET  /auth/identities, DELETE /auth/identities/{id}

The authorize answer sets an HttpOnly cookie holding this browser's secret: the
callback completes only in the browser that started it (federation/states.py).
"""

from __future__ import annotations

from urllib.parse import urlencode, urlsplit, urlunsplit

from rest_framework import exceptions, status
from rest_framework.permissions import IsAuthenticated
from rest_framework.request import Request
from rest_framework.response import Response

from authfort_django.accounts.errors import EmailNotVerified
from authfort_django.api import cookies, delivery, serializers, throttling
from authfort_django.api.authentication import AccessTokenAuthentication
from authfort_django.api.client import request_context
from authfort_django.api.openapi_extra import OpenApiParameter, extend_schema
from authfort_django.api.permissions import StaffMFASetup
from authfort_django.api.schema_serializers import SIGNED_IN_OR_MFA
from authfort_django.exceptions import AuthfortError
from authfort_django.api.views.base import AuthfortAPIView, no_content, no_store, sign_in_answer
from authfort_django.tokens.pairs import TokenPair
from authfort_django.conf import authfort_settings
from authfort_django.federation import errors, identities, oauth
from authfort_django.keys.store import NoSigningKey
from authfort_django.mfa import policy as mfa_policy

_SIGN_IN_ERRORS = (
    errors.FederationError,
    EmailNotVerified,
    NoSigningKey,
    *delivery.SIGN_IN_ERRORS,
)


def _cookie_name() -> str:
    return str(authfort_settings.OAUTH_COOKIE_NAME)


def _redirect(url: str) -> Response:
    return no_store(Response(status=status.HTTP_302_FOUND, headers={"Location": url}))


def _with_query(url: str, **params: str) -> str:
    parts = urlsplit(url)
    query = "&".join(q for q in (parts.query, urlencode(params)) if q)
    return urlunsplit(parts._replace(query=query))


@extend_schema(
    parameters=[
        OpenApiParameter("redirect_to", str, description="Where to return; must match AUTHFORT['REDIRECT_ALLOWLIST']."),
        OpenApiParameter("link", str, description="1: add the provider to the signed-in caller's account."),
    ],
    responses={302: None},
)
class AuthorizeView(AuthfortAPIView):
    """Start signing in with a provider: 302 to its authorization page (state, nonce, PKCE S256).

    Sets an HttpOnly cookie that binds the sign-in to this browser. With `link=1` the
    caller must be signed in (access token or cookie): the provider is added to their account.
    """

    authentication_classes: list = []
    throttle_classes = [throttling.OAuthIPThrottle]
    domain_errors = (errors.UnknownProvider, errors.RedirectNotAllowed, errors.LinkNeedsSignIn, errors.ProviderUnavailable)

    def get(self, request: Request, provider: str) -> Response:
        link_user = None
        if request.query_params.get("link") in ("1", "true"):
            authenticated = AccessTokenAuthentication().authenticate(request)
            if authenticated is None:
                raise errors.LinkNeedsSignIn()
            link_user = authenticated[0]
            if mfa_policy.setup_required(link_user):  # REQUIRE_MFA_FOR_STAFF: no new way in first
                raise exceptions.PermissionDenied(StaffMFASetup.message, StaffMFASetup.code)
        started = oauth.start(
            provider,
            redirect_to=request.query_params.get("redirect_to"),
            link_user=link_user,
            browser_secret=request.COOKIES.get(_cookie_name()),
        )
        response = _redirect(started.url)
        conf = authfort_settings.COOKIE
        response.set_cookie(
            _cookie_name(),
            started.browser_secret,
            max_age=int(authfort_settings.OAUTH_STATE_TTL),
            path="/auth/oauth/",
            httponly=True,
            secure=bool(conf["SECURE"]),
            # Lax: the provider sends the browser back with a top-level GET, which carries it.
            samesite="Lax",
        )
        return response


@extend_schema(responses={302: None})
class CallbackView(AuthfortAPIView):
    """The provider sends the browser back here.

    Cookie mode: the token cookies are set and the browser goes to `redirect_to`.
    Otherwise, and for a user with a second factor, the browser goes to
    `redirect_to?code=...`: a single-use code, valid for 60 seconds, that the app trades
    at POST /auth/oauth/exchange (which then answers `mfa_required` for such a user, as
    POST /auth/login does). No token is ever in a URL.

    Once the state is proven, a failure (the user denied access, a code or ID token
    that does not hold, an account that may not sign in) sends the browser back to
    `redirect_to?error=<code>` too, so the app can say what happened; the event is
    audited with the same code. A missing, forged, replayed or expired state answers
    JSON here: nothing proves where the browser came from.
    """

    authentication_classes: list = []
    throttle_classes = [throttling.OAuthIPThrottle, throttling.LoginIPThrottle]
    domain_errors = _SIGN_IN_ERRORS

    def get(self, request: Request, provider: str) -> Response:
        context = request_context(request)
        try:
            result = oauth.finish(
                provider, params=request.query_params, browser_secret=request.COOKIES.get(_cookie_name()),
                context=context,
            )
        except errors.CallbackRefused as refused:
            return _redirect(_with_query(refused.redirect_to, error=refused.code))
        if result.linked:
            return _redirect(_with_query(result.redirect_to, linked=result.provider))
        if cookies.enabled() and not oauth.needs_second_factor(result):
            try:
                pair = oauth.sign_in(result, context=context)  # audits its own refusals
            except AuthfortError as refused:
                return _redirect(_with_query(result.redirect_to, error=refused.code))
            if not isinstance(pair, TokenPair):
                # A second factor was added since needs_second_factor(): the exchange asks for it.
                return _redirect(_with_query(result.redirect_to, code=oauth.exchange_code_for(result)))
            response = _redirect(result.redirect_to)
            cookies.set_token_cookies(response, pair)
            return response
        return _redirect(_with_query(result.redirect_to, code=oauth.exchange_code_for(result)))


@extend_schema(responses=SIGNED_IN_OR_MFA)
class ExchangeView(AuthfortAPIView):
    """Trade the callback's single-use code for a token pair (within 60 seconds, once),
    or for `mfa_required` when the user has a second factor."""

    authentication_classes: list = []
    throttle_classes = [throttling.LoginIPThrottle]
    serializer_class = serializers.ExchangeCodeSerializer
    domain_errors = _SIGN_IN_ERRORS

    def post(self, request: Request) -> Response:
        answer_in = delivery.for_sign_in(request.data)
        data = self.validated_body(request)
        return sign_in_answer(oauth.exchange(data["code"], context=request_context(request)), delivery=answer_in)


@extend_schema(responses=SIGNED_IN_OR_MFA)
class IdTokenView(AuthfortAPIView):
    """Sign in with an ID token that a native app got from the provider's SDK.

    Verified against the provider's keys: issuer, audience (our client id or one of
    NATIVE_CLIENT_IDS), expiry, issued within ID_TOKEN_MAX_AGE, the nonce when the
    token carries one. Each ID token signs in once.
    """

    authentication_classes: list = []
    throttle_classes = [throttling.LoginIPThrottle]
    serializer_class = serializers.IdTokenSignInSerializer
    domain_errors = _SIGN_IN_ERRORS

    def post(self, request: Request, provider: str) -> Response:
        answer_in = delivery.for_sign_in(request.data)
        data = self.validated_body(request)
        result = oauth.sign_in_with_id_token(
            provider, id_token=data["id_token"], nonce=data["nonce"], context=request_context(request)
        )
        return sign_in_answer(result, delivery=answer_in)


@extend_schema(responses=serializers.IdentitySerializer(many=True))
class IdentityListView(AuthfortAPIView):
    """The caller's linked provider accounts."""

    permission_classes = [IsAuthenticated]

    def get(self, request: Request) -> Response:
        return Response(serializers.IdentitySerializer(identities.identities_of(request.user), many=True).data)


@extend_schema(responses={204: None})
class IdentityDetailView(AuthfortAPIView):
    """Unlink a provider account. Refused when it is the last way to sign in."""

    permission_classes = [IsAuthenticated]
    domain_errors = (errors.IdentityNotFound, errors.LastSignInMethod)

    def delete(self, request: Request, identity_id: str) -> Response:
        identities.unlink(request.user, identity_id, context=request_context(request))
        return no_content()
