"""The JSON endpoints under /auth/. Thin: parse, call a flow, shape the answer."""

from __future__ import annotations

from typing import Any

from rest_framework import status
from rest_framework.parsers import JSONParser
from rest_framework.permissions import IsAuthenticated
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from .. import flows
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
