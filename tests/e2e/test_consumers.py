"""DRF and Flask consumers against a live auth server: its real JWKS and introspection over HTTP.

The consumers know the server only by URL, as a deployed service would. Revocation
is produced the way the server does it: replaying a rotated refresh token revokes
the whole session, after which introspection calls its access tokens inactive
while local verification still accepts them until `exp`.
"""

from __future__ import annotations

import pytest
from flask import Flask
from rest_framework.test import APIClient
from verifier_client.flask import JWKSAuth, current_claims

pytestmark = pytest.mark.slow


def revoke_session(auth_server, account: dict) -> str:
    """Rotate the account's refresh token, replay the old one; return the session's newest access token."""
    rotated = auth_server.post("/auth/refresh", {"refresh_token": account["refresh_token"]})
    assert rotated.status_code == 200, rotated.text
    replay = auth_server.post("/auth/refresh", {"refresh_token": account["refresh_token"]})
    assert replay.status_code == 401, replay.text
    return rotated.json()["access_token"]


def consumer_settings(auth_server, **overrides) -> dict:
    return {
        "JWKS_URL": auth_server.jwks_url,
        "ISSUER": auth_server.issuer,
        "AUDIENCE": auth_server.audience,
        "INTROSPECTION_URL": auth_server.introspection_url,
        "INTROSPECTION_SECRET": auth_server.introspection_secret,
        # No INTROSPECTION_CACHE_TTL: by default every live check asks the server.
        **overrides,
    }


def bearer(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


# -- DRF ------------------------------------------------------------------------------
@pytest.fixture
def drf_consumer(settings, auth_server):
    """An APIClient on the DRF consumer project, configured from the live server's URLs."""
    settings.ROOT_URLCONF = "tests.verifier_client.drf_project.urls"
    settings.REST_FRAMEWORK = {
        **settings.REST_FRAMEWORK,
        "DEFAULT_AUTHENTICATION_CLASSES": ["verifier_client.drf.JWKSAuthentication"],
    }
    settings.VERIFIER_CLIENT = consumer_settings(auth_server)
    return APIClient()


def test_drf_consumer_accepts_the_servers_access_token(drf_consumer, auth_server):
    account = auth_server.register()

    response = drf_consumer.get("/whoami", HTTP_AUTHORIZATION=f"Bearer {account['access_token']}")

    assert response.status_code == 200
    assert response.json()["user_class"] == "TokenUser"
    assert response.json()["id"] == str(account["user"]["id"])


def test_drf_consumer_sensitive_view_sees_revocation(drf_consumer, auth_server):
    account = auth_server.register()
    token = account["access_token"]
    assert drf_consumer.get("/sensitive", HTTP_AUTHORIZATION=f"Bearer {token}").status_code == 200

    newest = revoke_session(auth_server, account)

    # Local verification still trusts the token until exp; introspection does not.
    assert drf_consumer.get("/whoami", HTTP_AUTHORIZATION=f"Bearer {newest}").status_code == 200
    response = drf_consumer.get("/sensitive", HTTP_AUTHORIZATION=f"Bearer {newest}")
    assert response.status_code == 401
    assert response.json()["code"] == "token_inactive"


def test_drf_consumer_fails_closed_with_a_wrong_introspection_secret(settings, drf_consumer, auth_server):
    settings.VERIFIER_CLIENT = consumer_settings(auth_server, INTROSPECTION_SECRET="not-the-secret")
    token = auth_server.register()["access_token"]

    response = drf_consumer.get("/sensitive", HTTP_AUTHORIZATION=f"Bearer {token}")

    # Refused, but as "cannot check now" (503): the token was never judged, so the
    # client must not be sent to log in again.
    assert response.status_code == 503
    assert response.json()["code"] == "introspection_unavailable"
    assert "HTTP status 401" in response.json()["detail"]
    assert int(response["Retry-After"]) >= 1


def test_drf_consumer_refuses_a_token_for_another_audience(settings, drf_consumer, auth_server):
    settings.VERIFIER_CLIENT = consumer_settings(auth_server, AUDIENCE="another-service")
    token = auth_server.register()["access_token"]

    response = drf_consumer.get("/whoami", HTTP_AUTHORIZATION=f"Bearer {token}")

    assert response.status_code == 401
    assert response.json()["code"] == "invalid_audience"


# -- Flask ----------------------------------------------------------------------------
@pytest.fixture
def flask_consumer(auth_server):
    app = Flask("consumer")
    app.config.update({f"VERIFIER_CLIENT_{k}": v for k, v in consumer_settings(auth_server).items()})
    auth = JWKSAuth(app)

    @app.get("/whoami")
    @auth.required
    def whoami():
        return {"sub": current_claims.sub}

    @app.get("/sensitive")
    @auth.active_required
    def sensitive():
        return {"sub": current_claims.sub}

    return app.test_client()


def test_flask_consumer_accepts_the_servers_access_token(flask_consumer, auth_server):
    account = auth_server.register()

    response = flask_consumer.get("/whoami", headers=bearer(account["access_token"]))

    assert response.status_code == 200
    assert response.json == {"sub": str(account["user"]["id"])}


def test_flask_consumer_sensitive_view_sees_revocation(flask_consumer, auth_server):
    account = auth_server.register()
    assert flask_consumer.get("/sensitive", headers=bearer(account["access_token"])).status_code == 200

    newest = revoke_session(auth_server, account)

    assert flask_consumer.get("/whoami", headers=bearer(newest)).status_code == 200
    response = flask_consumer.get("/sensitive", headers=bearer(newest))
    assert response.status_code == 401
    assert response.json["code"] == "token_inactive"
    assert response.headers["WWW-Authenticate"].startswith('Bearer realm="api", error="invalid_token"')


def test_flask_consumer_fails_closed_with_a_wrong_introspection_secret(auth_server):
    app = Flask("consumer")
    settings = consumer_settings(auth_server, INTROSPECTION_SECRET="not-the-secret")
    app.config.update({f"VERIFIER_CLIENT_{k}": v for k, v in settings.items()})
    auth = JWKSAuth(app)
    app.add_url_rule("/sensitive", view_func=auth.active_required(lambda: {"ok": True}))

    response = app.test_client().get("/sensitive", headers=bearer(auth_server.register()["access_token"]))

    assert response.status_code == 503
    assert response.json["code"] == "introspection_unavailable"
    assert int(response.headers["Retry-After"]) >= 1


def test_flask_consumer_refuses_a_tampered_server_token(flask_consumer, auth_server):
    header, payload, signature = auth_server.register()["access_token"].split(".")
    tampered = f"{header}.{payload}.{signature[:-4]}{'AAAA' if signature[-4:] != 'AAAA' else 'BBBB'}"

    response = flask_consumer.get("/whoami", headers=bearer(tampered))

    assert response.status_code == 401
    assert response.json["code"] in {"invalid_signature", "malformed_token"}
