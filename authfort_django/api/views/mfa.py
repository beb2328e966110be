"""Multi-factor authentication: TOTP, recovery codes, passkeys, the login's second step, step-up.

A login of a user with a second factor answers 200 `{mfa_required: true, mfa_token,
methods}` without tokens (accounts.LoginView); POST /auth/login/mfa completes it.
A factor refused at sign-in is a 401; the same refusal to a signed-in user (whose
token is fine) is a 403 with the same code.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

from rest_framework import exceptions, status
from rest_framework.permissions import IsAuthenticated
from rest_framework.request import Request
from rest_framework.response import Response

from authfort_django.accounts import login
from authfort_django.accounts.errors import EmailNotVerified, InvalidCredentials
from authfort_django.api import mfa_serializers as bodies
from authfort_django.api import delivery, throttling
from authfort_django.api.client import request_context
from authfort_django.api.openapi_extra import extend_schema
from authfort_django.api.schema_serializers import SIGNED_IN, SIGNED_IN_OR_MFA
from authfort_django.api.views.base import AuthfortAPIView, no_content, no_store, sign_in_answer, token_answer
from authfort_django.keys.store import NoSigningKey
from authfort_django.mfa import errors, passkeys, state, totp
from authfort_django.mfa.step_up import step_up
from authfort_django.mfa.verification import reauthenticate

_SIGN_IN_REFUSALS = (
    errors.MFATokenInvalid, errors.MFATokenExpired, errors.MFATokenUsed, errors.MFAAttemptsExceeded,
    errors.InvalidCode, errors.CodeReplayed, errors.RecoveryCodeInvalid, errors.RecoveryCodeUsed,
    errors.PasskeyRefused, errors.PasskeyUnknown, errors.PasskeyWrongRelyingParty, errors.PasskeyWrongOrigin,
    errors.PasskeyCounterRegressed, errors.MalformedCode, errors.MalformedPasskey, errors.FactorMissing,
)


@contextmanager
def _signed_in() -> Iterator[None]:
    """A refused factor of a signed-in user: 403 with the factor's code (a 401 would say the token is bad)."""
    try:
        yield
    except errors.SecondFactorRefused as refused:
        raise exceptions.PermissionDenied(refused.detail, refused.code) from None


@extend_schema(responses=bodies.MFAStatusSerializer)
class MFAStatusView(AuthfortAPIView):
    """The caller's second factors."""

    allowed_before_mfa_setup = True
    permission_classes = [IsAuthenticated]

    def get(self, request: Request) -> Response:
        current = state.status(request.user)
        return no_store(Response(bodies.MFAStatusSerializer(current).data))


@extend_schema(responses=bodies.TotpSetupSerializer)
class TotpSetupView(AuthfortAPIView):
    """Start setting up an authenticator app.

    Answers the secret and an otpauth:// URI (for a QR code). Nothing changes for the
    login until POST /auth/mfa/totp/confirm proves the app shows the right codes.
    """

    allowed_before_mfa_setup = True
    permission_classes = [IsAuthenticated]
    domain_errors = (errors.TotpAlreadyEnabled,)

    def post(self, request: Request) -> Response:
        pending = totp.start_setup(request.user)
        return no_store(Response({"secret": pending.secret, "otpauth_uri": pending.otpauth_uri}))


@extend_schema(responses=bodies.RecoveryCodesSerializer)
class TotpConfirmView(AuthfortAPIView):
    """Enable the authenticator app with its current code.

    Answers ten recovery codes, shown once: each signs in once when the app is lost.
    """

    allowed_before_mfa_setup = True
    permission_classes = [IsAuthenticated]
    throttle_classes = [throttling.PasswordChangeThrottle]
    serializer_class = bodies.CodeSerializer
    domain_errors = (errors.TotpNotPending, errors.TotpAlreadyEnabled, errors.MalformedCode)

    def post(self, request: Request) -> Response:
        data = self.validated_body(request)
        with _signed_in():
            codes = state.enable_totp(
                request.user, data["code"], session=request.authfort_session, context=request_context(request)
            )
        return no_store(Response({"recovery_codes": codes}))


@extend_schema(request=bodies.ReauthenticationSerializer, responses={204: None})
class TotpView(AuthfortAPIView):
    """Remove the authenticator app.

    Needs the current `password` or a current `code`. Every other session of the
    caller ends.
    """

    permission_classes = [IsAuthenticated]
    throttle_classes = [throttling.PasswordChangeThrottle]
    serializer_class = bodies.ReauthenticationSerializer
    domain_errors = (errors.ReauthenticationFailed, errors.MFANotEnabled)

    def delete(self, request: Request) -> Response:
        data = self.validated_body(request)
        context = request_context(request)
        session = request.authfort_session
        reauthenticate(request.user, **data, session=session, context=context)
        state.disable_totp(request.user, session=session, context=context)
        return no_content()


@extend_schema(responses=bodies.RecoveryCodesSerializer)
class RecoveryCodesView(AuthfortAPIView):
    """Replace the recovery codes with ten new ones (shown once).

    Needs the current `password` or a current `code`; every earlier code stops working.
    """

    permission_classes = [IsAuthenticated]
    throttle_classes = [throttling.PasswordChangeThrottle]
    serializer_class = bodies.ReauthenticationSerializer
    domain_errors = (errors.ReauthenticationFailed, errors.MFANotEnabled)

    def post(self, request: Request) -> Response:
        data = self.validated_body(request)
        context = request_context(request)
        session = request.authfort_session
        reauthenticate(request.user, **data, session=session, context=context)
        codes = state.regenerate_recovery_codes(request.user, session=session, context=context)
        return no_store(Response({"recovery_codes": codes}))


@extend_schema(responses=SIGNED_IN)
class LoginSecondFactorView(AuthfortAPIView):
    """Complete a login that answered `mfa_required`.

    Send the `mfa_token` with exactly one factor: `code`, `recovery_code` or `passkey`.
    Each mfa_token works once, for 5 minutes, and allows 5 tries; every try also counts
    against the account's login budget. The answer is the usual token pair (and cookies
    in cookie mode).
    """

    authentication_classes: list = []
    throttle_classes = [throttling.LoginIPThrottle, throttling.SecondFactorAccountThrottle]
    serializer_class = bodies.LoginSecondFactorSerializer
    domain_errors = (
        *_SIGN_IN_REFUSALS, errors.FactorNotAvailable, InvalidCredentials, NoSigningKey, *delivery.SIGN_IN_ERRORS
    )

    def post(self, request: Request) -> Response:
        answer_in = delivery.for_sign_in(request.data)
        data = self.validated_body(request)
        data.pop(delivery.FIELD, None)
        pair = login.login_second_factor(**data, context=request_context(request))
        return token_answer(pair, delivery=answer_in)


@extend_schema(responses=SIGNED_IN)
class StepUpView(AuthfortAPIView):
    """Prove a second factor again and get a fresh pair for this session.

    Send `{code}`, or `{passkey, challenge_token}` with options from
    POST /auth/passkeys/login/options. The new access token's `amr` gains the factor
    and its `auth_time` is now; the session's earlier refresh token is retired.
    """

    permission_classes = [IsAuthenticated]
    throttle_classes = [throttling.PasswordChangeThrottle]
    serializer_class = bodies.StepUpSerializer
    domain_errors = (errors.FactorMissing, errors.FactorNotAvailable, errors.MalformedCode, errors.MalformedPasskey,
                     errors.ChallengeInvalid, NoSigningKey)

    def post(self, request: Request) -> Response:
        data = self.validated_body(request)
        with _signed_in():
            pair = step_up(request.user, request.authfort_session, **data, context=request_context(request))
        # As the request authenticated: a cookie client's body never carries the new tokens.
        return token_answer(pair, delivery=delivery.for_authenticated(request))


# Passkeys.


@extend_schema(request=None, responses=bodies.CreationOptionsSerializer)
class PasskeyRegisterOptionsView(AuthfortAPIView):
    """WebAuthn creation options for a new passkey of the caller.

    Pass `publicKey` to navigator.credentials.create() (or
    PublicKeyCredential.parseCreationOptionsFromJSON); the challenge lasts 5 minutes.
    """

    allowed_before_mfa_setup = True
    permission_classes = [IsAuthenticated]

    def post(self, request: Request) -> Response:
        return no_store(Response({"publicKey": passkeys.registration_options(request.user)}))


@extend_schema(responses={201: bodies.PasskeyRegisteredSerializer})
class PasskeyRegisterView(AuthfortAPIView):
    """Register the passkey the browser created.

    With the account's first factor the answer also holds ten recovery codes (shown once).
    """

    allowed_before_mfa_setup = True
    permission_classes = [IsAuthenticated]
    serializer_class = bodies.PasskeyRegisterSerializer
    domain_errors = (errors.PasskeyRegistrationFailed, errors.PasskeyAlreadyRegistered, errors.MalformedPasskey,
                     errors.ChallengeInvalid)

    def post(self, request: Request) -> Response:
        data = self.validated_body(request)
        passkey, codes = state.add_passkey(
            request.user, data["credential"], name=data.get("name", ""),
            session=request.authfort_session, context=request_context(request),
        )
        body: dict = {"passkey": bodies.PasskeySerializer(passkey).data}
        if codes is not None:
            body["recovery_codes"] = codes
        return no_store(Response(body, status=status.HTTP_201_CREATED))


@extend_schema(responses=bodies.PasskeySerializer(many=True))
class PasskeyListView(AuthfortAPIView):
    """The caller's passkeys."""

    allowed_before_mfa_setup = True
    permission_classes = [IsAuthenticated]

    def get(self, request: Request) -> Response:
        return no_store(Response(bodies.PasskeySerializer(passkeys.listing(request.user), many=True).data))


@extend_schema(responses={204: None})
class PasskeyDetailView(AuthfortAPIView):
    """Remove one of the caller's passkeys.

    Every other session of the caller ends.
    """

    permission_classes = [IsAuthenticated]
    domain_errors = (errors.PasskeyNotFound,)

    def delete(self, request: Request, passkey_id: str) -> Response:
        state.remove_passkey(
            request.user, passkey_id, session=request.authfort_session, context=request_context(request)
        )
        return no_content()


@extend_schema(responses=bodies.RequestOptionsSerializer)
class PasskeyLoginOptionsView(AuthfortAPIView):
    """WebAuthn request options for a passwordless sign-in (or a step-up).

    Without an access token any discoverable passkey may answer (the request names no
    account, so the answer tells nothing about who has one). With one (a step-up),
    the options list the signed-in user's passkeys. Send the assertion with the
    `challenge_token` to POST /auth/passkeys/login, or to POST /auth/step-up.
    """

    # With a token it lists the caller's passkeys: a user who must set one up has none,
    # so the answer is the anonymous one.
    allowed_before_mfa_setup = True
    throttle_classes = [throttling.LoginIPThrottle]
    serializer_class = bodies.PasskeyLoginOptionsSerializer

    def post(self, request: Request) -> Response:
        self.validated_body(request)
        signed_in = request.user if request.user.is_authenticated else None
        options, challenge_token = login.passkey_login_options(user=signed_in)
        return no_store(Response({"challenge_token": challenge_token, "publicKey": options}))


@extend_schema(responses=SIGNED_IN_OR_MFA)
class PasskeyLoginView(AuthfortAPIView):
    """Sign in with a passkey, without a password.

    The passkey must verify the user (PIN or biometric); the token's `amr` then says
    `hwk` (or `swk` for a synced passkey) and `mfa`.
    """

    authentication_classes: list = []
    throttle_classes = [throttling.LoginIPThrottle]
    serializer_class = bodies.PasskeyLoginSerializer
    domain_errors = (errors.ChallengeInvalid, errors.PasskeyRefused, errors.PasskeyUnknown,
                     errors.PasskeyWrongRelyingParty, errors.PasskeyWrongOrigin, errors.PasskeyCounterRegressed,
                     errors.MalformedPasskey, InvalidCredentials, EmailNotVerified, NoSigningKey,
                     *delivery.SIGN_IN_ERRORS)

    def post(self, request: Request) -> Response:
        answer_in = delivery.for_sign_in(request.data)
        data = self.validated_body(request)
        data.pop(delivery.FIELD, None)
        result = login.login_with_passkey(**data, context=request_context(request))
        return sign_in_answer(result, delivery=answer_in)
