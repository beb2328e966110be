"""Observability: on_event hooks and log lines for fetches, failures, stale keys and rejections."""

from __future__ import annotations

import logging

import pytest
from verifier_client.events import emit

from tests.helpers.clock import FakeClock
from tests.helpers.tokens import AUDIENCE, ISSUER
from tests.verifier_client.test_jwks import URL, FakeFetch
from verifier_client import (
    Event,
    EventCounter,
    JWKSClient,
    TokenVerifier,
    VerificationError,
)


@pytest.fixture
def mono() -> FakeClock:
    return FakeClock(1000.0)


@pytest.fixture
def events() -> list[Event]:
    return []


def _client(fetch, mono, events, **options) -> JWKSClient:
    return JWKSClient(URL, fetch=fetch, clock=mono, on_event=events.append, **options)


def test_a_fetch_is_reported_with_its_key_count(jwks, mono, events, caplog):
    caplog.set_level(logging.INFO, "verifier_client.jwks")

    _client(FakeFetch(jwks), mono, events).get_key("rsa-1")

    assert events == [Event("jwks_fetched", url=URL, key_count=1)]
    assert f"JWKS fetched from {URL}: 1 keys" in caplog.text


def test_a_failed_fetch_is_reported_with_what_failed(jwks, mono, events, caplog):
    fetch = FakeFetch(jwks, status=503)

    with pytest.raises(VerificationError):
        _client(fetch, mono, events).get_key("rsa-1")

    assert events == [Event("jwks_fetch_failed", reason="HTTP 503", url=URL)]
    assert "HTTP 503" in caplog.text


def test_stale_keys_are_reported_on_each_use_and_logged_once(jwks, mono, events, caplog):
    fetch = FakeFetch(jwks)
    client = _client(fetch, mono, events, max_stale=600)
    client.get_key("rsa-1")
    fetch.fail()
    mono.advance(300 + 1)  # past the TTL: a refresh starts (and fails) in the background
    client.get_key("rsa-1")
    client.wait_for_refresh(timeout=5)
    before = [event.name for event in events].count("stale_keys_used")  # 0 or 1: raced the refresh

    client.get_key("rsa-1")
    client.get_key("rsa-1")

    names = [event.name for event in events]
    assert names.count("stale_keys_used") - before == 2
    assert names.count("jwks_fetch_failed") == 1
    assert caplog.text.count("past their cache lifetime") == 1


def test_keys_past_their_ttl_are_not_stale_while_refreshing_them_succeeds(jwks, mono, events, caplog):
    fetch = FakeFetch(jwks)
    client = _client(fetch, mono, events, max_stale=600)
    client.get_key("rsa-1")
    mono.advance(300 + 1)

    for _ in range(3):
        client.get_key("rsa-1")
        client.wait_for_refresh(timeout=5)

    assert "stale_keys_used" not in [event.name for event in events]
    assert "past their cache lifetime" not in caplog.text


def test_keys_within_their_ttl_are_not_stale(jwks, mono, events):
    fetch = FakeFetch(jwks)
    client = _client(fetch, mono, events)
    client.get_key("rsa-1")
    mono.advance(299)  # refresh-ahead time, but not stale yet

    client.get_key("rsa-1")
    client.wait_for_refresh(timeout=5)

    assert "stale_keys_used" not in [event.name for event in events]


def test_a_kid_that_leaves_the_set_is_reported(jwks, mono, events):
    fetch = FakeFetch(jwks)
    client = _client(fetch, mono, events)
    client.get_key("rsa-1")
    fetch.serve({"keys": []})
    mono.advance(10)

    with pytest.raises(VerificationError):
        client.get_key("unknown")  # forces a refetch

    assert Event("keys_distrusted", url=URL, kids=("rsa-1",)) in events


@pytest.mark.parametrize(
    ("claims", "code"),
    [({"exp": 1}, "token_expired"), ({"iss": "https://evil.example"}, "invalid_issuer"), ({"aud": "other"}, "invalid_audience")],
)
def test_verification_failures_are_counted_by_reason(jwks, make_token, claims, code, caplog):
    caplog.set_level(logging.DEBUG, "verifier_client.verifier")
    counts = EventCounter()
    verifier = TokenVerifier(keys=jwks, issuer=ISSUER, audience=AUDIENCE, on_event=counts)
    token = make_token(claims)

    with pytest.raises(VerificationError):
        verifier.verify(token)
    verifier.verify(make_token())

    assert counts.snapshot() == {("verification_failed", code): 1}
    assert f"Token rejected: {code}" in caplog.text
    assert token not in caplog.text


def test_malformed_input_is_counted_too(jwks):
    counts = EventCounter()
    verifier = TokenVerifier(keys=jwks, issuer=ISSUER, audience=AUDIENCE, on_event=counts)

    for junk in ("", "a.b", "x" * 10_000, None):
        with pytest.raises(VerificationError):
            verifier.verify(junk)

    assert counts.get("verification_failed", "malformed_token") == 4
    assert counts.total("verification_failed") == 4


def test_the_verifier_passes_its_hook_to_the_jwks_cache(jwks_url, make_token):
    counts = EventCounter()
    verifier = TokenVerifier(jwks_url, issuer=ISSUER, audience=AUDIENCE, on_event=counts)

    verifier.verify(make_token())

    assert counts.get("jwks_fetched") == 1


def test_a_failing_hook_never_changes_a_result(jwks, make_token, caplog):
    def broken(event):
        raise RuntimeError("observer bug")

    verifier = TokenVerifier(keys=jwks, issuer=ISSUER, audience=AUDIENCE, on_event=broken)

    assert verifier.verify(make_token()).sub
    with pytest.raises(VerificationError):
        verifier.verify("garbage")
    assert "on_event hook failed for verification_failed" in caplog.text


def test_a_hook_must_be_callable(jwks):
    with pytest.raises(TypeError, match="on_event"):
        TokenVerifier(keys=jwks, issuer=ISSUER, audience=AUDIENCE, on_event="not callable")


def test_emit_without_a_hook_does_nothing():
    emit(None, "jwks_fetched", url="https://auth.example.test/jwks.json")


RECORDED: list[Event] = []


def record_event(event: Event) -> None:
    RECORDED.append(event)


@pytest.mark.urls("tests.verifier_client.drf_project.urls")
def test_drf_takes_on_event_as_a_dotted_path(settings, jwks):
    from rest_framework.test import APIClient

    RECORDED.clear()
    settings.REST_FRAMEWORK = {
        **settings.REST_FRAMEWORK,
        "DEFAULT_AUTHENTICATION_CLASSES": ["verifier_client.drf.JWKSAuthentication"],
    }
    settings.VERIFIER_CLIENT = {
        "JWKS": jwks, "ISSUER": ISSUER, "AUDIENCE": AUDIENCE,
        "ON_EVENT": "tests.verifier_client.test_events.record_event",
    }

    response = APIClient().get("/whoami", HTTP_AUTHORIZATION="Bearer not.a.token")

    assert response.status_code == 401
    assert RECORDED == [Event("verification_failed", reason="malformed_token")]


def test_flask_takes_on_event_from_its_config(jwks):
    from flask import Flask
    from verifier_client.flask import JWKSAuth

    counts = EventCounter()
    app = Flask(__name__)
    app.config.update(
        VERIFIER_CLIENT_JWKS=jwks, VERIFIER_CLIENT_ISSUER=ISSUER, VERIFIER_CLIENT_AUDIENCE=AUDIENCE,
        VERIFIER_CLIENT_ON_EVENT=counts,
    )
    auth = JWKSAuth(app)

    @app.get("/private")
    @auth.required
    def private():
        return "ok"

    response = app.test_client().get("/private", headers={"Authorization": "Bearer not.a.token"})

    assert response.status_code == 401
    assert counts.get("verification_failed", "malformed_token") == 1


def test_an_on_event_path_that_does_not_import_is_a_config_error():
    from verifier_client._settings import ConfigError, build_verifier, parse_settings

    values = {"JWKS": {"keys": []}, "ISSUER": ISSUER, "AUDIENCE": AUDIENCE, "ON_EVENT": "no.such.module.hook"}

    with pytest.raises(ConfigError, match=r"X\['ON_EVENT'\] 'no.such.module.hook' cannot be imported"):
        build_verifier(parse_settings(values, "X"), "X")
