"""The caller's account: register, log in, see it, change its password."""

from __future__ import annotations

from rest_framework import status
from rest_framework.permissions import IsAuthenticated
from rest_framework.request import Request
from rest_framework.response import Response

from authfort_django.accounts import login, passwords, registration
from authfort_django.api import schema, serializers, throttling
from authfort_django.api.client import request_context
from authfort_django.api.views.base import (
    AuthfortAPIView,
    no_store,
    token_answer,
)
from authfort_django.observability.metrics.instruments import timing_issue
from authfort_django.tokens.pairs import TokenPair

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
        with timing_issue("register"):
            result = registration.register(**body.validated_data, context=request_context(request))
        if isinstance(result, TokenPair):
            return token_answer(result, status_code=status.HTTP_201_CREATED)
        # REQUIRE_VERIFIED_EMAIL: the account exists; tokens come at the first login after verifying.
        body = {"user": serializers.UserSerializer(result).data, "detail": AWAITING_VERIFICATION}
        return no_store(Response(body, status=status.HTTP_201_CREATED))


@schema.LOGIN
class LoginView(AuthfortAPIView):
    authentication_classes: list = []
    throttle_classes = [throttling.LoginIPThrottle, throttling.LoginAccountThrottle]

    def post(self, request: Request) -> Response:
        body = serializers.LoginSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        with timing_issue("login"):
            pair = login.login(**body.validated_data, context=request_context(request))
        return token_answer(pair)


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
        pair = passwords.change_password(request.user, **body.validated_data, context=request_context(request))
        return token_answer(pair)


@schema.ME
class MeView(AuthfortAPIView):
    permission_classes = [IsAuthenticated]

    def get(self, request: Request) -> Response:
        return Response(serializers.UserSerializer(request.user).data)
