"""IntrospectionClient: RFC 7662 exchange, fail-closed answers, the short digest-keyed cache."""

from __future__ import annotations

import hashlib
import json
import logging
from typing import Any
from urllib.parse import parse_qs

import pytest
from verifier_client.exceptions import (
    InactiveTokenError,
    IntrospectionUnavailableError,
    VerificationError,
    VerificationUnavailableError,
)
from verifier_client.introspection import IntrospectionClient, IntrospectionResult

from tests.helpers.clock import FakeClock

URL = "https://auth.example.test/api/introspect"
SECRET = "introspection-secret-0123456789"
TOKEN = "header.payload.signature"
NOW = 1_700_000_000


class ScriptedTransport:
    """An injected `fetch`: answers from a script and records every call."""

    def __init__(self, *answers: tuple[int, bytes] | BaseException) -> None:
        self.answers = list(answers)
        self.calls: list[dict[str, Any]] = []

    def __call__(self, url: str, *, body: bytes, headers: dict[str, str], timeout: float, max_bytes: int):
        self.calls.append({"url": url, "body": body, "headers": headers, "timeout": timeout, "max_bytes": max_bytes})
        answer = self.answers[0] if len(self.answers) == 1 else self.answers.pop(0)
        if isinstance(answer, BaseException):
            raise answer
        return answer


def active_body(**claims: Any) -> tuple[int, bytes]:
    document = {"active": True, "sub": "user-42", "exp": NOW + 300, **claims}
    return 200, json.dumps(document).encode()


INACTIVE = (200, b'{"active": false}')


@pytest.fixture
def monotonic() -> FakeClock:
    return FakeClock(1000.0)


@pytest.fixture
def wall() -> FakeClock:
    return FakeClock(NOW)


@pytest.fixture
def make_client(monotonic, wall):
    def _make(transport, **kwargs: Any) -> IntrospectionClient:
        kwargs.setdefault("clock", monotonic)
        kwargs.setdefault("wall_clock", wall)
        return IntrospectionClient(kwargs.pop("url", URL), SECRET, fetch=transport, **kwargs)

    return _make


# -- the request --------------------------------------------------------------------
def test_posts_the_token_as_a_form_with_the_secret_as_bearer(make_client):
    transport = ScriptedTransport(active_body())
    make_client(transport).introspect(TOKEN)

    (call,) = transport.calls
    assert call["url"] == URL
    assert parse_qs(call["body"].decode()) == {"token": [TOKEN], "token_type_hint": ["access_token"]}
    assert call["headers"]["Authorization"] == f"Bearer {SECRET}"
    assert call["headers"]["Content-Type"] == "application/x-www-form-urlencoded"


def test_active_answer_carries_the_servers_members(make_client):
    result = make_client(ScriptedTransport(active_body(roles=["admin"]))).introspect(TOKEN)

    assert result.active is True
    assert result.error is None
    assert result.claims["sub"] == "user-42"
    assert result.claims["roles"] == ["admin"]


def test_result_is_immutable(make_client):
    result = make_client(ScriptedTransport(active_body())).introspect(TOKEN)

    with pytest.raises(AttributeError):
        result.active = False  # type: ignore[misc]
    with pytest.raises(TypeError):
        result.claims["sub"] = "someone-else"  # type: ignore[index]


def test_inactive_answer_is_not_an_error(make_client):
    result = make_client(ScriptedTransport(INACTIVE)).introspect(TOKEN)

    assert result == IntrospectionResult(active=False)
    assert result.error is None


def test_empty_token_is_inactive_without_asking(make_client):
    transport = ScriptedTransport(active_body())
    result = make_client(transport).introspect("")

    assert result.active is False
    assert transport.calls == []


# -- failing closed -------------------------------------------------------------------
@pytest.mark.parametrize(
    ("answer", "error_fragment"),
    [
        (ConnectionError("refused"), "network error"),
        (TimeoutError("slow"), "network error"),
        ((500, b'{"active": true}'), "HTTP status 500"),
        ((401, b'{"detail": "bad secret"}'), "HTTP status 401"),
        ((302, b""), "HTTP status 302"),
        ((200, b"<html>maintenance</html>"), "not JSON"),
        ((200, b'["active", true]'), "not a JSON object"),
        ((200, b'{"active": "true"}'), "boolean 'active'"),
        ((200, b'{"active": 1}'), "boolean 'active'"),
        ((200, b'{"sub": "user-42"}'), "boolean 'active'"),
        ((200, b"[" * 100_000 + b"]" * 100_000), "not JSON"),
    ],
    ids=["refused", "timeout", "500", "401", "redirect", "html", "array", "string-true", "int-true", "no-active", "nested-bomb"],
)
def test_anything_but_a_proper_answer_is_not_active_and_says_why(make_client, answer, error_fragment):
    result = make_client(ScriptedTransport(answer), max_response_bytes=1024 * 1024).introspect(TOKEN)

    assert result.active is False
    assert error_fragment in result.error


def test_oversized_response_is_not_active(make_client):
    body = json.dumps({"active": True, "padding": "x" * 2000}).encode()
    result = make_client(ScriptedTransport((200, body)), max_response_bytes=1000).introspect(TOKEN)

    assert result.active is False
    assert "larger than 1000 bytes" in result.error


def test_require_active_returns_the_active_result(make_client):
    result = make_client(ScriptedTransport(active_body())).require_active(TOKEN)

    assert result.active is True


def test_require_active_raises_for_an_inactive_token(make_client):
    with pytest.raises(InactiveTokenError) as info:
        make_client(ScriptedTransport(INACTIVE)).require_active(TOKEN)

    assert isinstance(info.value, VerificationError)
    assert not isinstance(info.value, VerificationUnavailableError)  # a verdict: 401, not 503
    assert "no longer active" in info.value.reason


@pytest.mark.parametrize(
    ("answer", "cause"),
    [(ConnectionError(), "network error"), ((401, b'{"detail": "bad secret"}'), "HTTP status 401"),
     ((200, b"<html>"), "not JSON")],
    ids=["unreachable", "refused-secret", "garbage"],
)
def test_require_active_raises_unavailable_when_no_verdict_could_be_had(make_client, answer, cause):
    with pytest.raises(IntrospectionUnavailableError) as info:
        make_client(ScriptedTransport(answer)).require_active(TOKEN)

    error = info.value
    assert error.code == "introspection_unavailable"
    assert cause in error.reason and "try again later" in error.reason
    assert error.retry_after >= 1
    # Still an InactiveTokenError: code written before 0.3 that refuses on it keeps refusing.
    assert isinstance(error, InactiveTokenError) and isinstance(error, VerificationUnavailableError)


def test_require_active_refuses_an_empty_token_as_inactive_not_unavailable(make_client):
    transport = ScriptedTransport(active_body())

    with pytest.raises(InactiveTokenError) as info:
        make_client(transport).require_active("")

    assert not isinstance(info.value, IntrospectionUnavailableError)
    assert transport.calls == []


def test_neither_token_nor_secret_is_logged(make_client, caplog):
    caplog.set_level(logging.DEBUG)
    client = make_client(ScriptedTransport(ConnectionError(f"cannot send {TOKEN}")))

    client.introspect(TOKEN)

    assert caplog.records, "a failed introspection is logged"
    assert TOKEN not in caplog.text
    assert SECRET not in caplog.text
    assert SECRET not in repr(client)


# -- the cache ------------------------------------------------------------------------
def test_answer_is_cached_for_cache_ttl(make_client, monotonic):
    transport = ScriptedTransport(active_body())
    client = make_client(transport, cache_ttl=10)

    client.introspect(TOKEN)
    monotonic.advance(9)
    assert client.introspect(TOKEN).active is True
    assert len(transport.calls) == 1

    monotonic.advance(2)
    client.introspect(TOKEN)
    assert len(transport.calls) == 2


def test_by_default_every_call_asks_the_server(make_client):
    transport = ScriptedTransport(active_body(), INACTIVE)
    client = make_client(transport)

    assert client.cache_ttl == 0
    assert client.introspect(TOKEN).active is True
    # Revoked right after: the very next call sees it.
    assert client.introspect(TOKEN).active is False
    assert len(transport.calls) == 2


def test_inactive_answer_is_cached_when_the_cache_is_on(make_client):
    transport = ScriptedTransport(INACTIVE)
    client = make_client(transport, cache_ttl=10)

    client.introspect(TOKEN)
    client.introspect(TOKEN)

    assert len(transport.calls) == 1


def test_inactive_answer_is_never_kept_longer_than_an_active_one(make_client, monotonic):
    transport = ScriptedTransport(INACTIVE, INACTIVE)
    client = make_client(transport, cache_ttl=10)

    client.introspect(TOKEN)
    monotonic.advance(10)
    client.introspect(TOKEN)

    assert len(transport.calls) == 2


def test_inactive_answer_is_not_cached_without_the_cache(make_client):
    transport = ScriptedTransport(INACTIVE, INACTIVE)
    client = make_client(transport)

    client.introspect(TOKEN)
    client.introspect(TOKEN)

    assert len(transport.calls) == 2


def test_active_answer_is_never_cached_past_the_tokens_exp(make_client, monotonic):
    transport = ScriptedTransport(active_body(exp=NOW + 3), INACTIVE)
    client = make_client(transport, cache_ttl=60)

    assert client.introspect(TOKEN).active is True
    monotonic.advance(4)

    assert client.introspect(TOKEN).active is False
    assert len(transport.calls) == 2


def test_active_answer_for_an_already_expired_token_is_not_cached(make_client):
    transport = ScriptedTransport(active_body(exp=NOW - 1))
    client = make_client(transport, cache_ttl=10)

    client.introspect(TOKEN)
    client.introspect(TOKEN)

    assert len(transport.calls) == 2


def test_failures_are_not_cached(make_client):
    transport = ScriptedTransport(ConnectionError(), active_body())
    client = make_client(transport, cache_ttl=10)

    assert client.introspect(TOKEN).active is False
    assert client.introspect(TOKEN).active is True


def test_cache_is_keyed_by_a_digest_never_the_token(make_client):
    client = make_client(ScriptedTransport(active_body()), cache_ttl=10)
    client.introspect(TOKEN)

    assert list(client._cache) == [hashlib.sha256(TOKEN.encode()).digest()]


def test_cache_ttl_zero_disables_the_cache(make_client):
    transport = ScriptedTransport(active_body())
    client = make_client(transport, cache_ttl=0)

    client.introspect(TOKEN)
    client.introspect(TOKEN)

    assert len(transport.calls) == 2


def test_cache_is_bounded(make_client):
    transport = ScriptedTransport(INACTIVE)
    client = make_client(transport, cache_ttl=10, cache_size=2)

    for token in ("a", "b", "c"):
        client.introspect(token)
    client.introspect("a")  # evicted as the oldest

    assert len(transport.calls) == 4


def test_clear_cache_forgets_answers(make_client):
    transport = ScriptedTransport(active_body())
    client = make_client(transport, cache_ttl=10)

    client.introspect(TOKEN)
    client.clear_cache()
    client.introspect(TOKEN)

    assert len(transport.calls) == 2


# -- construction ---------------------------------------------------------------------
@pytest.mark.parametrize(
    "url",
    ["http://auth.example.test/introspect", "ftp://auth.example.test/x", "https:///no-host", "introspect"],
)
def test_url_must_be_https_unless_loopback(url):
    with pytest.raises(ValueError, match="https://"):
        IntrospectionClient(url, SECRET)


@pytest.mark.parametrize(
    "url", ["http://127.0.0.1:8000/i", "http://localhost/i", "http://LOCALHOST/i", "http://[::1]:9/i", "http://127.9.9.9/i"]
)
def test_loopback_http_is_allowed(url):
    assert IntrospectionClient(url, SECRET).url == url


def test_insecure_http_needs_the_explicit_opt_in():
    url = "http://auth.internal/introspect"
    assert IntrospectionClient(url, SECRET, allow_insecure_http=True).url == url


def test_secret_is_required():
    with pytest.raises(ValueError, match="secret"):
        IntrospectionClient(URL, "")


# -- the real transport, against a loopback server ------------------------------------
def test_real_transport_sends_the_form_and_reads_the_answer(http_server):
    http_server.set_json({"active": True, "sub": "user-42"}, path="/introspect")
    client = IntrospectionClient(http_server.url("/introspect"), SECRET)

    result = client.introspect(TOKEN)

    assert result.active is True
    (request,) = http_server.requests
    assert request.method == "POST"
    assert request.headers["Authorization"] == f"Bearer {SECRET}"
    assert parse_qs(request.body.decode())["token"] == [TOKEN]


def test_real_transport_does_not_follow_redirects(http_server):
    http_server.set_response(b"", status=302, headers={"Location": "/elsewhere"}, path="/introspect")
    http_server.set_json({"active": True}, path="/elsewhere")
    client = IntrospectionClient(http_server.url("/introspect"), SECRET)

    result = client.introspect(TOKEN)

    assert result.active is False
    assert "302" in result.error
    assert http_server.hits_for("/elsewhere") == 0


def test_real_transport_stops_reading_an_oversized_body(http_server):
    http_server.set_json({"active": True, "padding": "x" * 200_000}, path="/introspect")
    client = IntrospectionClient(http_server.url("/introspect"), SECRET, max_response_bytes=4096)

    result = client.introspect(TOKEN)

    assert result.active is False
    assert "larger than" in result.error


def test_real_transport_times_out_closed(http_server):
    http_server.set_json({"active": True}, delay=2.0, path="/introspect")
    client = IntrospectionClient(http_server.url("/introspect"), SECRET, timeout=0.2)

    result = client.introspect(TOKEN)

    assert result.active is False
    assert "network error" in result.error


def test_unreachable_endpoint_is_not_active(http_server):
    url = http_server.url("/introspect")
    http_server.stop()
    client = IntrospectionClient(url, SECRET, timeout=1.0)

    result = client.introspect(TOKEN)

    assert result.active is False
    assert "network error" in result.error


def test_real_transport_cuts_off_a_trickling_body_at_the_deadline(http_server):
    body = json.dumps({"active": True, "sub": "user-42", "padding": "x" * 200}).encode()
    http_server.set_response(body, trickle=0.05, trickle_chunk=8, path="/introspect")
    client = IntrospectionClient(http_server.url("/introspect"), SECRET, timeout=0.3)

    result = client.introspect(TOKEN)

    assert result.active is False
    assert "deadline" in result.error


def test_real_transport_refuses_a_compressed_body(http_server):
    http_server.set_json({"active": True}, headers={"Content-Encoding": "gzip"}, path="/introspect")
    client = IntrospectionClient(http_server.url("/introspect"), SECRET)

    result = client.introspect(TOKEN)

    assert result.active is False
    assert "Content-Encoding" in result.error
    assert http_server.requests[0].headers["Accept-Encoding"] == "identity"
