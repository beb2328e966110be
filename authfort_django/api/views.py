"""The JSON endpoints under /auth/. Thin: parse, call a flow, shape the answer."""

from __future__ import annotations

from typing import Any

from rest_framework import status
from rest_framework.exceptions import AuthenticationFailed, NotFound
from rest_framework.parsers import FormParser, JSONParser
from rest_framework.permissions import IsAuthenticated
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from .. import exceptions, flows, introspection, revocation, roles, sessions
from ..app_settings import authfort_settings
from ..models import Session
from . import cookies, schema, serializers, throttling
from .authentication import AccessTokenAuthentication
from .exceptions import authfort_exception_handler
from .permissions import IsAuthfortAdmin


class AuthfortAPIView(APIView):
    """Base: our authentication, JSON in and out, and our error shape — whatever the
    project's REST_FRAMEWORK defaults are."""

    authentication_classes = [AccessTokenAuthentication]
    # JSON only: a cross-site HTML form cannot send it without a CORS preflight.
    parser_classes = [JSONParser]
    permission_classes: list = []
    throttle_classes: list = []

    def get_exception_handler(self) -> Any:
        return authfort_exception_handler


def _no_store(response: Response) -> Response:
    response["Cache-Control"] = "no-store"
    response["Pragma"] = "no-cache"
    return response


def _tokens(pair: flows.TokenPair, *, status_code: int = 200, include_refresh_token: bool = True) -> Response:
    """A token answer: JSON body, cookies in cookie mode, never cached."""
    response = Response(
        serializers.token_response(pair, include_refresh_token=include_refresh_token), status=status_code
    )
    cookies.set_token_cookies(response, pair)
    return _no_store(response)


def _no_content(*, clear_cookies: bool = False) -> Response:
    response = Response(status=status.HTTP_204_NO_CONTENT)
    if clear_cookies:
        cookies.clear_token_cookies(response)
    return _no_store(response)


def _has_authorization_header(request: Request) -> bool:
    return bool(request.META.get("HTTP_AUTHORIZATION"))


AWAITING_VERIFICATION = (
    "Account created. Open the link we emailed to confirm your address, then log in. "
    'No mail? POST /auth/verify-email/request with {"email": "<your address>"}.'
)


@schema.REGISTER
class RegisterView(AuthfortAPIView):
    authentication_classes: list = []
    throttle_classes = [throttling.RegisterIPThrottle]

    def post(self, request: Request) -> Response:
        body = serializers.RegisterSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        result = flows.register(**body.validated_data, request=request)
        if isinstance(result, flows.TokenPair):
            return _tokens(result, status_code=status.HTTP_201_CREATED)
        # REQUIRE_VERIFIED_EMAIL: the account exists; tokens come at the first login after verifying.
        body = {"user": serializers.UserSerializer(result).data, "detail": AWAITING_VERIFICATION}
        return _no_store(Response(body, status=status.HTTP_201_CREATED))


@schema.LOGIN
class LoginView(AuthfortAPIView):
    authentication_classes: list = []
    throttle_classes = [throttling.LoginIPThrottle, throttling.LoginAccountThrottle]

    def post(self, request: Request) -> Response:
        body = serializers.LoginSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        pair = flows.login(**body.validated_data, request=request)
        return _tokens(pair)


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
        pair = flows.refresh(refresh_token=raw, request=request)
        return _tokens(pair, include_refresh_token=not from_cookie)


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
        revocation.logout(self._session_to_end(request), request=request)
        return _no_content(clear_cookies=True)

    def _session_to_end(self, request: Request) -> Session:
        if _has_authorization_header(request):
            return self._authenticated_session(request)
        body_token = serializers.refresh_token_in_body(request.data)
        if body_token is not None:
            return sessions.session_for_refresh_token(body_token)
        if cookies.access_token_from(request) is not None:
            try:
                return self._authenticated_session(request)
            except AuthenticationFailed:
                if cookies.refresh_token_from(request) is None:
                    raise
        if cookies.refresh_token_from(request) is not None:
            cookies.check_csrf(request)
            return sessions.session_for_refresh_token(cookies.refresh_token_from(request))
        raise exceptions.LogoutCredentialsMissing()

    def _authenticated_session(self, request: Request) -> Session:
        if not request.user.is_authenticated:  # another scheme's Authorization header
            raise exceptions.LogoutCredentialsMissing()
        return request.authfort_session  # set by AccessTokenAuthentication: every accepted token has one


@schema.LOGOUT_ALL
class LogoutAllView(AuthfortAPIView):
    """End every session of the caller and invalidate all their access tokens. 204."""

    permission_classes = [IsAuthenticated]

    def post(self, request: Request) -> Response:
        revocation.logout_all(request.user, request=request)
        return _no_content(clear_cookies=True)


@schema.PASSWORD
class PasswordView(AuthfortAPIView):
    """Change the password. Every earlier session ends (this one too); the answer carries a
    fresh token pair on a new session, so the caller stays signed in."""

    permission_classes = [IsAuthenticated]
    # Guessing the current password with a stolen access token is password guessing:
    # it shares the per-account login budget.
    throttle_classes = [throttling.PasswordChangeThrottle]

    def post(self, request: Request) -> Response:
        body = serializers.PasswordChangeSerializer(data=request.data, context={"user": request.user})
        body.is_valid(raise_exception=True)
        pair = revocation.change_password(request.user, **body.validated_data, request=request)
        return _tokens(pair)


@schema.SESSIONS
class SessionListView(AuthfortAPIView):
    """The caller's live sessions, newest first; `current` marks this request's."""

    permission_classes = [IsAuthenticated]

    def get(self, request: Request) -> Response:
        listing = serializers.SessionSerializer(
            sessions.live_sessions(request.user),
            many=True,
            context={"current_session": getattr(request, "authfort_session", None)},
        )
        return _no_store(Response(listing.data))


@schema.SESSION_DETAIL
class SessionDetailView(AuthfortAPIView):
    """DELETE one of the caller's sessions (404 for anybody else's). 204."""

    permission_classes = [IsAuthenticated]

    def delete(self, request: Request, session_id: str) -> Response:
        revocation.end_own_session(request.user, session_id, request=request)
        return _no_content()


@schema.ROLES
class RoleListView(AuthfortAPIView):
    """GET every role; POST `{name, description?}` creates one (201, or 409 role_exists)."""

    permission_classes = [IsAuthfortAdmin]

    def get(self, request: Request) -> Response:
        return Response(serializers.RoleSerializer(roles.list_roles(), many=True).data)

    def post(self, request: Request) -> Response:
        body = serializers.RoleSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        role = roles.create_role(**body.validated_data)
        return Response(serializers.RoleSerializer(role).data, status=status.HTTP_201_CREATED)


@schema.USER_ROLE
class UserRoleView(AuthfortAPIView):
    """PUT grants, DELETE revokes a role; both idempotent, 204. 404 for an unknown user or role."""

    permission_classes = [IsAuthfortAdmin]

    def put(self, request: Request, user_id: str, role_name: str) -> Response:
        roles.grant_role(revocation.find_user(user_id), role_name, by=request.user, request=request)
        return _no_content()

    def delete(self, request: Request, user_id: str, role_name: str) -> Response:
        roles.revoke_role(revocation.find_user(user_id), role_name, by=request.user, request=request)
        return _no_content()


@schema.BAN
class BanView(AuthfortAPIView):
    """Deactivate the user and end all their sessions and tokens. 204."""

    permission_classes = [IsAuthfortAdmin]

    def post(self, request: Request, user_id: str) -> Response:
        revocation.ban(revocation.find_user(user_id), by=request.user, request=request)
        return _no_content()


@schema.UNBAN
class UnbanView(AuthfortAPIView):
    """Reactivate the user; they log in again. 204."""

    permission_classes = [IsAuthfortAdmin]

    def post(self, request: Request, user_id: str) -> Response:
        revocation.unban(revocation.find_user(user_id), by=request.user, request=request)
        return _no_content()


@schema.ME
class MeView(AuthfortAPIView):
    permission_classes = [IsAuthenticated]

    def get(self, request: Request) -> Response:
        return Response(serializers.UserSerializer(request.user).data)


@schema.INTROSPECT
class IntrospectView(AuthfortAPIView):
    """RFC 7662. The caller (a resource server) authenticates with a shared secret."""

    authentication_classes: list = []
    parser_classes = [FormParser, JSONParser]
    throttle_classes = [throttling.IntrospectThrottle]

    def initial(self, request: Request, *args: Any, **kwargs: Any) -> None:
        if not authfort_settings.INTROSPECTION_SECRETS:
            raise NotFound("Introspection is disabled: set AUTHFORT_INTROSPECTION_SECRETS to enable it.")
        super().initial(request, *args, **kwargs)  # the throttle counts every attempt, wrong secrets too

    def get_authenticate_header(self, request: Request) -> str:
        # Without a challenge DRF would turn the 401 into a 403.
        return 'Bearer realm="authfort-introspection"'

    def post(self, request: Request) -> Response:
        # Checked here, after the throttle and after DRF has answered 405 to other methods.
        scheme, _, presented = request.META.get("HTTP_AUTHORIZATION", "").partition(" ")
        secrets = authfort_settings.INTROSPECTION_SECRETS
        if scheme.lower() != "bearer" or not introspection.caller_is_authorized(presented.strip(), secrets):
            raise IntrospectionCallerRejected()
        token = request.data.get("token", "") if hasattr(request.data, "get") else ""
        if not isinstance(token, str):
            token = ""
        return _no_store(Response(introspection.introspect(token)))


class IntrospectionCallerRejected(AuthenticationFailed):
    default_detail = (
        "Introspection needs 'Authorization: Bearer <secret>' with one of the server's "
        "INTROSPECTION_SECRETS."
    )
    default_code = "invalid_client"
