"""ClientCredentials, the calling side: one token fetched and reused until shortly before it
expires, one fetch for many threads, one retry on 401, requests and httpx, secret or
private_key_jwt, and nothing secret in its logs or repr. Over real HTTP on loopback."""

from __future__ import annotations

import base64
import json
import logging
import threading
from urllib.parse import parse_qs

import httpx
import jwt
import pytest
import requests
from cryptography.hazmat.primitives.asymmetric import rsa
from verifier_client import ClientCredentials, ClientCredentialsError

from tests.helpers.clock import FakeClock
from tests.helpers.http_fixtures import CannedResponse, LoopbackHTTPServer

SECRET = "s3cret-Value-0123456789"


class TokenEndpoint:
    """A token endpoint (/token) handing out tok-1, tok-2... and an API (/api) that accepts
    only the tokens listed in `accepted`."""

    def __init__(self, server: LoopbackHTTPServer, expires_in: int = 300, delay: float = 0.0) -> None:
        self.server, self.expires_in, self.delay = server, expires_in, delay
        self.issued: list[str] = []
        self.accepted: set[str] | None = None  # None: every issued token
        self._lock = threading.Lock()
        server.set_handler(self.answer)

    def answer(self, request) -> CannedResponse:
        if request.path == "/token":
            with self._lock:
                token = f"tok-{len(self.issued) + 1}"
                self.issued.append(token)
            body = {"access_token": token, "token_type": "Bearer", "expires_in": self.expires_in, "scope": "a"}
            return CannedResponse(200, json.dumps(body).encode(), delay=self.delay)
        presented = request.headers.get("Authorization", "").removeprefix("Bearer ")
        ok = presented in (self.accepted if self.accepted is not None else set(self.issued))
        return CannedResponse(200 if ok else 401, b'{"ok": true}' if ok else b'{"code": "invalid_token"}')

    def token_requests(self):
        return [r for r in self.server.requests if r.path == "/token"]


@pytest.fixture
def server():
    with LoopbackHTTPServer() as running:
        yield running


@pytest.fixture
def endpoint(server):
    return TokenEndpoint(server)


@pytest.fixture
def clock():
    return FakeClock()


def _source(server, clock=None, **options) -> ClientCredentials:
    extra = {"clock": clock} if clock is not None else {}
    return ClientCredentials(server.url("/token"), "svc-orders", SECRET, **{**extra, **options})


def test_one_token_serves_many_calls(server, endpoint):
    tokens = _source(server, scope=["notifications:write", "orders:read"], audience="notifications")

    answers = [requests.get(server.url("/api"), auth=tokens, timeout=5) for _ in range(20)]

    assert {a.status_code for a in answers} == {200}
    assert tokens.fetch_count == 1 and len(endpoint.token_requests()) == 1
    form = parse_qs(endpoint.token_requests()[0].body.decode())
    assert form == {"grant_type": ["client_credentials"], "scope": ["notifications:write orders:read"],
                    "resource": ["notifications"]}


def test_the_secret_goes_in_http_basic_form_encoded(server, endpoint):
    _source(server).token()

    header = endpoint.token_requests()[0].headers["Authorization"]
    assert base64.b64decode(header.removeprefix("Basic ")).decode() == f"svc-orders:{SECRET}"


def test_client_secret_post_puts_it_in_the_form(server, endpoint):
    _source(server, auth_method="client_secret_post").token()

    form = parse_qs(endpoint.token_requests()[0].body.decode())
    assert form["client_id"] == ["svc-orders"] and form["client_secret"] == [SECRET]


def test_a_token_is_refreshed_shortly_before_it_expires(server, endpoint, clock):
    tokens = _source(server, clock, refresh_margin=30)
    first = tokens.token()

    clock.advance(300 - 31)
    assert tokens.token() == first
    clock.advance(2)
    assert tokens.token() != first
    assert tokens.fetch_count == 2


def test_the_margin_is_at_most_half_a_short_lifetime(server, clock):
    TokenEndpoint(server, expires_in=20)
    tokens = _source(server, clock, refresh_margin=30)
    first = tokens.token()

    clock.advance(9)

    assert tokens.token() == first


def test_many_threads_wait_for_one_fetch(server):
    endpoint = TokenEndpoint(server, delay=0.3)  # a slow token endpoint: the threads overlap in it
    tokens = _source(server)
    start = threading.Barrier(8)
    seen: list[str] = []

    def call() -> None:
        start.wait()
        seen.append(tokens.token())

    threads = [threading.Thread(target=call) for _ in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=10)

    assert len(endpoint.token_requests()) == 1
    assert seen == ["tok-1"] * 8


def test_a_401_is_retried_once_with_a_fresh_token(server, endpoint):
    tokens = _source(server)
    tokens.token()  # tok-1, which the API then stops accepting (revoked, say)
    endpoint.accepted = {"tok-2"}

    answer = requests.post(server.url("/api"), data=b"payload", auth=tokens, timeout=5)

    assert answer.status_code == 200
    assert [r.status_code for r in answer.history] == [401]
    assert tokens.fetch_count == 2


def test_a_second_401_is_returned_not_retried_again(server, endpoint):
    tokens = _source(server)
    endpoint.accepted = set()

    answer = requests.get(server.url("/api"), auth=tokens, timeout=5)

    assert answer.status_code == 401
    assert server.hits_for("/api") == 2 and tokens.fetch_count == 2


def test_httpx_auth_caches_and_retries_once(server, endpoint):
    tokens = _source(server)
    with httpx.Client(auth=tokens.httpx_auth()) as client:
        assert [client.get(server.url("/api")).status_code for _ in range(5)] == [200] * 5
        endpoint.accepted = {"tok-2"}
        assert client.get(server.url("/api")).status_code == 200

    assert tokens.fetch_count == 2


def test_private_key_jwt_signs_an_assertion_the_server_can_verify(server, endpoint):
    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    tokens = ClientCredentials(server.url("/token"), "svc-orders", private_key=key, key_id="k1")

    tokens.token()

    form = parse_qs(endpoint.token_requests()[0].body.decode())
    assert form["client_assertion_type"] == ["urn:ietf:params:oauth:client-assertion-type:jwt-bearer"]
    assertion = form["client_assertion"][0]
    assert jwt.get_unverified_header(assertion)["kid"] == "k1"
    claims = jwt.decode(assertion, key.public_key(), algorithms=["RS256"], audience=server.url("/token"))
    assert claims["iss"] == claims["sub"] == "svc-orders" and claims["jti"]
    assert "Authorization" not in endpoint.token_requests()[0].headers


def test_a_refusal_raises_with_the_servers_error(server):
    server.set_handler(None)
    server.set_json({"error": "invalid_scope", "error_description": "no such scope"}, status=400)

    with pytest.raises(ClientCredentialsError) as raised:
        _source(server).token()

    assert (raised.value.error, raised.value.status) == ("invalid_scope", 400)


def test_an_unreachable_endpoint_raises_temporarily_unavailable():
    tokens = ClientCredentials("http://127.0.0.1:9/token", "svc", SECRET, timeout=1)

    with pytest.raises(ClientCredentialsError) as raised:
        tokens.token()

    assert raised.value.error == "temporarily_unavailable"


def test_an_answer_without_a_token_is_an_error(server):
    server.set_handler(None)
    server.set_json({"token_type": "Bearer"})

    with pytest.raises(ClientCredentialsError, match="no Bearer access_token"):
        _source(server).token()


def test_http_is_refused_except_on_loopback():
    with pytest.raises(ValueError, match="https"):
        ClientCredentials("http://auth.example.com/token", "svc", SECRET)


def test_exactly_one_credential_is_needed(server):
    with pytest.raises(ValueError):
        ClientCredentials(server.url("/token"), "svc")
    with pytest.raises(ValueError, match="key_id"):
        ClientCredentials(server.url("/token"), "svc", private_key=rsa.generate_private_key(65537, 2048))


def test_neither_the_secret_nor_a_token_is_logged_or_shown(server, endpoint, caplog):
    caplog.set_level(logging.DEBUG)
    tokens = _source(server)
    requests.get(server.url("/api"), auth=tokens, timeout=5)

    text = caplog.text + repr(tokens)
    assert SECRET not in text and "tok-1" not in text
    assert "svc-orders" in caplog.text
