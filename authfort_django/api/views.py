"""The JSON endpoints under /auth/. Thin: parse, call a flow, shape the answer."""

from __future__ import annotations

from typing import Any

from rest_framework import status
from rest_framework.parsers import FormParser, JSONParser
from rest_framework.exceptions import AuthenticationFailed, NotFound
from rest_framework.permissions import IsAuthenticated
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from .. import flows, introspection
from ..app_settings import authfort_settings
from . import serializers, throttling
from .authentication import AccessTokenAuthentication
from .exceptions import authfort_exception_handler


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


class RegisterView(AuthfortAPIView):
    authentication_classes: list = []
    throttle_classes = [throttling.RegisterIPThrottle]

    def post(self, request: Request) -> Response:
        body = serializers.RegisterSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        pair = flows.register(**body.validated_data, request=request)
        return _no_store(Response(serializers.token_response(pair), status=status.HTTP_201_CREATED))


class LoginView(AuthfortAPIView):
    authentication_classes: list = []
    throttle_classes = [throttling.LoginIPThrottle, throttling.LoginAccountThrottle]

    def post(self, request: Request) -> Response:
        body = serializers.LoginSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        pair = flows.login(**body.validated_data, request=request)
        return _no_store(Response(serializers.token_response(pair)))


class RefreshView(AuthfortAPIView):
    """Single-use rotation. A replayed token revokes its session (committed) and answers 401."""

    authentication_classes: list = []
    throttle_classes = [throttling.RefreshThrottle]

    def post(self, request: Request) -> Response:
        body = serializers.RefreshSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        pair = flows.refresh(refresh_token=body.validated_data.get("refresh_token", ""), request=request)
        return _no_store(Response(serializers.token_response(pair)))


class MeView(AuthfortAPIView):
    permission_classes = [IsAuthenticated]

    def get(self, request: Request) -> Response:
        return Response(serializers.UserSerializer(request.user).data)


class IntrospectView(AuthfortAPIView):
    """RFC 7662. The caller (a resource server) authenticates with a shared secret."""

    authentication_classes: list = []
    parser_classes = [FormParser, JSONParser]
    throttle_classes = [throttling.IntrospectThrottle]

    def initial(self, request: Request, *args: Any, **kwargs: Any) -> None:
        secrets = authfort_settings.INTROSPECTION_SECRETS
        if not secrets:
            raise NotFound("Introspection is disabled: set AUTHFORT_INTROSPECTION_SECRETS to enable it.")
        header = request.META.get("HTTP_AUTHORIZATION", "")
        scheme, _, presented = header.partition(" ")
        if scheme.lower() != "bearer" or not introspection.caller_is_authorized(presented.strip(), secrets):
            raise IntrospectionCallerRejected()
        super().initial(request, *args, **kwargs)

    def get_authenticate_header(self, request: Request) -> str:
        # Without a challenge DRF would turn the 401 into a 403.
        return 'Bearer realm="authfort-introspection"'

    def post(self, request: Request) -> Response:
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
