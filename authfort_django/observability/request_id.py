"""Give every request an id, echo it as `X-Request-ID`, and scope its log context.

    MIDDLEWARE = ["authfort_django.request_id.RequestIdMiddleware", ...]   (first)

A caller's (or proxy's) `X-Request-ID` is kept when it is a sane short token, so
one id follows a request across services; anything else (too long, spaces,
control characters, quotes that could forge log fields) is replaced by a fresh
random id. The middleware also notes the secrets the request carries (the
Authorization credential, cookies, password and token fields of a JSON or form
body) so the log filters can blank them wherever they might show up.
"""

from __future__ import annotations

import json
import re
import uuid
from collections.abc import Callable
from typing import Any

from django.core.signals import request_finished
from django.dispatch import receiver
from django.http import HttpRequest, HttpResponse, QueryDict

from authfort_django.observability import context as log_context

HEADER = "X-Request-ID"
_SANE_ID = re.compile(r"[A-Za-z0-9][A-Za-z0-9._:-]{0,127}")
SECRET_FIELDS = ("password", "old_password", "new_password", "token", "access_token", "refresh_token")
# Bodies larger than this are not scanned (ours are small; a huge one is refused by the view anyway).
_MAX_SCANNED_BODY = 64 * 1024


def request_id_from(request: HttpRequest) -> str:
    """The caller's X-Request-ID if it is sane, else a new random one."""
    offered = request.META.get("HTTP_X_REQUEST_ID", "")
    if _SANE_ID.fullmatch(offered):
        return offered
    return uuid.uuid4().hex


def _body_secrets(request: HttpRequest) -> list[Any]:
    try:
        length = int(request.META.get("CONTENT_LENGTH") or 0)
    except ValueError:
        return []
    if not 0 < length <= _MAX_SCANNED_BODY:
        return []
    try:
        if request.content_type == "application/json":
            body = json.loads(request.body)
            return [body.get(name) for name in SECRET_FIELDS] if isinstance(body, dict) else []
        if request.content_type == "application/x-www-form-urlencoded":
            form = QueryDict(request.body)
            return [form.get(name) for name in SECRET_FIELDS]
    except Exception:  # noqa: BLE001 - a body we cannot read is the view's to refuse, not ours
        return []
    return []


def _request_secrets(request: HttpRequest) -> list[Any]:
    # request.body is cached by Django and replayed to the parsers, so reading it here is safe.
    _, _, credentials = request.META.get("HTTP_AUTHORIZATION", "").partition(" ")
    return [credentials.strip(), *request.COOKIES.values(), *_body_secrets(request)]


class RequestIdMiddleware:
    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        request_id = request_id_from(request)
        request.request_id = request_id  # type: ignore[attr-defined]
        # Not a `with` block: Django logs 4xx/5xx answers ("Unauthorized: /auth/me") after
        # every middleware has returned, and those lines need the id too. The context
        # ends when the response is closed (request_finished), see end_request_context.
        log_context.begin(request_id=request_id)
        log_context.note_secrets(_request_secrets(request))
        response = self.get_response(request)
        response[HEADER] = request_id
        return response


@receiver(request_finished)
def end_request_context(**kwargs: Any) -> None:
    log_context.end()
