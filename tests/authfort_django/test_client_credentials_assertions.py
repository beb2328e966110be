"""private_key_jwt (RFC 7523 §2.2) at /auth/token: a key pair made here, the assertion
checked by verifier_client, and every way an assertion is refused (invalid_client)."""

from __future__ import annotations

import time

import jwt
import pytest

from authfort_django.clients.registry import create_client
from authfort_django.models import AuthEvent
from tests.helpers.clients import ASSERTION_TYPE, ClientKey

pytestmark = pytest.mark.django_db

URL = "/auth/token"
TOKEN_ENDPOINT = "http://testserver/auth/token"
FORM = "application/x-www-form-urlencoded"


@pytest.fixture
def key():
    return ClientKey()


@pytest.fixture
def signer(key):
    return create_client("reports", scopes=["orders:read"], jwks=key.jwks).client


def _with(client, assertion: str, **extra: str):
    body = {"grant_type": "client_credentials", "client_assertion_type": ASSERTION_TYPE,
            "client_assertion": assertion, **extra}
    from urllib.parse import urlencode

    return client.post(URL, urlencode(body), content_type=FORM)


def _refusal(response) -> str:
    assert response.status_code == 401, response.content
    body = response.json()
    assert body["error"] == "invalid_client"
    return body["error_description"]


def test_a_registered_key_gets_a_token(client, key, signer):
    response = _with(client, key.assertion(signer.client_id, TOKEN_ENDPOINT))

    assert response.status_code == 200
    assert jwt.decode(response.json()["access_token"], options={"verify_signature": False})["sub"] == signer.client_id


def test_the_issuer_is_an_accepted_audience_too(client, key, signer):
    assert _with(client, key.assertion(signer.client_id, "http://testserver")).status_code == 200


def test_a_client_with_a_key_gets_no_secret(signer):
    assert not signer.secrets.exists()


def test_a_reused_jti_is_refused(client, key, signer):
    assertion = key.assertion(signer.client_id, TOKEN_ENDPOINT)
    assert _with(client, assertion).status_code == 200

    assert "already used" in _refusal(_with(client, assertion))
    assert AuthEvent.objects.get(type="client_auth_failed").detail["reason"] == "assertion_replayed"


def test_a_wrong_audience_is_refused(client, key, signer):
    assert "'aud' must name this server" in _refusal(_with(client, key.assertion(signer.client_id, "https://elsewhere.example")))


def test_a_wrong_subject_is_refused(client, key, signer):
    assert "sub" in _refusal(_with(client, key.assertion(signer.client_id, TOKEN_ENDPOINT, sub="someone-else")))


def test_an_issuer_that_is_no_client_is_refused(client, key, signer):
    _refusal(_with(client, key.assertion("no-such-client", TOKEN_ENDPOINT)))


def test_another_clients_key_is_refused(client, key, signer):
    stranger = ClientKey()

    _refusal(_with(client, stranger.assertion(signer.client_id, TOKEN_ENDPOINT)))


def test_an_expired_assertion_is_refused(client, key, signer):
    past = int(time.time()) - 3600

    assert "expired" in _refusal(_with(client, key.assertion(signer.client_id, TOKEN_ENDPOINT, iat=past,
                                                             exp=past + 60)))


def test_an_assertion_valid_for_too_long_is_refused(client, key, signer):
    assertion = key.assertion(signer.client_id, TOKEN_ENDPOINT, exp=int(time.time()) + 86400)

    assert "too late" in _refusal(_with(client, assertion))


def test_an_assertion_without_jti_is_refused(client, key, signer):
    _refusal(_with(client, key.assertion(signer.client_id, TOKEN_ENDPOINT, jti=None)))


def test_an_oversized_assertion_is_refused_before_any_work(client, key, signer):
    assertion = key.assertion(signer.client_id, TOKEN_ENDPOINT, padding="x" * 5000)

    assert "larger than" in _refusal(_with(client, assertion))


@pytest.mark.parametrize("assertion", ["not-a-jwt", "a.b.c", "e30.e30.e30", "x" * 100])
def test_garbage_assertions_are_invalid_client_not_500(client, signer, assertion):
    _refusal(_with(client, assertion))


def test_alg_none_is_refused(client, signer):
    assertion = jwt.encode({"iss": signer.client_id, "sub": signer.client_id, "aud": TOKEN_ENDPOINT,
                            "exp": int(time.time()) + 60, "jti": "j1"}, None, algorithm="none",
                           headers={"kid": "client-key-1"})

    _refusal(_with(client, assertion))


def test_a_client_id_that_differs_from_the_issuer_is_refused(client, key, signer):
    assert "differs" in _refusal(_with(client, key.assertion(signer.client_id, TOKEN_ENDPOINT), client_id="other"))


def test_a_wrong_assertion_type_is_refused(client, key, signer):
    from urllib.parse import urlencode

    body = urlencode({"grant_type": "client_credentials", "client_assertion_type": "urn:example:saml",
                      "client_assertion": key.assertion(signer.client_id, TOKEN_ENDPOINT)})

    _refusal(client.post(URL, body, content_type=FORM))


def test_a_secret_client_cannot_use_an_assertion(client, key):
    secret_client = create_client("secretive", scopes=["a"]).client

    assert "no registered keys" in _refusal(_with(client, key.assertion(secret_client.client_id, TOKEN_ENDPOINT)))
