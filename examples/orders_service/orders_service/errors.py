"""Django's own error pages as JSON `{"detail", "code"}`, like every other answer here.

DRF answers the errors raised inside its views; these are the ones Django raises
before or outside them: an unknown URL (404), a Host header outside ALLOWED_HOSTS
(400), an unhandled exception (500). Without them a client would get an HTML page.
Named in urls.py as handler400/403/404/500; Django uses them when DEBUG is off.
"""

from __future__ import annotations

from django.http import HttpRequest, JsonResponse


def _error(status: int, code: str, detail: str) -> JsonResponse:
    return JsonResponse({"detail": detail, "code": code}, status=status)


def bad_request(request: HttpRequest, exception: Exception) -> JsonResponse:
    # The exception's message may quote the request (e.g. the refused Host): not echoed.
    return _error(400, "bad_request", "The request could not be understood; check its Host header and syntax.")


def permission_denied(request: HttpRequest, exception: Exception) -> JsonResponse:
    return _error(403, "permission_denied", "You may not do this.")


def not_found(request: HttpRequest, exception: Exception) -> JsonResponse:
    return _error(404, "not_found", "There is nothing at this path; the endpoints are listed in examples/README.md.")


def server_error(request: HttpRequest) -> JsonResponse:
    return _error(500, "server_error", "Something went wrong on our side; try again later.")
