"""Proof that no log line written during the suite holds a password or a token.

`SecretCollectorMiddleware` (installed by tests/settings.py) notes every secret
that crosses the API in-process: passwords in request bodies, bearer tokens in
Authorization headers and cookies, access and refresh tokens in responses.
`LogRecorder` keeps every log line the suite writes. At the end of the session
conftest.py fails the run if any line contains any noted secret.
"""

from __future__ import annotations

import base64
import json
import logging
from collections.abc import Callable, Iterable
from typing import Any

from django.core.exceptions import RequestDataTooBig, TooManyFieldsSent
from django.http import QueryDict

SECRET_FIELDS = (
    "password", "old_password", "new_password", "token", "access_token", "refresh_token",
    "client_secret", "client_assertion",
)
MIN_SECRET_LENGTH = 8
MIN_DISTINCT_CHARACTERS = 5

seen_secrets: set[str] = set()
log_lines: list[str] = []


def _note(value: Any) -> None:
    # Dummy values such as "x" * 43 are not secrets and would match inside other
    # tests' filler; every real password or token has some variety.
    if isinstance(value, str) and len(value) >= MIN_SECRET_LENGTH and len(set(value)) >= MIN_DISTINCT_CHARACTERS:
        seen_secrets.add(value)


def _note_json_fields(raw: bytes) -> None:
    try:
        body = json.loads(raw)
    except (ValueError, UnicodeDecodeError, RecursionError):  # deep nesting: the view answers 400
        return
    if isinstance(body, dict):
        for field in SECRET_FIELDS:
            _note(body.get(field))


def _body(request: Any) -> bytes:
    """The raw body; empty when it is over Django's cap (the view answers that with 413)."""
    try:
        return request.body
    except RequestDataTooBig:
        return b""


class SecretCollectorMiddleware:
    def __init__(self, get_response: Callable[[Any], Any]) -> None:
        self.get_response = get_response

    def __call__(self, request: Any) -> Any:
        # Only request.body, which Django caches and replays: reading request.POST here
        # would consume the stream and change how the view parses the request.
        if request.content_type == "application/json":
            _note_json_fields(_body(request))
        elif request.content_type == "application/x-www-form-urlencoded":
            try:
                form = QueryDict(_body(request))
            except TooManyFieldsSent:  # the view answers 400 too_many_fields
                form = QueryDict()
            for field in SECRET_FIELDS:
                _note(form.get(field))
        scheme, _, credentials = request.META.get("HTTP_AUTHORIZATION", "").partition(" ")
        _note(credentials.strip())
        if scheme.lower() == "basic":  # a client's id:secret (RFC 6749 §2.3.1)
            try:
                _note(base64.b64decode(credentials.strip()).decode().partition(":")[2])
            except ValueError:
                pass
        for value in request.COOKIES.values():
            _note(value)
        response = self.get_response(request)
        if response.get("Content-Type", "").startswith("application/json") and not response.streaming:
            _note_json_fields(response.content)
        for morsel in response.cookies.values():
            _note(morsel.value)
        return response


class LogRecorder(logging.Handler):
    """Keeps the full text of every record: message, arguments and traceback."""

    def __init__(self) -> None:
        super().__init__(level=logging.DEBUG)
        self.setFormatter(logging.Formatter("%(name)s %(levelname)s %(message)s"))

    def emit(self, record: logging.LogRecord) -> None:
        try:
            log_lines.append(self.format(record))
        except Exception:  # noqa: BLE001 - a broken record must not break the suite
            log_lines.append(repr(record.msg))


def leaks(lines: Iterable[str], secrets: Iterable[str]) -> list[tuple[str, str]]:
    """(line, secret) pairs where a secret appears in a line."""
    secrets = sorted(set(secrets), key=len, reverse=True)
    found = []
    for line in lines:
        for secret in secrets:
            if secret in line:
                found.append((line, secret))
                break
    return found


def redact(line: str, secret: str) -> str:
    return line.replace(secret, f"<{len(secret)} secret characters>")
