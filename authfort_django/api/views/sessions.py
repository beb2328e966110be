"""Sessions: refresh, logout (one or all), list and end one's own sessions."""

from __future__ import annotations

from rest_framework.exceptions import AuthenticationFailed
from rest_framework.permissions import IsAuthenticated
from rest_framework.request import Request
from rest_framework.response import Response

from authfort_django.accounts import login
from authfort_django.api import cookies, schema, serializers, throttling
from authfort_django.api.client import request_context
from authfort_django.api.views.base import (
    AuthfortAPIView,
    has_authorization_header,
    no_content,
    no_store,
    token_answer,
)
from authfort_django.models import Session
from authfort_django.observability.metrics.instruments import timing_issue
from authfort_django.sessions import revocation
from authfort_django.sessions.errors import LogoutCredentialsMissing
from authfort_django.sessions.lifecycle import live_sessions
from authfort_django.sessions.refresh import session_for_refresh_token


@schema.REFRESH
class RefreshView(AuthfortAPIView):
    """Single-use rotation. A replayed token revokes its session (committed) and answers 401.

    The token comes from the body's `refresh_token`, or else (cookie mode) from the
    refresh cookie, in which case the CSRF header is required and the new refresh
    token goes only into the cookie.
    """

    authentication_classes: list = []
    throttle_classes = [throttling.RefreshThrottle]

    def post(self, request: Request) -> Response:
        raw = serializers.refresh_token_in_body(request.data)
        from_cookie = raw is None and cookies.refresh_token_from(request) is not None
        if from_cookie:
            cookies.check_csrf(request)
            raw = cookies.refresh_token_from(request)
        with timing_issue("refresh"):
            pair = login.refresh(refresh_token=raw, context=request_context(request))
        return token_answer(pair, include_refresh_token=not from_cookie)


@schema.LOGOUT
class LogoutView(AuthfortAPIView):
    """End the caller's session: identified by the access token (Bearer or cookie) or a refresh
    token (body or cookie). 204, and the cookies are cleared in cookie mode.

    An access cookie that no longer verifies (expired) falls back to the refresh cookie,
    so a browser can always sign out.
    """

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
            cookies.check_csrf(request)
            return session_for_refresh_token(cookies.refresh_token_from(request))
        raise LogoutCredentialsMissing()

    def _authenticated_session(self, request: Request) -> Session:
        if not request.user.is_authenticated:  # another scheme's Authorization header
            raise LogoutCredentialsMissing()
        return request.authfort_session  # set by AccessTokenAuthentication: every accepted token has one


@schema.LOGOUT_ALL
class LogoutAllView(AuthfortAPIView):
    """End every session of the caller and invalidate all their access tokens. 204."""

    permission_classes = [IsAuthenticated]

    def post(self, request: Request) -> Response:
        revocation.logout_all(request.user, context=request_context(request))
        return no_content(clear_cookies=True)


@schema.SESSIONS
class SessionListView(AuthfortAPIView):
    """The caller's live sessions, newest first; `current` marks this request's."""

    permission_classes = [IsAuthenticated]

    def get(self, request: Request) -> Response:
        listing = serializers.SessionSerializer(
            live_sessions(request.user),
            many=True,
            context={"current_session": getattr(request, "authfort_session", None)},
        )
        return no_store(Response(listing.data))


@schema.SESSION_DETAIL
class SessionDetailView(AuthfortAPIView):
    """DELETE one of the caller's sessions (404 for anybody else's). 204."""

    permission_classes = [IsAuthenticated]

    def delete(self, request: Request, session_id: str) -> Response:
        revocation.end_own_session(request.user, session_id, context=request_context(request))
        return no_content()
