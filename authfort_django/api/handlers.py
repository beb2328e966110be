"""Django's error views, answering like every authfort endpoint: JSON `{"detail", "code"}`.

DRF views already answer their own errors (authfort_django/api/errors.py). These
cover what happens outside them: a path no URL matches, a Host header that is not
in ALLOWED_HOSTS (DisallowedHost, answered by the 400 handler), a PermissionDenied
from a plain view, and an exception no view caught. Point the project's root URLconf
at them:

    handler400 = "authfort_django.api.handlers.bad_request"
    handler403 = "authfort_django.api.handlers.permission_denied"
    handler404 = "authfort_django.api.handlers.not_found"
    handler500 = "authfort_django.api.handlers.server_error"

Django calls them only without DEBUG (with it, its debug pages answer). The body never
echoes the exception: its message can hold a path, a host name or worse, and the
500's traceback stays in the server's log, joined to the response by X-Request-ID.
"""

from __future__ import annotations

from django.http import HttpRequest, JsonResponse


def _error(status: int, code: str, detail: str) -> JsonResponse:
    return JsonResponse({"detail": detail, "code": code}, status=status)


def bad_request(request: HttpRequest, exception: Exception | None = None) -> JsonResponse:
    return _error(
        400,
        "bad_request",
        "The server could not accept this request. Check the URL and the Host header: "
        "this server answers only for the host names it is configured with.",
    )


def permission_denied(request: HttpRequest, exception: Exception | None = None) -> JsonResponse:
    return _error(403, "permission_denied", "You do not have permission to do this.")


def not_found(request: HttpRequest, exception: Exception | None = None) -> JsonResponse:
    return _error(404, "not_found", "Nothing is served at this URL. Check the path, including a trailing slash.")


def server_error(request: HttpRequest) -> JsonResponse:
    return _error(
        500,
        "server_error",
        "The server failed to answer this request. Try again later; if it keeps failing, "
        "report the X-Request-ID header of this response.",
    )
