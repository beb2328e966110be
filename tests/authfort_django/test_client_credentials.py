"""POST /auth/token (RFC 6749 §4.4): the client credentials grant, its RFC 6749 §5.2
errors, its throttles, and the RFC 9068 token it hands out."""

from __future__ import annotations

import jwt
import pytest

from authfort_django.clients.registry import create_client, disable_client
from authfort_django.keys.store import key_store
from authfort_django.models import AuthEvent
from tests.helpers.clients import basic

pytestmark = pytest.mark.django_db

URL = "/auth/token"
FORM = "application/x-www-form-urlencoded"


@pytest.fixture
def orders():
    return create_client("orders", scopes=["notifications:write", "orders:read"], audiences=["notifications", "orders"])


def _token(client, body: str, authorization: str | None = None, **extra):
    headers = {"HTTP_AUTHORIZATION": authorization} if authorization else {}
    return client.post(URL, body, content_type=FORM, **headers, **extra)


def _basic(created) -> str:
    return basic(created.client.client_id, created.secret)


def _decoded(access_token: str) -> tuple[dict, dict]:
    header = jwt.get_unverified_header(access_token)
    key = jwt.PyJWK(next(k for k in key_store.jwks().keys if k["kid"] == header["kid"]))
    claims = jwt.decode(access_token, key.key, algorithms=["RS256"], options={"verify_aud": False})
    return header, claims


def _error(response) -> tuple[int, str]:
    body = response.json()
    assert set(body) == {"error", "error_description"}, body
    assert body["error_description"]
    assert response["Cache-Control"] == "no-store"
    return response.status_code, body["error"]


# -- success --------------------------------------------------------------------------


def test_basic_authentication_gets_an_rfc_9068_token(client, orders):
    response = _token(client, "grant_type=client_credentials&scope=notifications:write", _basic(orders))

    assert response.status_code == 200
    assert response["Cache-Control"] == "no-store"
    body = response.json()
    assert set(body) == {"access_token", "token_type", "expires_in", "scope"}
    assert body["token_type"] == "Bearer"
    assert body["scope"] == "notifications:write"
    assert body["expires_in"] == 900
    header, claims = _decoded(body["access_token"])
    assert header["typ"] == "at+jwt"
    client_id = orders.client.client_id
    assert claims["sub"] == claims["client_id"] == client_id
    assert claims["scope"] == "notifications:write"
    assert claims["aud"] == ["notifications", "orders"]
    assert claims["exp"] - claims["iat"] == 900
    assert claims["jti"]
    for absent in ("sid", "roles", "email", "ver"):
        assert absent not in claims


def test_client_secret_post_works_too(client, orders):
    body = f"grant_type=client_credentials&client_id={orders.client.client_id}&client_secret={orders.secret}"

    assert _token(client, body).status_code == 200


def test_without_scope_the_client_gets_its_whole_set(client, orders):
    body = _token(client, "grant_type=client_credentials", _basic(orders)).json()

    assert body["scope"] == "notifications:write orders:read"


def test_a_resource_narrows_the_audience(client, orders):
    body = _token(client, "grant_type=client_credentials&resource=notifications", _basic(orders)).json()

    assert _decoded(body["access_token"])[1]["aud"] == "notifications"


def test_the_client_lifetime_sets_exp(client):
    created = create_client("short", scopes=["a"], token_ttl=60)

    body = _token(client, "grant_type=client_credentials", _basic(created)).json()

    assert body["expires_in"] == 60


def test_issuing_is_audited_and_marks_the_client_used(client, orders):
    _token(client, "grant_type=client_credentials", _basic(orders))

    event = AuthEvent.objects.get(type=AuthEvent.Type.CLIENT_TOKEN_ISSUED)
    assert event.detail["client_id"] == orders.client.client_id
    orders.client.refresh_from_db()
    assert orders.client.last_used_at is not None


def test_the_secret_is_stored_only_as_a_digest(orders):
    stored = list(orders.client.secrets.values_list("secret_hash", flat=True))

    assert len(stored) == 1 and orders.secret not in stored[0]


# -- invalid_client -------------------------------------------------------------------


def test_a_wrong_secret_is_invalid_client_401_with_a_basic_challenge(client, orders):
    response = _token(client, "grant_type=client_credentials", basic(orders.client.client_id, "wrong-secret-123"))

    assert _error(response) == (401, "invalid_client")
    assert response["WWW-Authenticate"].startswith("Basic ")
    event = AuthEvent.objects.get(type=AuthEvent.Type.CLIENT_AUTH_FAILED)
    assert event.detail == {"client_id": orders.client.client_id, "method": "client_secret_basic",
                            "reason": "wrong_secret"}


def test_unknown_wrong_and_disabled_clients_get_the_same_answer(client, orders):
    other = create_client("other", scopes=["a"])
    disable_client(other.client)
    answers = [
        _token(client, "grant_type=client_credentials", basic("no-such-client", orders.secret)),
        _token(client, "grant_type=client_credentials", basic(orders.client.client_id, "x" + orders.secret)),
        _token(client, "grant_type=client_credentials", _basic(other)),
    ]

    assert len({(a.status_code, a.content) for a in answers}) == 1
    reasons = sorted(AuthEvent.objects.filter(type="client_auth_failed").values_list("detail__reason", flat=True))
    assert reasons == ["client_disabled", "unknown_client", "wrong_secret"]


def test_no_credentials_is_invalid_client(client, orders):
    response = _token(client, f"grant_type=client_credentials&client_id={orders.client.client_id}")

    assert _error(response) == (401, "invalid_client")


@pytest.mark.parametrize("header", ["Basic !!!notbase64", "Basic bm9jb2xvbg==", "Bearer abc.def.ghi"])
def test_a_malformed_or_foreign_authorization_header_is_invalid_client(client, orders, header):
    response = _token(client, "grant_type=client_credentials", header)

    assert _error(response) == (401, "invalid_client")
    assert AuthEvent.objects.filter(type="client_auth_failed").count() == 1


def test_a_rotated_out_secret_stops_working(client, orders):
    from authfort_django.clients.registry import rotate_secret

    new = rotate_secret(orders.client, grace=0)

    assert _token(client, "grant_type=client_credentials", _basic(orders)).status_code == 401
    assert _token(client, "grant_type=client_credentials", basic(orders.client.client_id, new)).status_code == 200


def test_during_the_grace_both_secrets_work(client, orders):
    from authfort_django.clients.registry import rotate_secret

    new = rotate_secret(orders.client, grace=3600)

    assert _token(client, "grant_type=client_credentials", _basic(orders)).status_code == 200
    assert _token(client, "grant_type=client_credentials", basic(orders.client.client_id, new)).status_code == 200


# -- the other RFC 6749 §5.2 errors ---------------------------------------------------


def test_an_unknown_grant_type_is_unsupported_grant_type(client, orders):
    assert _error(_token(client, "grant_type=password&username=a&password=b", _basic(orders))) == (
        400, "unsupported_grant_type")


def test_a_missing_grant_type_is_invalid_request(client, orders):
    assert _error(_token(client, "scope=orders:read", _basic(orders))) == (400, "invalid_request")


def test_a_json_body_is_invalid_request_that_says_form(client, orders):
    response = client.post(URL, {"grant_type": "client_credentials"}, content_type="application/json",
                           HTTP_AUTHORIZATION=_basic(orders))

    assert _error(response) == (400, "invalid_request")
    assert "form-encoded" in response.json()["error_description"]


def test_a_repeated_parameter_is_invalid_request(client, orders):
    response = _token(client, "grant_type=client_credentials&scope=orders:read&scope=orders:read", _basic(orders))

    assert _error(response) == (400, "invalid_request")
    assert "more than once" in response.json()["error_description"]


def test_two_authentication_methods_are_invalid_request(client, orders):
    body = f"grant_type=client_credentials&client_id={orders.client.client_id}&client_secret={orders.secret}"

    assert _error(_token(client, body, _basic(orders))) == (400, "invalid_request")


def test_a_scope_outside_the_clients_set_is_invalid_scope_never_narrowed(client, orders):
    response = _token(client, "grant_type=client_credentials&scope=orders:read orders:delete", _basic(orders))

    assert _error(response) == (400, "invalid_scope")
    assert "orders:delete" in response.json()["error_description"]


@pytest.mark.parametrize("scope", ["orders:read%00", "orders:read%0Aadmin", "orders:read%20%20orders:read", "a%22b"])
def test_a_malformed_scope_is_invalid_scope(client, orders, scope):
    assert _error(_token(client, f"grant_type=client_credentials&scope={scope}", _basic(orders))) == (
        400, "invalid_scope")


def test_a_resource_outside_the_clients_set_is_invalid_target(client, orders):
    response = _token(client, "grant_type=client_credentials&resource=payments", _basic(orders))

    assert _error(response) == (400, "invalid_target")


def test_an_introspection_only_client_is_unauthorized_client(client):
    created = create_client("gateway", can_request_tokens=False, can_introspect=True)

    assert _error(_token(client, "grant_type=client_credentials", _basic(created))) == (400, "unauthorized_client")


def test_credentials_in_the_url_are_refused(client, orders):
    response = client.post(f"{URL}?client_secret={orders.secret}", "grant_type=client_credentials", content_type=FORM)

    assert _error(response) == (400, "invalid_request")


def test_get_is_405_in_the_rfc_shape(client):
    response = client.get(URL)

    assert _error(response) == (405, "invalid_request")
    assert response["Allow"] == "POST"


def test_an_oversized_body_is_413_not_500(client, orders, settings):
    settings.DATA_UPLOAD_MAX_MEMORY_SIZE = 1000

    response = _token(client, "grant_type=client_credentials&scope=" + "a" * 2000, _basic(orders))

    assert _error(response) == (413, "invalid_request")


# -- throttles ------------------------------------------------------------------------


def test_requests_naming_one_client_are_throttled_wherever_they_come_from(client, orders, authfort):
    authfort(THROTTLE_RATES={"token_client": "2/min", "token": "100/min"})
    wrong = basic(orders.client.client_id, "guess-0123456789")
    for address in ("10.0.0.1", "10.0.0.2"):
        assert _token(client, "grant_type=client_credentials", wrong, REMOTE_ADDR=address).status_code == 401

    response = _token(client, "grant_type=client_credentials", _basic(orders), REMOTE_ADDR="10.0.0.3")

    assert _error(response) == (429, "temporarily_unavailable")
    assert int(response["Retry-After"]) > 0


def test_requests_from_one_address_are_throttled_whatever_client_they_name(client, orders, authfort):
    authfort(THROTTLE_RATES={"token_client": "100/min", "token": "2/min"})
    for name in ("a", "b"):
        _token(client, "grant_type=client_credentials", basic(name, "guess-0123456789"))

    assert _error(_token(client, "grant_type=client_credentials", _basic(orders))) == (429, "temporarily_unavailable")


# -- what a client token may do at this server ------------------------------------------


def test_a_client_token_is_refused_by_user_routes(client, orders):
    access = _token(client, "grant_type=client_credentials", _basic(orders)).json()["access_token"]

    response = client.get("/auth/me", HTTP_AUTHORIZATION=f"Bearer {access}")

    assert response.status_code == 401
