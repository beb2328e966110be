"""POST /auth/oauth/{provider}/id-token: a native app's ID token, issued by the real
OpenID Provider, checked with verifier_client against its JWKS."""

from __future__ import annotations

import json
import time

import pytest
from cryptography.hazmat.primitives.asymmetric import rsa

from authfort_django.models import AuthEvent, Identity
from tests.authfort_django.federation.conftest import OTHER_CLIENT_ID, id_token_from
from tests.helpers.http_fixtures import LoopbackHTTPServer
from tests.helpers.tokens import b64url, mint, public_jwk

pytestmark = pytest.mark.django_db

NONCE = "n-0S6_WzA2Mj"


def post_id_token(client, token: str, nonce: str | None = NONCE, provider: str = "local"):
    body = {"id_token": token} if nonce is None else {"id_token": token, "nonce": nonce}
    return client.post(f"/auth/oauth/{provider}/id-token", body, content_type="application/json")


def test_an_id_token_issued_for_our_client_signs_in(federation, oidc_provider, browser, client):
    oidc_provider.set_account("rae-1", email="rae@example.com", email_verified=True)
    response = post_id_token(client, id_token_from(oidc_provider, browser, "rae-1"))
    assert response.status_code == 200, response.content
    assert response.json()["user"]["email"] == "rae@example.com"
    assert Identity.objects.get().subject == "rae-1"
    assert AuthEvent.objects.filter(type="login_succeeded", detail__method="id_token").exists()


def test_an_id_token_issued_for_another_client_is_refused(federation, oidc_provider, browser, client):
    oidc_provider.set_account("sam-1", email="sam@example.com", email_verified=True)
    response = post_id_token(client, id_token_from(oidc_provider, browser, "sam-1", client_id=OTHER_CLIENT_ID))
    assert response.status_code == 401 and response.json()["code"] == "id_token_invalid"
    assert not Identity.objects.exists()


def test_a_native_client_id_is_accepted_when_configured(federation, oidc_provider, browser, client, settings):
    providers = settings.AUTHFORT["PROVIDERS"]
    federation(PROVIDERS={"local": {**providers["local"], "NATIVE_CLIENT_IDS": [OTHER_CLIENT_ID]}})
    oidc_provider.set_account("tia-1", email="tia@example.com", email_verified=True)
    response = post_id_token(client, id_token_from(oidc_provider, browser, "tia-1", client_id=OTHER_CLIENT_ID))
    assert response.status_code == 200, response.content


def test_an_expired_id_token_is_refused(federation, oidc_provider, browser, client, clocks):
    oidc_provider.set_account("uma-1", email="uma@example.com", email_verified=True)
    token = id_token_from(oidc_provider, browser, "uma-1")
    clocks.advance(2 * 3600)  # oidc-provider's ID tokens live an hour
    response = post_id_token(client, token)
    assert response.status_code == 401 and response.json()["code"] == "id_token_invalid"
    assert "expired" in response.json()["detail"]


def test_an_id_token_works_once(federation, oidc_provider, browser, client):
    oidc_provider.set_account("val-1", email="val@example.com", email_verified=True)
    token = id_token_from(oidc_provider, browser, "val-1")
    assert post_id_token(client, token).status_code == 200
    again = post_id_token(client, token)
    assert again.status_code == 401 and again.json()["code"] == "id_token_reused"


@pytest.mark.parametrize("nonce", [None, "another-nonce"])
def test_the_nonce_must_match(federation, oidc_provider, browser, client, nonce):
    oidc_provider.set_account("wes-1", email="wes@example.com", email_verified=True)
    response = post_id_token(client, id_token_from(oidc_provider, browser, "wes-1"), nonce=nonce)
    assert response.status_code == 401 and response.json()["code"] == "id_token_nonce_mismatch"


def _forged(header: dict, payload: dict, signature: bytes = b"") -> str:
    return ".".join([b64url(json.dumps(header)), b64url(json.dumps(payload)), b64url(signature)])


def _claims(issuer: str) -> dict:
    now = int(time.time())
    return {"iss": issuer, "sub": "mallory", "aud": "authfort-web", "iat": now, "exp": now + 300, "nonce": NONCE,
            "email": "victim@example.com", "email_verified": True}


@pytest.mark.parametrize("alg", ["none", "None", "HS256"])
def test_an_unsigned_or_hmac_id_token_is_refused(federation, oidc_provider, client, alg):
    import hashlib
    import hmac

    header = {"alg": alg, "typ": "JWT", "kid": "x"}
    unsigned = _forged(header, _claims(oidc_provider.issuer))
    if alg == "HS256":
        signing_input = unsigned.rsplit(".", 1)[0].encode()
        unsigned = unsigned + b64url(hmac.new(b"authfort-web-secret-0123456789abcdef", signing_input, hashlib.sha256).digest())
    response = post_id_token(client, unsigned)
    assert response.status_code == 401 and response.json()["code"] == "id_token_invalid"
    assert not Identity.objects.exists()


def test_an_id_token_with_another_providers_iss_is_refused(federation, client, settings):
    """A stand-in provider whose keys we hold (loopback discovery + JWKS): a token that it
    signs correctly but that names another issuer is refused by the exact `iss` check."""
    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    with LoopbackHTTPServer() as standin:
        issuer = standin.url("").rstrip("/")
        standin.set_json(
            {"issuer": issuer, "authorization_endpoint": issuer + "/auth", "token_endpoint": issuer + "/token",
             "jwks_uri": issuer + "/jwks"},
            path="/.well-known/openid-configuration",
        )
        standin.set_json({"keys": [public_jwk(key, kid="standin-1", alg="RS256")]}, path="/jwks")
        federation(PROVIDERS={**settings.AUTHFORT["PROVIDERS"], "standin": {"ISSUER": issuer, "CLIENT_ID": "authfort-web"}})
        good = mint(key, kid="standin-1", alg="RS256", header={"typ": "JWT"}, claims=_claims(issuer))
        assert post_id_token(client, good, provider="standin").status_code == 200  # the stand-in works
        other = mint(key, kid="standin-1", alg="RS256", header={"typ": "JWT"}, claims=_claims("https://accounts.google.com"))
        response = post_id_token(client, other, provider="standin")
    assert response.status_code == 401 and response.json()["code"] == "id_token_invalid"
    assert "issuer" in response.json()["detail"]
