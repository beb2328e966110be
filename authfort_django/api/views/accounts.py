"""The caller's account: register, log in, see it, change its password."""

from __future__ import annotations

from rest_framework import status
from rest_framework.permissions import IsAuthenticated
from rest_framework.request import Request
from rest_framework.response import Response

from authfort_django.accounts import login, passwords, registration
from authfort_django.accounts.errors import (
    EmailNotVerified,
    EmailTaken,
    InvalidCredentials,
    RegistrationClosed,
    WrongPassword,
)
from authfort_django.api import delivery, serializers, throttling
from authfort_django.api.client import request_context
from authfort_django.api.openapi_extra import extend_schema
from authfort_django.api.schema_serializers import REGISTERED, SIGNED_IN, SIGNED_IN_OR_MFA
from authfort_django.api.views.base import AuthfortAPIView, no_store, sign_in_answer, token_answer
from authfort_django.keys.store import NoSigningKey
from authfort_django.observability.metrics.instruments import timing_issue
from authfort_django.tokens.pairs import TokenPair

AWAITING_VERIFICATION = (
    "Account created. Open the link we emailed to confirm your address, then log in. "
    'No mail? POST /auth/verify-email/request with {"email": "<your address>"}.'
)


@extend_schema(responses={201: REGISTERED})
class RegisterView(AuthfortAPIView):
    """Create an account and sign in.

    With AUTHFORT_REQUIRE_VERIFIED_EMAIL the answer holds the user and no tokens: a
    verification link is mailed, and the first login after verifying signs in.
    """

    authentication_classes: list = []
    throttle_classes = [throttling.RegisterIPThrottle]
    serializer_class = serializers.RegisterSerializer
    domain_errors = (RegistrationClosed, EmailTaken, NoSigningKey, *delivery.SIGN_IN_ERRORS)

    def post(self, request: Request) -> Response:
        answer_in = delivery.for_sign_in(request.data)
        data = self.validated_body(request)
        data.pop(delivery.FIELD, None)
        with timing_issue("register"):
            result = registration.register(**data, context=request_context(request))
        if isinstance(result, TokenPair):
            return token_answer(result, status_code=status.HTTP_201_CREATED, delivery=answer_in)
        # REQUIRE_VERIFIED_EMAIL: the account exists; tokens come at the first login after verifying.
        body = {"user": serializers.UserSerializer(result).data, "detail": AWAITING_VERIFICATION}
        return no_store(Response(body, status=status.HTTP_201_CREATED))


@extend_schema(responses=SIGNED_IN_OR_MFA)
class LoginView(AuthfortAPIView):
    """Sign in with email and password.

    The tokens come in cookies (the body has no token) or in the body, as
    `token_delivery` asks; without it, in cookies when cookie mode is on.

    A wrong address, a wrong password and an inactive account get the same answer
    (invalid_credentials). Under AUTHFORT_REQUIRE_VERIFIED_EMAIL an unverified address
    gets email_not_verified, but only after the right password. For a user with a
    second factor the answer is 200 `{mfa_required: true, mfa_token, methods}` without
    tokens: complete the login at POST /auth/login/mfa.
    """

    authentication_classes: list = []
    throttle_classes = [throttling.LoginIPThrottle, throttling.LoginAccountThrottle]
    serializer_class = serializers.LoginSerializer
    domain_errors = (InvalidCredentials, EmailNotVerified, NoSigningKey, *delivery.SIGN_IN_ERRORS)

    def post(self, request: Request) -> Response:
        answer_in = delivery.for_sign_in(request.data)
        data = self.validated_body(request)
        data.pop(delivery.FIELD, None)
        with timing_issue("login"):
            result = login.login(**data, context=request_context(request))
        return sign_in_answer(result, delivery=answer_in)


@extend_schema(responses=SIGNED_IN)
class PasswordView(AuthfortAPIView):
    """Change the password.

    Every earlier session ends (this one too); the answer carries a fresh token pair
    on a new session, so the caller stays signed in: in cookies when this request
    was authenticated by cookie, else in the body.
    """

    permission_classes = [IsAuthenticated]
    # Guessing the current password with a stolen access token is password guessing:
    # it shares the per-account login budget.
    throttle_classes = [throttling.PasswordChangeThrottle]
    serializer_class = serializers.PasswordChangeSerializer
    domain_errors = (WrongPassword,)

    def post(self, request: Request) -> Response:
        data = self.validated_body(request, user=request.user)
        pair = passwords.change_password(request.user, **data, context=request_context(request))
        return token_answer(pair, delivery=delivery.for_authenticated(request))


@extend_schema(responses=serializers.UserSerializer)
class MeView(AuthfortAPIView):
    """The signed-in user."""

    allowed_before_mfa_setup = True
    permission_classes = [IsAuthenticated]

    def get(self, request: Request) -> Response:
        return Response(serializers.UserSerializer(request.user).data)
