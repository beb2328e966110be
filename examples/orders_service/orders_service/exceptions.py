"""Error bodies as `{"detail": ..., "code": ...}`, like the auth server and the Flask example.

DRF renders `{"detail": ...}` alone; the code (`not_authenticated`, `missing_role`,
`csrf_failed`, `token_expired`, ...) lets a client tell "log in again" from
"ask for the role" without parsing English.
"""

from __future__ import annotations

from typing import Any

from rest_framework.exceptions import APIException
from rest_framework.response import Response
from rest_framework.views import exception_handler as drf_exception_handler


def exception_handler(exc: Exception, context: dict[str, Any]) -> Response | None:
    response = drf_exception_handler(exc, context)
    if response is None or not isinstance(exc, APIException) or not isinstance(response.data, dict):
        return response
    codes = exc.get_codes()
    if "code" not in response.data and isinstance(codes, str):
        response.data["code"] = codes
    return response
