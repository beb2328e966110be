"""Request and answer bodies of multi-factor authentication (api/views/mfa.py).

Factors are read as sent: their shape is the domain's business (400
`invalid_code_format` / `passkey_malformed`), so fields here only bound sizes.
"""

from __future__ import annotations

from typing import Any

from rest_framework import serializers

from authfort_django.api.serializers import MAX_PASSWORD_LENGTH, token_delivery_field
from authfort_django.models import Passkey

_CODE = {"max_length": 64, "required": False, "allow_blank": True, "trim_whitespace": True}
_TOKEN = {"max_length": 200, "trim_whitespace": True}


class CodeSerializer(serializers.Serializer):
    code = serializers.CharField(max_length=64, help_text="The current 6-digit code of the authenticator app.")


class ReauthenticationSerializer(serializers.Serializer):
    """Proof that it is the user: the current `password`, or a current TOTP `code`."""

    password = serializers.CharField(
        max_length=MAX_PASSWORD_LENGTH, required=False, allow_blank=True, trim_whitespace=False, write_only=True
    )
    code = serializers.CharField(**_CODE)


class LoginSecondFactorSerializer(serializers.Serializer):
    """`{mfa_token}` and exactly one of `code`, `recovery_code`, `passkey`."""

    mfa_token = serializers.CharField(**_TOKEN)
    code = serializers.CharField(**_CODE, help_text="A code of the authenticator app.")
    recovery_code = serializers.CharField(**_CODE, help_text="One of the saved recovery codes (single use).")
    passkey = serializers.JSONField(
        required=False, help_text="A WebAuthn assertion (PublicKeyCredential.toJSON()) over `passkey_options`."
    )
    token_delivery = token_delivery_field()


class StepUpSerializer(serializers.Serializer):
    """`{code}`, or `{passkey, challenge_token}` (options from POST /auth/passkeys/login/options)."""

    code = serializers.CharField(**_CODE)
    passkey = serializers.JSONField(required=False)
    challenge_token = serializers.CharField(**_TOKEN, required=False)


class PasskeyRegisterSerializer(serializers.Serializer):
    credential = serializers.JSONField(help_text="The new credential, as PublicKeyCredential.toJSON() gives it.")
    name = serializers.CharField(max_length=64, required=False, allow_blank=True, default="")


class PasskeyLoginOptionsSerializer(serializers.Serializer):
    """An empty body: the options never depend on an address (see the view)."""


class PasskeyLoginSerializer(serializers.Serializer):
    challenge_token = serializers.CharField(**_TOKEN)
    credential = serializers.JSONField(help_text="The assertion, as PublicKeyCredential.toJSON() gives it.")
    token_delivery = token_delivery_field()


# Answers.


class MFAStatusSerializer(serializers.Serializer):
    totp = serializers.BooleanField(help_text="An authenticator app is set up and confirmed.")
    passkeys = serializers.IntegerField(help_text="How many passkeys are registered.")
    recovery_codes_left = serializers.IntegerField()


class TotpSetupSerializer(serializers.Serializer):
    secret = serializers.CharField(help_text="Base32, for typing into the app; shown once.")
    otpauth_uri = serializers.CharField(help_text="otpauth://totp/... for a QR code.")


class RecoveryCodesSerializer(serializers.Serializer):
    recovery_codes = serializers.ListField(child=serializers.CharField(), help_text="Ten single-use codes, shown once.")


class MFARequiredSerializer(serializers.Serializer):
    """The password was right; complete the login at POST /auth/login/mfa. No tokens yet."""

    mfa_required = serializers.BooleanField(help_text="Always true.")
    mfa_token = serializers.CharField(help_text="Opaque, single use, for this login attempt only.")
    methods = serializers.ListField(child=serializers.ChoiceField(choices=["totp", "passkey", "recovery_code"]))
    expires_in = serializers.IntegerField(help_text="Seconds the mfa_token stays usable.")
    passkey_options = serializers.JSONField(
        required=False, help_text="WebAuthn request options ({publicKey}) when `methods` has passkey."
    )


def mfa_required_body(result: Any) -> dict[str, Any]:
    body: dict[str, Any] = {
        "mfa_required": True,
        "mfa_token": result.mfa_token,
        "methods": result.methods,
        "expires_in": result.expires_in,
    }
    if result.passkey_options is not None:
        body["passkey_options"] = {"publicKey": result.passkey_options}
    return body


class PasskeySerializer(serializers.ModelSerializer):
    class Meta:
        model = Passkey
        fields = ["id", "name", "created_at", "last_used_at", "backed_up", "transports"]
        read_only_fields = fields


class PasskeyRegisteredSerializer(serializers.Serializer):
    passkey = PasskeySerializer()
    recovery_codes = serializers.ListField(
        child=serializers.CharField(), required=False, help_text="Only with the account's first factor; shown once."
    )


class CreationOptionsSerializer(serializers.Serializer):
    publicKey = serializers.JSONField(help_text="PublicKeyCredentialCreationOptions in their JSON form.")  # noqa: N815


class RequestOptionsSerializer(serializers.Serializer):
    challenge_token = serializers.CharField(help_text="Send it back with the assertion; single use, 5 minutes.")
    publicKey = serializers.JSONField(help_text="PublicKeyCredentialRequestOptions in their JSON form.")  # noqa: N815
