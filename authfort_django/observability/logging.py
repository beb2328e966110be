"""Log lines for machines (one JSON object per line) and for people (DEBUG console),
both scrubbed of secrets.

    LOGGING = logging_config(level="INFO", json_lines=True)

Every line carries `time`, `level`, `logger`, `event`, and `request_id`, `user_id`,
`session_id` when known (see log_context), then any `extra=` fields and the
`exception`; python-json-logger writes the JSON. `RedactSecretsFilter` sits on the
handler, so whatever a line's author wrote, what reaches the output has no
password, access or refresh token, Authorization credential, PEM key or
configured secret (introspection secrets, key-encryption keys, SECRET_KEY): it
blanks the values this request sent as secrets (noted by the request-id
middleware), the configured secrets, and anything shaped like a JWT, a PEM block,
a `Bearer` credential or a `password=`/`"token": ` pair.
"""

from __future__ import annotations

import logging
import re
import time
from collections.abc import Iterable
from typing import Any

import pythonjsonlogger.core
import pythonjsonlogger.json

from authfort_django.observability import context as log_context

REDACTED = "[redacted]"

# Attributes every LogRecord has; anything else on a record came from `extra=`.
_STANDARD_ATTRS = frozenset(vars(logging.LogRecord("", 0, "", 0, "", None, None))) | {
    "message",
    "asctime",
    "taskName",
}
CONTEXT_FIELDS = ("request_id", "user_id", "session_id")
# Values a JSON line carries as they are; anything else is written as redacted text.
_JSON_SCALARS = (str, int, float, bool, type(None))
# Names whose value is a secret wherever it appears: as an `extra` key or in `name=value` text.
_SECRET_NAME = r"[\w-]*(?:password|passwd|secret|token|private_key|authorization|api_key)[\w-]*"
_SECRET_KEY_RE = re.compile(rf"(?i)^{_SECRET_NAME}$")
_PATTERNS = (
    # A JWS or JWE: its header is base64url JSON, so it starts with "eyJ".
    re.compile(r"eyJ[A-Za-z0-9_-]*\.[A-Za-z0-9_-]*(?:\.[A-Za-z0-9_-]*){1,3}"),
    re.compile(r"-----BEGIN [A-Z0-9 ]+-----.*?(?:-----END [A-Z0-9 ]+-----|$)", re.DOTALL),
    re.compile(r"(?i)(\b(?:bearer|basic)\s+)([^\s\"',;]+)"),
    # password=..., "refresh_token": "...", secret: ...  (group 1 is kept, group 2 blanked; a
    # quoted value is blanked to its closing quote, spaces and all: passphrases have spaces)
    re.compile(
        rf"(?i)((?<![\w-]){_SECRET_NAME}[\"']?\s*[:=]\s*)"
        r"(\"(?:[^\"\\]|\\.)*(?:\"|$)|'(?:[^'\\]|\\.)*(?:'|$)|[^\s\"',;&}\[\]]+)"
    ),
)
# Shorter values are too likely to occur in innocent text to be blanked everywhere.
MIN_EXACT_SECRET_LENGTH = 8


def _configured_secrets() -> list[str]:
    """The server's own secrets; empty before Django settings are ready."""
    try:
        from django.conf import settings

        if not settings.configured:
            return []
        from authfort_django.conf import authfort_settings

        found = [settings.SECRET_KEY, *authfort_settings.INTROSPECTION_SECRETS]
        found += list(authfort_settings._get("KEY_ENCRYPTION_KEYS") or [])
        return [s for s in found if isinstance(s, str)]
    except Exception:  # noqa: BLE001 - logging must never fail because settings are odd
        return []


def _known_secrets() -> list[str]:
    return [*_configured_secrets(), *log_context.request_secrets()]


def redact(text: str, exact: Iterable[str] = ()) -> str:
    """`text` with every known secret value and secret-shaped substring replaced by [redacted]."""
    for secret in sorted({s for s in exact if len(s) >= MIN_EXACT_SECRET_LENGTH}, key=len, reverse=True):
        text = text.replace(secret, REDACTED)
    jwt_re, pem_re, bearer_re, pair_re = _PATTERNS
    text = jwt_re.sub(REDACTED, text)
    text = pem_re.sub(REDACTED, text)
    keep_name = lambda m: m.group(1) + REDACTED  # noqa: E731
    text = bearer_re.sub(keep_name, text)
    return pair_re.sub(_blank_value, text)


def _blank_value(match: re.Match[str]) -> str:
    value = match.group(2)
    quote = value[0] if value[0] in "\"'" else ""
    return f"{match.group(1)}{quote}{REDACTED}{quote}"


class RedactSecretsFilter(logging.Filter):
    """Rewrites each record so its message, arguments, extras and traceback hold no secret.

    Put it on every handler: handler filters see records from every logger that
    propagates to them, whoever wrote the line.
    """

    def filter(self, record: logging.LogRecord) -> bool:
        exact = _known_secrets()
        try:
            message = record.getMessage()
        except Exception:  # noqa: BLE001 - a bad format string still gets logged, redacted
            message = f"{record.msg!r} {record.args!r}"
        record.msg = redact(message, exact)
        record.args = None
        if record.exc_info and not record.exc_text:
            record.exc_text = logging.Formatter().formatException(record.exc_info)
        if record.exc_text:
            record.exc_text = redact(record.exc_text, exact)
        if record.stack_info:
            record.stack_info = redact(record.stack_info, exact)
        for name, value in list(vars(record).items()):
            if name in _STANDARD_ATTRS:
                continue
            if _SECRET_KEY_RE.match(name):
                setattr(record, name, REDACTED)
            elif isinstance(value, str):
                setattr(record, name, redact(value, exact))
        return True


class ContextFilter(logging.Filter):
    """Puts the request id, user id and session id of the current request on each record."""

    def filter(self, record: logging.LogRecord) -> bool:
        context = log_context.current()
        for name in CONTEXT_FIELDS:
            if getattr(record, name, None) is None:
                setattr(record, name, context.get(name))
        return True


class JsonFormatter(pythonjsonlogger.json.JsonFormatter):
    """One JSON object per line: time, level, logger, event, context ids, extras, exception.

    python-json-logger does the work; its options rename the standard fields to
    ours. Expects RedactSecretsFilter on the same handler (logging_config puts it
    there): that filter has already blanked the record's strings.
    """

    # ISO 8601 UTC with milliseconds, through logging.Formatter's own time knobs:
    # a `datefmt` cannot do it, since time.strftime has no milliseconds.
    converter = time.gmtime
    default_time_format = "%Y-%m-%dT%H:%M:%S"
    default_msec_format = "%s.%03d+00:00"

    def __init__(self, **options: Any) -> None:
        """`options` go to python-json-logger (`static_fields={"service": "auth"}`, say); the
        field names are fixed, since operators' queries and our tests rely on them."""
        super().__init__(
            "%(asctime)s %(levelname)s %(name)s %(message)s",
            rename_fields={
                "asctime": "time",
                "levelname": "level",
                "name": "logger",
                "message": "event",
                "exc_info": "exception",
                "stack_info": "stack",
            },
            # An `extra=` key named like one of the line's own fields is dropped rather than
            # allowed to replace it: a line's level or logger must be the real one.
            reserved_attrs=[*pythonjsonlogger.core.RESERVED_ATTRS, "time", "level", "logger", "exception", "stack"],
            json_ensure_ascii=False,
            **options,
        )

    def add_fields(self, log_data: dict[str, Any], record: logging.LogRecord, message_dict: dict[str, Any]) -> None:
        # What the library's options cannot say, done after it has gathered the fields.
        super().add_fields(log_data, record, message_dict)
        # `event` is the message unless the author named the event (audit lines do); then the
        # message, which holds the details, is kept beside it. A rename maps a field, it has no fallback.
        if not getattr(record, "event", None):
            log_data["event"] = record.message
        elif record.event != record.message:
            log_data["message"] = record.message
        exact: list[str] | None = None
        for name, value in list(log_data.items()):
            if name in CONTEXT_FIELDS:
                # ContextFilter sets None for an id not known (yet): leave it out. A known one is
                # always a string, so a log index never sees one field with two types.
                if value is None:
                    del log_data[name]
                else:
                    log_data[name] = str(value)
            elif not isinstance(value, _JSON_SCALARS):
                # An object, list or dict in `extra=` becomes text only now (the filter leaves
                # objects whole for other handlers), so the filter never saw it: written as
                # text, not nested JSON, so every string in it is redacted.
                exact = _known_secrets() if exact is None else exact
                log_data[name] = redact(str(value), exact)

    def formatException(self, ei: Any) -> str:  # noqa: N802 - logging's name
        # The library renders the traceback afresh from exc_info rather than taking the
        # filter's redacted exc_text: redact where it is rendered.
        return redact(super().formatException(ei), _known_secrets())


class ConsoleFormatter(logging.Formatter):
    """Readable lines for DEBUG: `12:00:01 INFO authfort.audit [req 3f2a] login_succeeded ...`."""

    def __init__(self) -> None:
        super().__init__("%(asctime)s %(levelname)s %(name)s [%(request_id)s] %(message)s", "%H:%M:%S")

    def format(self, record: logging.LogRecord) -> str:
        if getattr(record, "request_id", None) is None:
            record.request_id = "-"
        return super().format(record)


def logging_config(*, level: str = "INFO", json_lines: bool = True) -> dict[str, Any]:
    """A LOGGING dict: every line through the context and redaction filters to stderr."""
    return {
        "version": 1,
        "disable_existing_loggers": False,
        "filters": {
            "context": {"()": "authfort_django.observability.logging.ContextFilter"},
            "redact_secrets": {"()": "authfort_django.observability.logging.RedactSecretsFilter"},
        },
        "formatters": {
            "json": {"()": "authfort_django.observability.logging.JsonFormatter"},
            "console": {"()": "authfort_django.observability.logging.ConsoleFormatter"},
        },
        "handlers": {
            "console": {
                "class": "logging.StreamHandler",
                "formatter": "json" if json_lines else "console",
                "filters": ["context", "redact_secrets"],
            }
        },
        "root": {"handlers": ["console"], "level": level},
        "loggers": {"django.db.backends": {"level": "WARNING"}},
    }
