"""One error shape for every authfort endpoint: {"detail": ..., "code": ...}, and the
HTTP status of each domain error.

The domain's errors carry a code and a message but no status: which status says
"refused" is HTTP's business, decided here once (`STATUS_BY_ERROR`, most specific
class first). Validation errors add `errors` with the per-field messages. Domain
errors are answered without marking the transaction for rollback: a
refresh-token reuse must keep the session revocation it committed, even under
ATOMIC_REQUESTS.
"""

from __future__ import annotations

from typing import Any

from django.core.exceptions import RequestDataTooBig, TooManyFieldsSent
from rest_framework import exceptions as drf_exceptions
from rest_framework import status
from rest_framework.response import Response
from rest_framework.views import exception_handler as drf_exception_handler

from authfort_django.accounts import errors as account_errors
from authfort_django.exceptions import AuthfortError
from authfort_django.federation import errors as federation_errors
from authfort_django.keys.store import NoSigningKey
from authfort_django.mfa import errors as mfa_errors
from authfort_django.sessions import errors as session_errors

# Looked up along each error's class hierarchy: a subclass answers as its base
# unless listed itself. Anything unlisted is a 400.
STATUS_BY_ERROR: dict[type[AuthfortError], int] = {
    account_errors.RegistrationClosed: 403,
    account_errors.EmailTaken: 409,
    account_errors.InvalidCredentials: 401,
    account_errors.WrongPassword: 400,
    account_errors.UserNotFound: 404,
    account_errors.CannotBanYourself: 400,
    account_errors.RoleNotFound: 404,
    account_errors.RoleExists: 409,
    account_errors.StaffTargetNeedsStaff: 403,
    account_errors.EmailNotVerified: 403,
    account_errors.EmailAlreadyVerified: 409,
    account_errors.EmailLinksNotConfigured: 503,
    account_errors.AccountTokenError: 400,
    session_errors.RefreshError: 401,
    session_errors.SessionNotFound: 404,
    session_errors.LogoutCredentialsMissing: 401,
    # Multi-factor authentication. A refused factor at sign-in is a 401 like a wrong
    # password; views of signed-in users answer it 403 (their token is fine: api/views/mfa.py).
    mfa_errors.MFATokenError: 401,
    mfa_errors.SecondFactorRefused: 401,
    mfa_errors.MalformedFactor: 400,
    mfa_errors.FactorMissing: 400,
    mfa_errors.FactorNotAvailable: 400,
    mfa_errors.TotpAlreadyEnabled: 409,
    mfa_errors.TotpNotPending: 409,
    mfa_errors.MFANotEnabled: 409,
    mfa_errors.ReauthenticationFailed: 403,
    mfa_errors.PasskeyNotFound: 404,
    mfa_errors.PasskeyRegistrationFailed: 400,
    mfa_errors.PasskeyAlreadyRegistered: 409,
    # An operator's mistake, not the caller's: a 503 that says what to run, never a 500.
    NoSigningKey: 503,
    mfa_errors.TotpUnreadable: 503,
    # Federated and passwordless sign-in (federation/errors.py); anything unlisted there is a 400.
    federation_errors.UnknownProvider: 404,
    federation_errors.ProviderDenied: 401,
    federation_errors.ProviderUnavailable: 503,
    federation_errors.ProviderBadResponse: 502,
    federation_errors.ProviderNotConfigured: 503,
    federation_errors.IdTokenInvalid: 401,
    federation_errors.AccountExists: 409,
    federation_errors.IdentityInUse: 409,
    federation_errors.IdentityNotFound: 404,
    federation_errors.LastSignInMethod: 409,
    federation_errors.LinkNeedsSignIn: 401,
    federation_errors.RegistrationClosedForProvider: 403,
    federation_errors.AccountDisabled: 403,
    federation_errors.EmailCodeInvalid: 401,
}

# A 503 says when to come back (RFC 9110 §10.2.3).
RETRY_AFTER_SECONDS = 30


DOMAIN_CHALLENGE = 'Bearer realm="authfort"'


def status_for(error: AuthfortError) -> int:
    for cls in type(error).__mro__:
        if cls in STATUS_BY_ERROR:
            return STATUS_BY_ERROR[cls]
    return status.HTTP_400_BAD_REQUEST



def _first_code(codes: Any) -> str:
    if isinstance(codes, str):
        return codes
    if isinstance(codes, dict):
        for value in codes.values():
            return _first_code(value)
    if isinstance(codes, list) and codes:
        return _first_code(codes[0])
    return "invalid"


# Raised by Django while DRF parses the body; left alone they become Django's HTML 400.
_BODY_LIMITS: dict[type[Exception], tuple[int, str, str]] = {
    RequestDataTooBig: (
        413,
        "request_too_large",
        "The request body is larger than this server accepts (DATA_UPLOAD_MAX_MEMORY_SIZE). "
        "Send only the documented fields.",
    ),
    TooManyFieldsSent: (
        400,
        "too_many_fields",
        "The request body has more fields than this server accepts. Send only the documented fields.",
    ),
}


def authfort_exception_handler(exc: Exception, context: dict[str, Any]) -> Response | None:
    if isinstance(exc, AuthfortError):
        response = Response({"detail": exc.detail, "code": exc.code}, status=status_for(exc))
        if response.status_code == status.HTTP_401_UNAUTHORIZED:
            # RFC 9110 §15.5.2: every 401 names a scheme. Refused passwords and refresh tokens
            # are not a Bearer token's failure, so the challenge carries no error code.
            response["WWW-Authenticate"] = DOMAIN_CHALLENGE
        elif response.status_code == status.HTTP_503_SERVICE_UNAVAILABLE:
            response["Retry-After"] = str(RETRY_AFTER_SECONDS)
        return response
    for limit, (status_code, code, detail) in _BODY_LIMITS.items():
        if isinstance(exc, limit):
            return Response({"detail": detail, "code": code}, status=status_code)
    if isinstance(exc, drf_exceptions.ValidationError):
        errors = exc.detail if isinstance(exc.detail, dict) else {"non_field_errors": exc.detail}
        return Response(
            {
                "detail": "The request body is invalid; see `errors` for each field.",
                "code": "invalid_request",
                "errors": errors,
            },
            status=status.HTTP_400_BAD_REQUEST,
        )
    response = drf_exception_handler(exc, context)
    if response is None:
        return None
    if isinstance(exc, drf_exceptions.APIException):
        detail = exc.detail
        code = _first_code(exc.get_codes())
        response.data = {"detail": str(detail) if not isinstance(detail, (dict, list)) else detail, "code": code}
        if isinstance(exc, drf_exceptions.Throttled) and exc.wait is not None:
            response.data["detail"] = (
                f"Too many requests. Try again in {int(exc.wait) + 1} seconds."
            )
    return response
