"""One error shape for every authfort endpoint: {"detail": ..., "code": ...}.

Validation errors add `errors` with the per-field messages. Domain errors are
answered without marking the transaction for rollback: a refresh-token reuse
must keep the session revocation it committed, even under ATOMIC_REQUESTS.
"""

from __future__ import annotations

from typing import Any

from django.core.exceptions import RequestDataTooBig, TooManyFieldsSent
from rest_framework import exceptions as drf_exceptions
from rest_framework import status
from rest_framework.response import Response
from rest_framework.views import exception_handler as drf_exception_handler

from ..exceptions import AuthfortError


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
        return Response({"detail": exc.detail, "code": exc.code}, status=exc.status_code)
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
