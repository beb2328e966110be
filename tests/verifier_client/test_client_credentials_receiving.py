"""The receiving side of a service call: Claims.scopes / is_client, DRF HasScope /
require_scopes / UserJWKSAuthentication, Flask scopes_required / user_required."""

from __future__ import annotations

import pytest
from flask import Flask
from rest_framework.test import APIClient
from verifier_client.claims import Claims
from verifier_client.flask import JWKSAuth, current_claims

from tests.helpers.tokens import AUDIENCE, ISSUER

CLIENT = {"sub": "svc-orders", "client_id": "svc-orders", "scope": "notifications:write orders:read", "sid": None,
          "roles": None}


def _client_claims(**raw):
    return {**CLIENT, "roles": ["admin"], **raw}


# -- Claims ---------------------------------------------------------------------------
def _raw(claims):
    return {name: value for name, value in claims.items() if value is not None}


def test_a_client_tokens_claims_say_so_and_name_its_scopes():
    claims = Claims(_raw(CLIENT))

    assert claims.is_client
    assert claims.scopes == ("notifications:write", "orders:read")
    assert claims.has_scopes("orders:read", "notifications:write")
    assert not claims.has_scopes("orders:write")


def test_a_user_token_is_no_client_token():
    assert not Claims({"sub": "u1", "client_id": "authfort", "sid": "s1", "roles": ["admin"]}).is_client


def test_roles_never_pass_for_a_client_token_even_if_it_carries_some():
    assert not Claims(_raw(_client_claims())).has_role("admin")


@pytest.mark.parametrize("scope", [None, 7, ["a"], {"a": 1}])
def test_a_scope_claim_that_is_no_string_grants_nothing(scope):
    assert Claims(_raw({**CLIENT, "scope": scope})).scopes == ()


# -- DRF --------------------------------------------------------------------------------
@pytest.fixture
def drf(settings, jwks):
    settings.REST_FRAMEWORK = {**settings.REST_FRAMEWORK,
                               "DEFAULT_AUTHENTICATION_CLASSES": ["verifier_client.drf.JWKSAuthentication"]}
    settings.VERIFIER_CLIENT = {"JWKS": jwks, "ISSUER": ISSUER, "AUDIENCE": AUDIENCE}
    return APIClient()


pytestmark_drf = pytest.mark.urls("tests.verifier_client.drf_project.urls")


@pytestmark_drf
def test_drf_admits_a_token_with_the_scope(drf, make_token):
    response = drf.post("/notifications", HTTP_AUTHORIZATION=f"Bearer {make_token(claims=CLIENT)}")

    assert response.status_code == 200


@pytestmark_drf
def test_drf_refuses_a_missing_scope_with_403_insufficient_scope_and_the_rfc_6750_challenge(drf, make_token):
    token = make_token(claims={**CLIENT, "scope": "orders:read"})

    response = drf.post("/notifications", HTTP_AUTHORIZATION=f"Bearer {token}")

    assert response.status_code == 403
    assert response.json()["code"] == "insufficient_scope"
    challenge = response["WWW-Authenticate"]
    assert 'error="insufficient_scope"' in challenge and 'scope="notifications:write"' in challenge


@pytestmark_drf
def test_drf_without_a_token_is_401_at_a_scoped_view(drf):
    assert drf.post("/notifications").status_code == 401


@pytestmark_drf
def test_drf_role_checks_refuse_a_client_token(drf, make_token):
    response = drf.get("/admin-only", HTTP_AUTHORIZATION=f"Bearer {make_token(claims=_client_claims())}")

    assert response.status_code == 403


@pytestmark_drf
def test_drf_user_only_authentication_refuses_client_tokens_clearly(drf, make_token):
    client_answer = drf.get("/users-only", HTTP_AUTHORIZATION=f"Bearer {make_token(claims=CLIENT)}")
    user_answer = drf.get("/users-only", HTTP_AUTHORIZATION=f"Bearer {make_token(claims={'sid': 's1'})}")

    assert client_answer.status_code == 403
    assert client_answer.json()["code"] == "user_token_required"
    assert user_answer.status_code == 200


def test_require_scopes_needs_names():
    from verifier_client.drf import require_scopes

    with pytest.raises(ValueError):
        require_scopes()
    with pytest.raises(ValueError):
        require_scopes("a b")


# -- Flask ------------------------------------------------------------------------------
@pytest.fixture
def flask_client(jwks):
    app = Flask("consumer")
    app.config.update(VERIFIER_CLIENT_JWKS=jwks, VERIFIER_CLIENT_ISSUER=ISSUER, VERIFIER_CLIENT_AUDIENCE=AUDIENCE)
    auth = JWKSAuth(app)

    @app.post("/notifications")
    @auth.scopes_required("notifications:write")
    def send():
        return {"by": current_claims.sub}, 202

    @app.get("/me")
    @auth.user_required
    def me():
        return {"sub": current_claims.sub}

    @app.get("/admin")
    @auth.roles_required("admin")
    def admin():
        return {"ok": True}

    return app.test_client()


def test_flask_admits_a_token_with_the_scope(flask_client, make_token):
    response = flask_client.post("/notifications", headers={"Authorization": f"Bearer {make_token(claims=CLIENT)}"})

    assert response.status_code == 202


def test_flask_refuses_a_missing_scope_with_the_rfc_6750_challenge(flask_client, make_token):
    token = make_token(claims={**CLIENT, "scope": "orders:read"})

    response = flask_client.post("/notifications", headers={"Authorization": f"Bearer {token}"})

    assert response.status_code == 403
    assert response.json["code"] == "insufficient_scope"
    assert 'scope="notifications:write"' in response.headers["WWW-Authenticate"]


def test_flask_user_required_and_roles_refuse_client_tokens(flask_client, make_token):
    client_token = make_token(claims=_client_claims())

    assert flask_client.get("/me", headers={"Authorization": f"Bearer {client_token}"}).json["code"] == (
        "user_token_required")
    assert flask_client.get("/admin", headers={"Authorization": f"Bearer {client_token}"}).status_code == 403
    user = make_token(claims={"sid": "s1"})
    assert flask_client.get("/me", headers={"Authorization": f"Bearer {user}"}).status_code == 200
