"""Request bodies in, JSON out. Only fields listed here are read: anything else a
client sends (is_staff, roles, id, token_version, ...) is ignored."""

from __future__ import annotations

import unicodedata
import uuid
from typing import Any

from django.contrib.auth import get_user_model, password_validation
from django.core.exceptions import ValidationError as DjangoValidationError
from rest_framework import serializers

from authfort_django.accounts.users import display_name
from authfort_django.api import delivery
from authfort_django.email_address import InvalidEmailAddress, address_for_new_account
from authfort_django.models import Account, Role, Session, User
from authfort_django.tokens.pairs import TokenPair

TOKEN_DELIVERY_HELP = (
    'Where the tokens go: "cookie" (HttpOnly cookies, no token in the body; cookie mode only) '
    'or "body". Default: "cookie" when cookie mode is on, else "body". Another value: 400 token_delivery_invalid.'
)


def token_delivery_field() -> serializers.ChoiceField:
    """The optional `token_delivery` request field (read by api/delivery.py before validation)."""
    return serializers.ChoiceField(choices=delivery.CHOICES, required=False, help_text=TOKEN_DELIVERY_HELP)


# Long enough for any passphrase, short enough that hashing it is no denial of service.
MAX_PASSWORD_LENGTH = 1024


class UserSerializer(serializers.Serializer):
    """The user as the API shows it, for any AUTH_USER_MODEL. `id` is the `sub` of their
    tokens; `email` the canonical address (null when the account has none)."""

    id = serializers.SerializerMethodField()
    email = serializers.SerializerMethodField()
    email_verified = serializers.SerializerMethodField()
    name = serializers.SerializerMethodField()
    roles = serializers.SerializerMethodField()
    is_staff = serializers.BooleanField(read_only=True, default=False)
    date_joined = serializers.DateTimeField(read_only=True, default=None)

    def get_id(self, user: User) -> uuid.UUID:
        return Account.objects.of(user).sub

    def get_email(self, user: User) -> str | None:
        return Account.objects.of(user).email

    def get_email_verified(self, user: User) -> bool:
        return Account.objects.of(user).email_verified_at is not None

    def get_name(self, user: User) -> str:
        return display_name(user)

    def get_roles(self, user: User) -> list[str]:
        return Account.objects.of(user).role_names()


class RegisterSerializer(serializers.Serializer):
    email = serializers.EmailField(max_length=254)
    password = serializers.CharField(
        max_length=MAX_PASSWORD_LENGTH, write_only=True, trim_whitespace=False
    )
    name = serializers.CharField(max_length=150, required=False, allow_blank=True, default="")
    token_delivery = token_delivery_field()

    def validate_email(self, value: str) -> str:
        try:
            return address_for_new_account(value)
        except InvalidEmailAddress as refused:
            raise serializers.ValidationError(str(refused), code=refused.reason) from None

    def validate_name(self, value: str) -> str:
        if any(unicodedata.category(ch)[0] == "C" for ch in value):
            raise serializers.ValidationError(
                "A name cannot contain line breaks or control characters.", code="invalid"
            )
        return value

    def validate(self, attrs: dict[str, Any]) -> dict[str, Any]:
        model = get_user_model()
        candidate = model(**{model.get_email_field_name(): attrs["email"]})
        try:
            password_validation.validate_password(attrs["password"], user=candidate)
        except DjangoValidationError as exc:
            raise serializers.ValidationError({"password": list(exc.messages)}) from None
        return attrs


class LoginSerializer(serializers.Serializer):
    email = serializers.CharField(max_length=254, trim_whitespace=True)
    password = serializers.CharField(
        max_length=MAX_PASSWORD_LENGTH, write_only=True, trim_whitespace=False
    )
    token_delivery = token_delivery_field()


def refresh_token_in_body(data: Any) -> object:
    """The `refresh_token` member of a JSON object body, as sent (None when absent).

    Deliberately not a serializer field: a wrong type or shape is answered by the
    session layer with 401 `refresh_token_malformed`, like any unusable token.
    """
    if hasattr(data, "get"):
        return data.get("refresh_token")
    return None


class PasswordChangeSerializer(serializers.Serializer):
    """`{old_password, new_password}`; the new one must pass AUTH_PASSWORD_VALIDATORS.

    Needs `context={"user": ...}` (the validators compare it with the user's attributes).
    """

    old_password = serializers.CharField(max_length=MAX_PASSWORD_LENGTH, write_only=True, trim_whitespace=False)
    new_password = serializers.CharField(max_length=MAX_PASSWORD_LENGTH, write_only=True, trim_whitespace=False)

    def validate(self, attrs: dict[str, Any]) -> dict[str, Any]:
        if attrs["new_password"] == attrs["old_password"]:
            raise serializers.ValidationError({"new_password": ["The new password must differ from the current one."]})
        try:
            password_validation.validate_password(attrs["new_password"], user=self.context["user"])
        except DjangoValidationError as exc:
            raise serializers.ValidationError({"new_password": list(exc.messages)}) from None
        return attrs


class SessionSerializer(serializers.ModelSerializer):
    """One of the caller's sessions; `current` marks the one the request's token belongs to."""

    current = serializers.SerializerMethodField()

    class Meta:
        model = Session
        fields = ["id", "created_at", "last_used_at", "expires_at", "user_agent", "ip_address", "current"]
        read_only_fields = fields

    def get_current(self, session: Session) -> bool:
        current = self.context.get("current_session")
        return current is not None and current.pk == session.pk


class RoleSerializer(serializers.ModelSerializer):
    class Meta:
        model = Role
        fields = ["name", "description"]

    # Uniqueness is the flow's answer (409 role_exists), not a 400 from the serializer.
    name = serializers.SlugField(max_length=64)
    description = serializers.CharField(max_length=255, required=False, allow_blank=True, default="")


class TokenPairSerializer(serializers.Serializer):
    """A signed-in answer with the tokens in the body (token_delivery "body")."""

    user = UserSerializer()
    access_token = serializers.CharField(help_text="RS256 JWT (RFC 9068), typ at+jwt.")
    token_type = serializers.ChoiceField(choices=["Bearer"])
    expires_in = serializers.IntegerField(help_text="Seconds the access token is valid.")
    refresh_token = serializers.CharField(help_text="Opaque, single use.")


class CookieSignInSerializer(serializers.Serializer):
    """A signed-in answer with the tokens in HttpOnly cookies (token_delivery "cookie"):
    the body carries no token."""

    user = UserSerializer()
    expires_in = serializers.IntegerField(help_text="Seconds the access token (and its cookie) is valid.")


def token_response(pair: TokenPair, *, in_body: bool) -> dict[str, Any]:
    """The body of register, login, refresh and password-change answers.

    `in_body` False (the tokens went into cookies): the user and `expires_in` only,
    so no page script can read a token. Shaped by the serializers above, so the body
    and its OpenAPI description are one definition.
    """
    if not in_body:
        return CookieSignInSerializer({"user": pair.user, "expires_in": pair.access.expires_in}).data
    body: dict[str, Any] = {
        "user": pair.user,
        "access_token": pair.access.token,
        "token_type": "Bearer",
        "expires_in": pair.access.expires_in,
        "refresh_token": pair.refresh_token,
    }
    return TokenPairSerializer(body).data


# Account recovery and verification (api/views/recovery.py).


class EmailAddressSerializer(serializers.Serializer):
    """`{email}` of a reset or verification request."""

    email = serializers.EmailField(max_length=254)


class AccountTokenSerializer(serializers.Serializer):
    """`{token}` from a mailed link. Its shape is checked by the flow (400 `*_token_invalid`)."""

    token = serializers.CharField(max_length=256, trim_whitespace=True)


class PasswordResetConfirmSerializer(AccountTokenSerializer):
    """`{token, new_password}`; the password validators run once the token names the user."""

    new_password = serializers.CharField(max_length=MAX_PASSWORD_LENGTH, write_only=True, trim_whitespace=False)


# Federated and passwordless sign-in (api/views/federation.py, passwordless.py).


class MagicLinkSignInSerializer(AccountTokenSerializer):
    """`{token}` from a mailed sign-in link."""

    token_delivery = token_delivery_field()


class ExchangeCodeSerializer(serializers.Serializer):
    """`{code}` from the callback's redirect (bearer clients)."""

    code = serializers.CharField(max_length=128)
    token_delivery = token_delivery_field()


class IdTokenSignInSerializer(serializers.Serializer):
    """`{id_token, nonce?}` from a platform SDK (Google Sign-In, Sign in with Apple)."""

    id_token = serializers.CharField(max_length=8192)
    nonce = serializers.CharField(max_length=256, required=False, allow_null=True, default=None)
    token_delivery = token_delivery_field()


class EmailCodeVerifySerializer(serializers.Serializer):
    """`{email, code}`: the code mailed by POST /auth/email-code."""

    email = serializers.EmailField(max_length=254)
    code = serializers.CharField(max_length=16)
    token_delivery = token_delivery_field()


class IdentitySerializer(serializers.Serializer):
    """A provider account that signs the user in."""

    id = serializers.UUIDField(read_only=True)
    provider = serializers.CharField(read_only=True)
    subject = serializers.CharField(read_only=True)
    email = serializers.CharField(read_only=True)
    email_verified = serializers.BooleanField(read_only=True)
    created_at = serializers.DateTimeField(read_only=True)
    last_used_at = serializers.DateTimeField(read_only=True)
