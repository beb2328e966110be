"""Request bodies in, JSON out. Only fields listed here are read: anything else a
client sends (is_staff, roles, id, token_version, ...) is ignored."""

from __future__ import annotations

from typing import Any

from django.contrib.auth import password_validation
from django.core.exceptions import ValidationError as DjangoValidationError
from rest_framework import serializers

from ..flows import TokenPair
from ..models import User

# Long enough for any passphrase, short enough that hashing it is no denial of service.
MAX_PASSWORD_LENGTH = 1024


class UserSerializer(serializers.ModelSerializer):
    roles = serializers.SerializerMethodField()

    class Meta:
        model = User
        fields = ["id", "email", "name", "roles", "is_staff", "date_joined"]
        read_only_fields = fields

    def get_roles(self, user: User) -> list[str]:
        return user.role_names()


class RegisterSerializer(serializers.Serializer):
    email = serializers.EmailField(max_length=254)
    password = serializers.CharField(
        max_length=MAX_PASSWORD_LENGTH, write_only=True, trim_whitespace=False
    )
    name = serializers.CharField(max_length=150, required=False, allow_blank=True, default="")

    def validate_email(self, value: str) -> str:
        return User.objects.normalize_email(value.strip())

    def validate(self, attrs: dict[str, Any]) -> dict[str, Any]:
        candidate = User(email=attrs["email"], name=attrs.get("name", ""))
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


class RefreshSerializer(serializers.Serializer):
    refresh_token = serializers.CharField(max_length=512, required=False, allow_blank=True)


def token_response(pair: TokenPair) -> dict[str, Any]:
    """The body of register, login and refresh answers."""
    return {
        "user": UserSerializer(pair.user).data,
        "access_token": pair.access.token,
        "token_type": "Bearer",
        "expires_in": pair.access.expires_in,
        "refresh_token": pair.refresh_token,
    }
