"""Password reset and email verification endpoints. Thin: parse, call the flow, shape the answer.

A request for a mail always answers 202 with the same body, whether or not an
account uses the address, so the endpoint cannot be used to find out who has one.
"""

from __future__ import annotations

from django.core.exceptions import ValidationError as DjangoValidationError
from rest_framework import serializers as drf_serializers
from rest_framework.request import Request
from rest_framework.response import Response

from authfort_django.accounts import email_verification, password_reset
from authfort_django.accounts import errors as account_errors
from authfort_django.api import serializers, throttling
from authfort_django.api.client import request_context
from authfort_django.api.openapi_extra import extend_schema
from authfort_django.api.schema_serializers import MailRequestedSerializer
from authfort_django.api.views.base import AuthfortAPIView, mail_requested, no_content

RESET_REQUESTED = (
    "If an active account uses this address, a link to reset its password has been sent to it. "
    "The link works once; check the inbox (and the spam folder)."
)
VERIFICATION_REQUESTED = (
    "If this address belongs to an active account that is not verified yet, a verification link "
    "has been sent to it. The link works once; check the inbox (and the spam folder)."
)


@extend_schema(responses={202: MailRequestedSerializer})
class PasswordResetRequestView(AuthfortAPIView):
    """Mail a password-reset link.

    Always 202 with the same body, whether or not an active account uses the address;
    a link is mailed only to an active account.
    """

    authentication_classes: list = []
    throttle_classes = [throttling.PasswordResetIPThrottle, throttling.PasswordResetEmailThrottle]
    serializer_class = serializers.EmailAddressSerializer
    domain_errors = (account_errors.EmailLinksNotConfigured,)

    def post(self, request: Request) -> Response:
        data = self.validated_body(request)
        password_reset.request_password_reset(email=data["email"], context=request_context(request))
        return mail_requested(RESET_REQUESTED)


@extend_schema(responses={204: None})
class PasswordResetConfirmView(AuthfortAPIView):
    """Set a new password with a mailed reset token.

    Every session and access token of the user ends; the token works once.
    """

    authentication_classes: list = []
    throttle_classes = [throttling.PasswordResetConfirmThrottle]
    serializer_class = serializers.PasswordResetConfirmSerializer
    domain_errors = (account_errors.ResetTokenError,)

    def post(self, request: Request) -> Response:
        data = self.validated_body(request)
        try:
            password_reset.confirm_password_reset(**data, context=request_context(request))
        except DjangoValidationError as exc:
            raise drf_serializers.ValidationError({"new_password": list(exc.messages)}) from None
        return no_content()


@extend_schema(responses={202: MailRequestedSerializer})
class VerifyEmailRequestView(AuthfortAPIView):
    """Mail an email-verification link.

    With an access token: to the caller's address (email_already_verified if it is).
    Without one: `{email}`, always 202 with the same body, the way back for an account
    that AUTHFORT_REQUIRE_VERIFIED_EMAIL keeps from logging in.
    """

    throttle_classes = [throttling.VerifyEmailIPThrottle, throttling.VerifyEmailAccountThrottle]
    serializer_class = serializers.EmailAddressSerializer
    domain_errors = (account_errors.EmailAlreadyVerified, account_errors.EmailLinksNotConfigured)

    def post(self, request: Request) -> Response:
        if request.user.is_authenticated:
            email_verification.request_email_verification(user=request.user, context=request_context(request))
            return mail_requested(VERIFICATION_REQUESTED)
        data = self.validated_body(request)
        email_verification.request_email_verification(email=data["email"], context=request_context(request))
        return mail_requested(VERIFICATION_REQUESTED)


@extend_schema(responses={204: None})
class VerifyEmailView(AuthfortAPIView):
    """Verify the email address with a mailed token.

    Access tokens issued from now on carry `email_verified: true`.
    """

    authentication_classes: list = []
    throttle_classes = [throttling.VerifyEmailConfirmThrottle]
    serializer_class = serializers.AccountTokenSerializer
    domain_errors = (account_errors.VerificationTokenError,)

    def post(self, request: Request) -> Response:
        data = self.validated_body(request)
        email_verification.verify_email(**data, context=request_context(request))
        return no_content()
