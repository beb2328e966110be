"""Structured logs: one JSON object per line with the request's ids, and never a secret."""

from __future__ import annotations

import importlib
import io
import json
import logging
import sys
import time

import pytest
from django.conf import settings

from authfort_django.keys.crypto import serialize_private_key
from authfort_django.keys.store import key_store
from authfort_django.observability import context
from authfort_django.observability.logging import (
    REDACTED,
    ConsoleFormatter,
    ContextFilter,
    JsonFormatter,
    RedactSecretsFilter,
    logging_config,
    redact,
)
from authfort_django.tokens.verification import verify_access_token
from tests.authfort_django.helpers import (
    INTROSPECTION_SECRET,
    bearer,
    introspect,
    login,
    refresh,
)
from tests.factories import DEFAULT_PASSWORD, UserFactory


@pytest.fixture
def json_lines():
    """Every line the root logger writes during the test, through the production handler setup."""
    stream = io.StringIO()
    handler = logging.StreamHandler(stream)
    handler.addFilter(ContextFilter())
    handler.addFilter(RedactSecretsFilter())
    handler.setFormatter(JsonFormatter())
    root = logging.getLogger()
    root.addHandler(handler)
    previous = root.level
    root.setLevel(logging.DEBUG)
    yield lambda: [line for line in stream.getvalue().splitlines() if line]
    root.removeHandler(handler)
    root.setLevel(previous)


def _record(msg: str, *args: object, **extra: object) -> logging.LogRecord:
    record = logging.LogRecord("authfort.test", logging.INFO, __file__, 1, msg, args or None, None)
    for name, value in extra.items():
        setattr(record, name, value)
    return record


# redact()


@pytest.mark.parametrize(
    "text",
    [
        "token eyJhbGciOiJSUzI1NiJ9.eyJzdWIiOiIxIn0.c2lnbmF0dXJl accepted",
        "Authorization: Bearer abcdefgh12345678",
        "password=hunter2hunter2",
        '{"refresh_token": "Zm9vYmFyYmF6cXV4cXV1eHF1dXhxdXV4cXV1eA"}',
        "new_password: 'another-passphrase'",
        '{"password": "a fresh passphrase 9!", "email": "ada@example.com"}',
        "password='unterminated passphrase",
        "-----BEGIN PRIVATE KEY-----\nMIIEvQIBADANBgkqhkiG9w0BAQEFAASC\n-----END PRIVATE KEY-----",
    ],
)
def test_secret_shaped_text_is_blanked(text):
    cleaned = redact(text)

    assert REDACTED in cleaned
    for fragment in ("eyJzdWIi", "abcdefgh12345678", "hunter2", "Zm9vYmFy", "another-passphrase", "MIIEvQ",
                     "fresh passphrase", "unterminated"):
        assert fragment not in cleaned


def test_known_secret_values_are_blanked_wherever_they_appear():
    assert redact("the secret is xq7-Very-Secret-Value inside", ["xq7-Very-Secret-Value"]) == (
        f"the secret is {REDACTED} inside"
    )


def test_identifiers_that_look_random_are_kept():
    line = "key_created kid=NzbLsXh8uDCcd-6MNwXF4W_7noWXFZAfHkxZsRGC9Xs session=0f5c6f2e-8b1d-4f59-9b0e-3d1e2f4a5b6c"

    assert redact(line) == line


# The filter on records


def test_the_filter_blanks_arguments_extras_and_tracebacks(settings):
    secret = settings.AUTHFORT["INTROSPECTION_SECRETS"][0]
    try:
        raise ValueError(f"bad secret {secret}")
    except ValueError:
        exc_info = sys.exc_info()
    record = _record("caller sent %s", secret, refresh_token="raw-refresh-value-123", note=f"x {secret}")
    record.exc_info = exc_info

    RedactSecretsFilter().filter(record)
    line = JsonFormatter().format(record)

    assert secret not in line
    assert "raw-refresh-value-123" not in line
    assert json.loads(line)["refresh_token"] == REDACTED
    assert "ValueError" in json.loads(line)["exception"]


def test_the_filter_blanks_the_key_encryption_keys_and_secret_key(settings):
    record = _record("%s %s", settings.AUTHFORT["KEY_ENCRYPTION_KEYS"][0], settings.SECRET_KEY)

    RedactSecretsFilter().filter(record)

    assert record.getMessage() == f"{REDACTED} {REDACTED}"


def test_a_json_line_has_time_level_logger_event_and_the_context_ids():
    context.begin(request_id="req-1")
    try:
        context.bind(user_id="u-1", session_id="s-1")
        record = _record("login_succeeded user=u-1", event="login_succeeded")
        ContextFilter().filter(record)
    finally:
        context.end()

    line = json.loads(JsonFormatter().format(record))

    assert line["level"] == "INFO"
    assert line["logger"] == "authfort.test"
    assert line["event"] == "login_succeeded"
    assert line["message"] == "login_succeeded user=u-1"
    assert (line["request_id"], line["user_id"], line["session_id"]) == ("req-1", "u-1", "s-1")
    assert line["time"].endswith("+00:00")


@pytest.fixture
def machine_time_zone_five_hours_west(monkeypatch):
    """A local zone other than UTC (POSIX TZ syntax, so no tz database is needed)."""
    monkeypatch.setenv("TZ", "EST+05")
    time.tzset()
    yield
    monkeypatch.undo()
    time.tzset()


def test_the_time_is_iso_8601_utc_with_milliseconds(machine_time_zone_five_hours_west):
    record = logging.makeLogRecord({"name": "authfort.test", "msg": "tick", "created": 1767225601.25, "msecs": 250.0})

    line = json.loads(JsonFormatter().format(record))

    assert line["time"] == "2026-01-01T00:00:01.250+00:00"


def test_non_ascii_text_is_written_as_is():
    assert '"event": "welcome José"' in JsonFormatter().format(_record("welcome José"))


def test_a_line_without_a_named_event_has_its_message_as_the_event_and_no_message_field():
    line = json.loads(JsonFormatter().format(_record("cache warmed in %d ms", 12)))

    assert line["event"] == "cache warmed in 12 ms"
    assert "message" not in line


def test_ids_not_known_are_left_out_rather_than_written_as_null():
    record = _record("outside any request", user_id=None, session_id=None)
    ContextFilter().filter(record)

    line = json.loads(JsonFormatter().format(record))

    assert not {"request_id", "user_id", "session_id"} & set(line)


def test_a_known_id_is_written_as_a_string():
    line = json.loads(JsonFormatter().format(_record("numeric ids", user_id=42)))

    assert line["user_id"] == "42"


def test_an_extra_cannot_pass_itself_off_as_a_field_of_the_line():
    record = _record("hello", level="DEBUG", logger="someone.else", time="yesterday", exception="none")

    line = json.loads(JsonFormatter().format(record))

    assert (line["level"], line["logger"]) == ("INFO", "authfort.test")
    assert line["time"] != "yesterday"
    assert "exception" not in line


def test_library_options_pass_through():
    line = json.loads(JsonFormatter(static_fields={"service": "authfort"}).format(_record("hello")))

    assert line["service"] == "authfort"


def test_extras_keep_their_json_types():
    line = json.loads(JsonFormatter().format(_record("tried", attempts=3, locked=False, ratio=0.5, note="x")))

    assert (line["attempts"], line["locked"], line["ratio"], line["note"]) == (3, False, 0.5, "x")


def test_a_secret_inside_a_list_or_dict_extra_is_blanked(json_lines, settings):
    secret = settings.AUTHFORT["INTROSPECTION_SECRETS"][0]

    logging.getLogger("authfort.test").info(
        "query", extra={"params": ["ada@example.com", secret], "body": {"password": "hunter2hunter2"}}
    )

    (text,) = [line for line in json_lines() if '"query"' in line]
    assert secret not in text
    assert "hunter2hunter2" not in text
    assert "ada@example.com" in json.loads(text)["params"]


def test_a_secret_in_a_logged_traceback_is_blanked(json_lines, settings):
    secret = settings.AUTHFORT["INTROSPECTION_SECRETS"][0]
    jwt_shaped = "eyJhbGciOiJSUzI1NiJ9.eyJzdWIiOiIxIn0.c2lnbmF0dXJl"

    try:
        raise ValueError(f"bad secret {secret} for {jwt_shaped}")
    except ValueError:
        logging.getLogger("authfort.test").exception("introspection failed")

    (text,) = [line for line in json_lines() if "introspection failed" in line]
    assert secret not in text
    assert jwt_shaped not in text
    assert "ValueError: bad secret [redacted]" in json.loads(text)["exception"]


def test_the_debug_console_format_is_a_readable_line():
    record = _record("hello %s", "world")
    ContextFilter().filter(record)

    line = ConsoleFormatter().format(record)

    assert line.endswith("INFO authfort.test [-] hello world")


def test_the_reference_settings_log_json_unless_debug():
    assert logging_config(json_lines=True)["handlers"]["console"]["formatter"] == "json"
    assert logging_config(json_lines=False)["handlers"]["console"]["formatter"] == "console"
    assert settings.LOGGING["handlers"]["console"]["filters"] == ["context", "redact_secrets"]


def test_the_deprecated_module_still_exports_the_same_names():
    sys.modules.pop("authfort_django.logging_json", None)  # so the import runs, and warns, again
    with pytest.warns(DeprecationWarning, match="observability.logging"):
        old = importlib.import_module("authfort_django.logging_json")

    assert (old.JsonFormatter, old.ConsoleFormatter, old.ContextFilter, old.RedactSecretsFilter, old.logging_config) == (
        JsonFormatter, ConsoleFormatter, ContextFilter, RedactSecretsFilter, logging_config,
    )


# Request ids


@pytest.mark.django_db
def test_a_sane_request_id_is_echoed(api_client):
    response = api_client.get("/health", HTTP_X_REQUEST_ID="trace-42.abc")

    assert response["X-Request-ID"] == "trace-42.abc"


@pytest.mark.django_db
@pytest.mark.parametrize("offered", ["", "has space", "x" * 200, 'quote"inject', "new\nline", "-leading-dash"])
def test_an_unusable_request_id_is_replaced_by_a_fresh_one(api_client, offered):
    response = api_client.get("/health", HTTP_X_REQUEST_ID=offered)

    assert response["X-Request-ID"] != offered
    assert len(response["X-Request-ID"]) == 32


@pytest.mark.django_db
def test_two_requests_get_different_ids(api_client):
    assert api_client.get("/health")["X-Request-ID"] != api_client.get("/health")["X-Request-ID"]


# A full flow


@pytest.mark.django_db
def test_a_full_flow_logs_json_lines_with_ids_and_no_secret(api_client, json_lines):
    user = UserFactory()
    registered = api_client.post(
        "/auth/register",
        {"email": "flow@example.com", "password": "a fresh passphrase 9!"},
        format="json",
        HTTP_X_REQUEST_ID="flow-register",
    ).json()
    api_client.post("/auth/login", {"email": user.email, "password": "wrong-password-guess"}, format="json")
    first = login(api_client, user, DEFAULT_PASSWORD)
    api_client.get("/auth/me", **bearer(first["access_token"]), HTTP_X_REQUEST_ID="flow-me")
    second = refresh(api_client, first["refresh_token"]).json()
    reused = refresh(api_client, first["refresh_token"])
    introspect(api_client, registered["access_token"])
    api_client.post("/auth/introspect", {"token": "x"}, format="json", HTTP_AUTHORIZATION="Bearer wrong-secret-xyz")
    api_client.get("/auth/me", **bearer(second["access_token"] + "tampered"))
    api_client.post("/auth/logout", **bearer(registered["access_token"]))
    secrets = [
        "a fresh passphrase 9!", DEFAULT_PASSWORD, "wrong-password-guess", "wrong-secret-xyz",
        registered["access_token"], registered["refresh_token"], first["access_token"],
        first["refresh_token"], second["access_token"], second["refresh_token"], INTROSPECTION_SECRET,
    ]

    lines = [json.loads(line) for line in json_lines()]

    assert reused.status_code == 401
    text = "\n".join(json_lines())
    for secret in secrets:
        assert secret not in text
    events = {line.get("event") for line in lines}
    assert {"register", "login_failed", "login_succeeded", "refresh", "refresh_reused", "logout"} <= events
    for line in lines:
        assert {"time", "level", "logger", "event"} <= set(line)
    audit = [line for line in lines if line["logger"] == "authfort.audit"]
    assert all(line.get("request_id") for line in audit)
    register_line = next(line for line in audit if line["event"] == "register")
    assert register_line["request_id"] == "flow-register"
    assert register_line["user_id"] == registered["user"]["id"]
    assert register_line["session_id"]
    unauthorized = [line for line in lines if line["logger"] == "django.request"]
    assert unauthorized and all(line.get("request_id") for line in unauthorized)


@pytest.mark.django_db
@pytest.mark.urls("tests.observability.careless_urls")
def test_secrets_a_careless_view_logs_outright_are_blanked(api_client, json_lines, user):
    """The filter is the guarantee, not the good manners of whoever writes a log line."""
    issued = login(api_client, user, DEFAULT_PASSWORD)  # the login URL is in careless_urls too
    private_pem = serialize_private_key(key_store.signing_key().private_key).decode()

    response = api_client.post(
        "/careless",
        {"password": "my plain passphrase", "refresh_token": issued["refresh_token"]},
        format="json",
        **bearer(issued["access_token"]),
    )

    assert response.status_code == 200
    text = "\n".join(json_lines())
    careless = [json.loads(line) for line in json_lines() if '"authfort.careless"' in line]
    assert len(careless) == 5 and all(line["request_id"] == response["X-Request-ID"] for line in careless)
    for secret in (
        "my plain passphrase", issued["refresh_token"], issued["access_token"], INTROSPECTION_SECRET,
        private_pem.splitlines()[1], response.json()["new_refresh_token"],
    ):
        assert secret not in text


@pytest.mark.django_db
@pytest.mark.urls("tests.observability.careless_urls")
def test_a_token_authenticated_requests_lines_carry_the_user_and_session(api_client, json_lines, user):
    issued = login(api_client, user, DEFAULT_PASSWORD)

    response = api_client.get("/chatty", **bearer(issued["access_token"]))

    assert response.status_code == 200
    (line,) = [json.loads(text) for text in json_lines() if "served the caller" in text]
    assert line["user_id"] == str(user.pk)
    assert line["session_id"] == verify_access_token(issued["access_token"])["sid"]
    assert line["request_id"] == response["X-Request-ID"]


def test_an_object_in_extra_is_logged_as_redacted_text():
    class Request:
        def __str__(self):
            return "<WSGIRequest: GET '/auth/me?access_token=eyJhbGciOi.eyJzdWIi.c2ln'>"

    record = _record("Unauthorized: /auth/me", request=Request(), status_code=401)
    RedactSecretsFilter().filter(record)

    line = json.loads(JsonFormatter().format(record))

    assert "eyJ" not in line["request"]
    assert line["status_code"] == 401
    assert isinstance(record.request, Request)  # other handlers still get the object
