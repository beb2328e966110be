import json

import pytest

from authfort_django.keys.crypto import jwk_thumbprint
from authfort_django.keys.store import key_store

pytestmark = pytest.mark.django_db

JWKS = "/.well-known/jwks.json"
PUBLIC_MEMBERS = {"RSA": {"kty", "n", "e", "kid", "use", "alg"}}


def test_jwks_publishes_only_public_members(client):
    response = client.get(JWKS)

    assert response.status_code == 200
    assert response["Content-Type"] == "application/jwk-set+json"
    keys = json.loads(response.content)["keys"]
    assert keys
    for jwk in keys:
        assert set(jwk) == PUBLIC_MEMBERS[jwk["kty"]]
        assert jwk["use"] == "sig"
        assert jwk["kid"] == jwk_thumbprint(jwk)


def test_jwks_rsa_keys_are_at_least_2048_bits(client):
    import base64

    for jwk in json.loads(client.get(JWKS).content)["keys"]:
        n = int.from_bytes(base64.urlsafe_b64decode(jwk["n"] + "=="), "big")
        assert n.bit_length() >= 2048


def test_jwks_is_cacheable_with_an_etag(client):
    response = client.get(JWKS)

    assert response["Cache-Control"] == "public, max-age=300"
    assert response["ETag"].startswith('"')


def test_jwks_answers_304_to_a_matching_if_none_match(client):
    etag = client.get(JWKS)["ETag"]

    response = client.get(JWKS, HTTP_IF_NONE_MATCH=etag)

    assert response.status_code == 304
    assert response.content == b""
    assert response["ETag"] == etag


def test_jwks_answers_200_to_a_stale_if_none_match(client):
    assert client.get(JWKS, HTTP_IF_NONE_MATCH='"stale"').status_code == 200


def test_jwks_makes_no_database_query_once_warm(client, django_assert_num_queries):
    client.get(JWKS)

    with django_assert_num_queries(0):
        assert client.get(JWKS).status_code == 200
        assert client.get(JWKS, HTTP_IF_NONE_MATCH=key_store.jwks().etag).status_code == 304


def test_jwks_refuses_post(client):
    assert client.post(JWKS).status_code == 405


@pytest.mark.parametrize("path", ["/.well-known/oauth-authorization-server", "/.well-known/openid-configuration"])
def test_metadata_names_issuer_jwks_and_endpoints(client, path):
    doc = client.get(path).json()

    assert doc["issuer"] == "http://testserver"
    assert doc["jwks_uri"] == "http://testserver/.well-known/jwks.json"
    assert doc["authfort_login_endpoint"] == "http://testserver/auth/login"
    assert doc["authfort_logout_endpoint"] == "http://testserver/auth/logout"
    assert doc["introspection_endpoint"] == "http://testserver/auth/introspect"
    assert "RS256" in doc["access_token_signing_alg_values_supported"]


def test_health_reports_database_and_signing_key(client):
    response = client.get("/health")

    assert response.status_code == 200
    assert response.json() == {"status": "ok", "database": "ok", "signing_key": "ok"}
    assert response["Cache-Control"] == "no-store"


def test_metadata_leaves_out_introspection_when_it_is_disabled(client, settings):
    settings.AUTHFORT = {**settings.AUTHFORT, "INTROSPECTION_SECRETS": []}

    doc = client.get("/.well-known/oauth-authorization-server").json()

    assert "introspection_endpoint" not in doc
