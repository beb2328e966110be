"""Shapes that views build or read by hand, described as serializers for the OpenAPI schema only.

Nothing here validates or renders anything: the views and api/errors.py do that.
Shapes the code renders through a serializer (users, sessions, roles, token pairs)
are in api/serializers.py. Docstrings here are public: they become the schema
components' descriptions.
"""

from __future__ import annotations

from rest_framework import serializers

from authfort_django.api.openapi_extra import one_of
from authfort_django.api.delivery import CHOICES as TOKEN_DELIVERIES
from authfort_django.api.mfa_serializers import MFARequiredSerializer
from authfort_django.api.serializers import CookieSignInSerializer, TokenPairSerializer, UserSerializer


class ErrorSerializer(serializers.Serializer):
    """Every refusal: a message for people and a stable code for programs."""

    detail = serializers.CharField(help_text="What went wrong and what to do.")
    code = serializers.CharField(help_text="Stable machine-readable code, e.g. invalid_credentials.")


class ValidationErrorSerializer(ErrorSerializer):
    """A refused body: `code` is invalid_request and `errors` holds the messages per field."""

    errors = serializers.DictField(
        child=serializers.JSONField(),
        required=False,
        help_text="Per field (or non_field_errors), the list of messages.",
    )


class AwaitingVerificationSerializer(serializers.Serializer):
    """Registered under REQUIRE_VERIFIED_EMAIL: the account, and no tokens until its address is verified."""

    user = UserSerializer()
    detail = serializers.CharField(help_text="What to do next: open the mailed link, then log in.")


# Tokens in the body, or (token_delivery "cookie") in cookies and none in the body.
SIGNED_IN = one_of("SignedIn", [TokenPairSerializer, CookieSignInSerializer])
# A first factor's answer: signed in, or the second factor asked for (POST /auth/login/mfa).
SIGNED_IN_OR_MFA = one_of("SignedInOrMFARequired", [TokenPairSerializer, CookieSignInSerializer, MFARequiredSerializer])
REGISTERED = one_of("Registered", [TokenPairSerializer, CookieSignInSerializer, AwaitingVerificationSerializer])


class MailRequestedSerializer(serializers.Serializer):
    detail = serializers.CharField(help_text="The same text whether or not an account uses the address.")


class IntrospectionSerializer(serializers.Serializer):
    """RFC 7662: an inactive token is exactly {"active": false}."""

    active = serializers.BooleanField()
    sub = serializers.CharField(required=False)
    iss = serializers.CharField(required=False)
    aud = serializers.CharField(required=False)
    exp = serializers.IntegerField(required=False)
    iat = serializers.IntegerField(required=False)
    jti = serializers.CharField(required=False)
    sid = serializers.CharField(required=False)
    roles = serializers.ListField(child=serializers.CharField(), required=False)
    amr = serializers.ListField(child=serializers.CharField(), required=False, help_text="RFC 8176 methods.")
    auth_time = serializers.IntegerField(required=False, help_text="When the user authenticated (epoch seconds).")
    token_type = serializers.CharField(required=False)


# Bodies read without a serializer: a wrong value is the flow's answer (401
# refresh_token_malformed, {"active": false}), never a 400 with field errors.


class RefreshSerializer(serializers.Serializer):
    refresh_token = serializers.CharField(
        required=False, help_text="Or send the refresh cookie (then the answer comes in cookies only)."
    )
    token_delivery = serializers.ChoiceField(
        choices=TOKEN_DELIVERIES,
        required=False,
        help_text='A body refresh token is answered in the body unless this is "cookie"; '
        'a refresh cookie only in cookies ("body" is 400 token_delivery_refused).',
    )


class LogoutSerializer(serializers.Serializer):
    refresh_token = serializers.CharField(
        required=False, help_text="Identifies the session when no access token is sent."
    )


class IntrospectSerializer(serializers.Serializer):
    # RFC 7662 calls `token` required; this server answers a missing or empty one with
    # {"active": false} like any other unusable token, and the schema says so.
    token = serializers.CharField(required=False, help_text='Missing or empty: {"active": false}.')
