"""Sessions: refresh, logout (one or all), list and end one's own sessions."""

from __future__ import annotations

from rest_framework.exceptions import AuthenticationFailed
from rest_framework.permissions import IsAuthenticated
from rest_framework.request import Request
from rest_framework.response import Response

from authfort_django.accounts import login
from authfort_django.accounts.errors import EmailNotVerified
from authfort_django.api import cookies, delivery, serializers, throttling
from authfort_django.api.client import request_context
from authfort_django.api.openapi_extra import extend_schema
from authfort_django.api.schema_serializers import SIGNED_IN, LogoutSerializer, RefreshSerializer
from authfort_django.api.views.base import (
    AuthfortAPIView,
    has_authorization_header,
    no_content,
    no_store,
    token_answer,
)
from authfort_django.keys.store import NoSigningKey
from authfort_django.models import Session
from authfort_django.observability.metrics.instruments import timing_issue
from authfort_django.sessions import errors as session_errors
from authfort_django.sessions import revocation
from authfort_django.sessions.errors import LogoutCredentialsMissing
from authfort_django.sessions.lifecycle import live_sessions
from authfort_django.sessions.refresh import session_for_refresh_token


@extend_schema(
    request=RefreshSerializer, responses=SIGNED_IN, auth=[{"refreshCookie": []}, {}]
)
class RefreshView(AuthfortAPIView):
    """Exchange a refresh token for a new token pair.

    Single use: the presented token dies. Presenting a used token again answers 401
    refresh_token_reused and ends the whole session.

    The token comes from the body's `refresh_token`, and the new pair goes into the
    body (or into cookies if `token_delivery` is "cookie"). Or else (cookie mode) it
    comes from the refresh cookie: the CSRF header is required and the new pair goes
    only into the cookies; asking for "body" then is 400 token_delivery_refused.
    """

    authentication_classes: list = []
    throttle_classes = [throttling.RefreshThrottle]
    domain_errors = (
        session_errors.RefreshTokenMissing,
        session_errors.RefreshTokenMalformed,
        session_errors.RefreshError,
        session_errors.RefreshTokenExpired,
        session_errors.RefreshTokenRevoked,
        session_errors.RefreshTokenReused,
        EmailNotVerified,
        NoSigningKey,
        *delivery.REFRESH_ERRORS,
    )

    def post(self, request: Request) -> Response:
        raw = serializers.refresh_token_in_body(request.data)
        from_cookie = raw is None and cookies.refresh_token_from(request) is not None
        answer_in = delivery.for_refresh(request.data, token_from_cookie=from_cookie)
        if from_cookie:
            raw = cookies.refresh_token_from(request)
            self._check_csrf(request, raw)
        with timing_issue("refresh"):
            pair = login.refresh(refresh_token=raw, context=request_context(request))
        return token_answer(pair, delivery=answer_in)

    @staticmethod
    def _check_csrf(request: Request, raw: str) -> None:
        """The CSRF value must be signed for the session of the refresh cookie.

        A token that names no session cannot refresh anything: the refresh below
        answers it (401, audited), so it needs no CSRF verdict first.
        """
        try:
            session = session_for_refresh_token(raw)
        except session_errors.RefreshError:
            return
        cookies.check_csrf(request, session.pk)


@extend_schema(
    request=LogoutSerializer,
    responses={204: None},
    auth=[{"bearerAuth": []}, {"cookieAuth": []}, {"refreshCookie": []}, {}],
)
class LogoutView(AuthfortAPIView):
    """End this session.

    The session is identified by the access token (Bearer or cookie) or a refresh token
    (body or cookie). In cookie mode the cookies are cleared.

    An access cookie that no longer verifies (expired) falls back to the refresh cookie,
    so a browser can always sign out.
    """

    allowed_before_mfa_setup = True
    domain_errors = (
        LogoutCredentialsMissing,
        session_errors.RefreshTokenMissing,
        session_errors.RefreshTokenMalformed,
        session_errors.RefreshError,
    )

    def perform_authentication(self, request: Request) -> None:
        pass  # lazily, in _session_to_end: which credential counts depends on what was sent

    def post(self, request: Request) -> Response:
        revocation.logout(self._session_to_end(request), context=request_context(request))
        return no_content(clear_cookies=True)

    def _session_to_end(self, request: Request) -> Session:
        if has_authorization_header(request):
            return self._authenticated_session(request)
        body_token = serializers.refresh_token_in_body(request.data)
        if body_token is not None:
            return session_for_refresh_token(body_token)
        if cookies.access_token_from(request) is not None:
            try:
                return self._authenticated_session(request)
            except AuthenticationFailed:
                if cookies.refresh_token_from(request) is None:
                    raise
        if cookies.refresh_token_from(request) is not None:
            session = session_for_refresh_token(cookies.refresh_token_from(request))
            cookies.check_csrf(request, session.pk)
            return session
        raise LogoutCredentialsMissing()

    def _authenticated_session(self, request: Request) -> Session:
        if not request.user.is_authenticated:  # another scheme's Authorization header
            raise LogoutCredentialsMissing()
        return request.authfort_session  # set by AccessTokenAuthentication: every accepted token has one


@extend_schema(responses={204: None})
class LogoutAllView(AuthfortAPIView):
    """End every session of the caller.

    Every access token of the caller stops working too.
    """

    allowed_before_mfa_setup = True
    permission_classes = [IsAuthenticated]

    def post(self, request: Request) -> Response:
        revocation.logout_all(request.user, context=request_context(request))
        return no_content(clear_cookies=True)


@extend_schema(responses=serializers.SessionSerializer(many=True))
class SessionListView(AuthfortAPIView):
    """The caller's live sessions, newest first.

    `current` marks the session of this request's token.
    """

    permission_classes = [IsAuthenticated]

    def get(self, request: Request) -> Response:
        listing = serializers.SessionSerializer(
            live_sessions(request.user),
            many=True,
            context={"current_session": getattr(request, "authfort_session", None)},
        )
        return no_store(Response(listing.data))


@extend_schema(responses={204: None})
class SessionDetailView(AuthfortAPIView):
    """End one of the caller's sessions.

    Anybody else's session is not found.
    """

    permission_classes = [IsAuthenticated]
    domain_errors = (session_errors.SessionNotFound,)

    def delete(self, request: Request, session_id: str) -> Response:
        revocation.end_own_session(request.user, session_id, context=request_context(request))
        return no_content()
