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


def test_metadata_names_issuer_jwks_and_endpoints(client):
    doc = client.get("/.well-known/oauth-authorization-server").json()

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


# Read paths never write: a GET behind a cache or on a replica must not create state.

READ_PATHS = [JWKS, "/.well-known/oauth-authorization-server", "/health"]
_WRITES = ("INSERT", "UPDATE", "DELETE")


def _writes(queries) -> list[str]:
    return [q["sql"] for q in queries if q["sql"].lstrip().upper().startswith(_WRITES)]


@pytest.mark.no_signing_key
@pytest.mark.parametrize("method", ["get", "head"])
@pytest.mark.parametrize("path", [JWKS, "/health"])
def test_a_new_installation_read_creates_no_key(client, method, path):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from authfort_django.models import SigningKey

    with CaptureQueriesContext(connection) as captured:
        getattr(client, method)(path)

    assert _writes(captured.captured_queries) == []
    assert not SigningKey.objects.exists()


@pytest.mark.parametrize("path", READ_PATHS)
def test_get_and_head_write_nothing_once_keys_exist(client, path):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    with CaptureQueriesContext(connection) as captured:
        assert client.get(path).status_code == 200
        assert client.head(path).status_code == 200

    assert _writes(captured.captured_queries) == []


@pytest.mark.parametrize("path", READ_PATHS)
def test_head_answers_like_get_without_a_body(client, path):
    get, head = client.get(path), client.head(path)

    assert head.status_code == get.status_code == 200
    assert head.content == b""
    assert head["Content-Type"] == get["Content-Type"]


@pytest.mark.no_signing_key
def test_health_without_a_signing_key_is_503_and_says_what_to_run(client):
    response = client.get("/health")

    assert response.status_code == 503
    body = response.json()
    assert body["status"] == "unavailable"
    assert body["signing_key"] == "missing"
    assert "rotate_keys --if-none" in body["hint"]


@pytest.mark.no_signing_key
def test_the_jwks_of_a_new_installation_is_an_empty_set(client):
    response = client.get(JWKS)

    assert response.status_code == 200
    assert json.loads(response.content) == {"keys": []}


@pytest.mark.no_signing_key
def test_a_login_without_a_signing_key_is_503_with_a_code_not_a_500(client):
    from tests.factories import DEFAULT_PASSWORD, UserFactory

    user = UserFactory()
    response = client.post(
        "/auth/login", {"email": user.email, "password": DEFAULT_PASSWORD}, content_type="application/json"
    )

    assert response.status_code == 503
    assert response.json()["code"] == "signing_key_missing"
    assert response["Retry-After"]
    from authfort_django.models import AuthEvent, Session

    assert not Session.objects.exists()  # nothing half done: no session without its tokens
    assert not AuthEvent.objects.filter(type=AuthEvent.Type.LOGIN_SUCCEEDED).exists()


@pytest.mark.no_signing_key
def test_a_register_without_a_signing_key_creates_no_account(client):
    from authfort_django.models import User

    response = client.post(
        "/auth/register", {"email": "new@example.com", "password": "a long enough passphrase"},
        content_type="application/json",
    )

    assert (response.status_code, response.json()["code"]) == (503, "signing_key_missing")
    assert not User.objects.filter(email="new@example.com").exists()


@pytest.mark.no_signing_key
def test_a_refresh_without_a_signing_key_keeps_the_refresh_token_usable(client):
    from authfort_django.keys.rotation import ensure_key
    from authfort_django.models import RefreshToken
    from tests.factories import session_with_refresh_token

    _, raw = session_with_refresh_token()

    refused = client.post("/auth/refresh", {"refresh_token": raw}, content_type="application/json")

    assert (refused.status_code, refused.json()["code"]) == (503, "signing_key_missing")
    assert not RefreshToken.objects.filter(used_at__isnull=False).exists()  # not consumed
    ensure_key()
    retried = client.post("/auth/refresh", {"refresh_token": raw}, content_type="application/json")
    assert retried.status_code == 200, retried.content


@pytest.mark.no_signing_key
def test_a_token_presented_to_a_server_without_keys_is_a_401_not_a_500(client):
    from authfort_django.keys.crypto import generate_private_key
    from tests.helpers.tokens import mint

    token = mint(generate_private_key("RS256"), kid="no-such-key", alg="RS256")
    response = client.get("/auth/me", HTTP_AUTHORIZATION=f"Bearer {token}")

    assert response.status_code == 401
    assert response.json()["code"] in {"unknown_key", "invalid_token"}


def test_openid_configuration_is_not_served(client):
    """No ID tokens and no authorization endpoint: an OpenID document would be untrue."""
    assert client.get("/.well-known/openid-configuration").status_code == 404
