"""Passwordless sign-in by mail: magic links and email codes.

A request always answers 202 with the same body, whoever has an account, so the
endpoints cannot be used to find out who does.
"""

from __future__ import annotations

from rest_framework.request import Request
from rest_framework.response import Response

from authfort_django.accounts import errors as account_errors
from authfort_django.api import delivery, serializers, throttling
from authfort_django.api.client import request_context
from authfort_django.api.openapi_extra import extend_schema
from authfort_django.api.schema_serializers import MailRequestedSerializer
from authfort_django.api.schema_serializers import SIGNED_IN_OR_MFA
from authfort_django.api.views.base import AuthfortAPIView, mail_requested, sign_in_answer
from authfort_django.federation import errors, passwordless
from authfort_django.keys.store import NoSigningKey

LINK_REQUESTED = (
    "If this address may sign in here, a sign-in link has been sent to it. "
    "The link works once; check the inbox (and the spam folder)."
)
CODE_REQUESTED = (
    "If this address may sign in here, a sign-in code has been sent to it. "
    "Send it to POST /auth/email-code/verify with the address; it works once."
)


@extend_schema(responses={202: MailRequestedSerializer})
class MagicLinkRequestView(AuthfortAPIView):
    """Mail a single-use sign-in link. Always 202 with the same body."""

    authentication_classes: list = []
    throttle_classes = [throttling.MagicLinkIPThrottle, throttling.MagicLinkEmailThrottle]
    serializer_class = serializers.EmailAddressSerializer
    domain_errors = (account_errors.EmailLinksNotConfigured,)

    def post(self, request: Request) -> Response:
        data = self.validated_body(request)
        passwordless.request_magic_link(email=data["email"], context=request_context(request))
        return mail_requested(LINK_REQUESTED)


@extend_schema(responses=SIGNED_IN_OR_MFA)
class MagicLinkVerifyView(AuthfortAPIView):
    """Sign in with the token of a mailed link (once, within MAGIC_LINK_TTL)."""

    authentication_classes: list = []
    throttle_classes = [throttling.LoginIPThrottle]
    serializer_class = serializers.MagicLinkSignInSerializer
    domain_errors = (
        errors.MagicLinkInvalid, errors.AccountExists, account_errors.EmailNotVerified, NoSigningKey,
        *delivery.SIGN_IN_ERRORS,
    )

    def post(self, request: Request) -> Response:
        answer_in = delivery.for_sign_in(request.data)
        data = self.validated_body(request)
        result = passwordless.verify_magic_link(token=data["token"], context=request_context(request))
        return sign_in_answer(result, delivery=answer_in)


@extend_schema(responses={202: MailRequestedSerializer})
class EmailCodeRequestView(AuthfortAPIView):
    """Mail a single-use numeric sign-in code. Always 202 with the same body."""

    authentication_classes: list = []
    throttle_classes = [throttling.EmailCodeIPThrottle, throttling.EmailCodeEmailThrottle]
    serializer_class = serializers.EmailAddressSerializer

    def post(self, request: Request) -> Response:
        data = self.validated_body(request)
        passwordless.request_email_code(email=data["email"], context=request_context(request))
        return mail_requested(CODE_REQUESTED)


@extend_schema(responses=SIGNED_IN_OR_MFA)
class EmailCodeVerifyView(AuthfortAPIView):
    """Sign in with a mailed code. At most EMAIL_CODE_MAX_ATTEMPTS guesses per code."""

    authentication_classes: list = []
    # Code guesses share the address's login budget, as password guesses do.
    throttle_classes = [throttling.LoginIPThrottle, throttling.LoginAccountThrottle]
    serializer_class = serializers.EmailCodeVerifySerializer
    domain_errors = (
        errors.EmailCodeInvalid, errors.EmailCodeAttemptsExceeded, errors.AccountExists,
        account_errors.EmailNotVerified, NoSigningKey, *delivery.SIGN_IN_ERRORS,
    )

    def post(self, request: Request) -> Response:
        answer_in = delivery.for_sign_in(request.data)
        data = self.validated_body(request)
        result = passwordless.verify_email_code(email=data["email"], code=data["code"], context=request_context(request))
        return sign_in_answer(result, delivery=answer_in)
