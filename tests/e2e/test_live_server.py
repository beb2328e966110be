"""The auth server as a real process: HTTP in, tokens any standard verifier accepts out."""

from __future__ import annotations

import json

import jwt
import pytest
import requests

from tests.helpers.e2e_http import assert_bearer_challenge

pytestmark = pytest.mark.slow


def _kid(token: str) -> str:
    return jwt.get_unverified_header(token)["kid"]


def _verify_with_pyjwt(server, token: str) -> dict:
    """PyJWT with nothing but the JWKS fetched from the server over HTTP."""
    client = jwt.PyJWKClient(server.jwks_url, cache_keys=False)
    key = client.get_signing_key_from_jwt(token)
    return jwt.decode(
        token,
        key.key,
        algorithms=["RS256"],
        audience=server.audience,
        issuer=server.issuer,
        options={"require": ["exp", "iat", "sub", "iss", "aud", "jti"]},
    )


def test_login_over_http_issues_a_token_pyjwt_verifies_from_the_jwks(auth_server):
    account = auth_server.register()

    response = auth_server.login(account["email"])

    assert response.status_code == 200
    token = response.json()["access_token"]
    claims = _verify_with_pyjwt(auth_server, token)
    assert claims["sub"] == account["user"]["id"]
    assert jwt.get_unverified_header(token)["typ"] == "at+jwt"


def test_joserfc_also_verifies_the_token_from_the_jwks_alone(auth_server):
    """A second, independent JOSE implementation agrees (RFC 9068 interoperability)."""
    from joserfc import jwt as jose_jwt
    from joserfc.jwk import KeySet

    account = auth_server.register()
    key_set = KeySet.import_key_set(requests.get(auth_server.jwks_url, timeout=10).json())

    token = jose_jwt.decode(account["access_token"], key_set, algorithms=["RS256"])
    jose_jwt.JWTClaimsRegistry(
        iss={"essential": True, "value": auth_server.issuer},
        aud={"essential": True, "value": auth_server.audience},
        sub={"essential": True},
        exp={"essential": True},
    ).validate(token.claims)

    assert token.header["typ"] == "at+jwt"
    assert token.claims["sub"] == account["user"]["id"]


def test_me_over_http(auth_server):
    account = auth_server.register()

    response = auth_server.get("/auth/me", headers={"Authorization": f"Bearer {account['access_token']}"})

    assert response.status_code == 200
    assert response.json()["email"] == account["email"]


def test_me_over_http_rejects_a_tampered_token_with_a_challenge(auth_server):
    token = auth_server.register()["access_token"]
    header, payload, signature = token.split(".")
    tampered = f"{header}.{payload}.{signature[:-4]}AAAA"

    response = auth_server.get("/auth/me", headers={"Authorization": f"Bearer {tampered}"})

    assert_bearer_challenge(response, code="invalid_signature")


def test_jwks_over_http_supports_conditional_requests(auth_server):
    first = auth_server.get("/.well-known/jwks.json")

    second = auth_server.get("/.well-known/jwks.json", headers={"If-None-Match": first.headers["ETag"]})

    assert first.status_code == 200
    assert first.headers["Cache-Control"].startswith("public, max-age=")
    assert second.status_code == 304


def test_rotation_from_cron_never_fails_a_token(start_auth_server):
    """rotate_keys run as cron would, against the live server's database: tokens of the
    old key keep verifying, the new key is published before it signs."""
    server = start_auth_server(AUTHFORT_KEY_CACHE_TTL="0")
    old = server.register()
    old_kid = _kid(old["access_token"])

    server.manage("rotate_keys")  # publishes the next key PUBLISH_AHEAD before it signs
    published = {k["kid"] for k in server.get("/.well-known/jwks.json").json()["keys"]}
    still_old = server.login(old["email"]).json()["access_token"]

    assert old_kid in published and len(published) == 2
    assert _kid(still_old) == old_kid

    server.manage("rotate_keys", "--now")  # the pending key signs from now on
    new = server.login(old["email"]).json()["access_token"]

    assert _kid(new) != old_kid
    for token in (old["access_token"], still_old, new):
        assert _verify_with_pyjwt(server, token)["sub"] == old["user"]["id"]
        me = server.get("/auth/me", headers={"Authorization": f"Bearer {token}"})
        assert me.status_code == 200


def test_revoked_key_stops_verifying_at_once(start_auth_server):
    server = start_auth_server(AUTHFORT_KEY_CACHE_TTL="0")
    account = server.register()
    kid = _kid(account["access_token"])

    server.manage("rotate_keys", "--revoke", kid)  # as typed on a command line, even for a kid like "-x..."

    published = {k["kid"] for k in server.get("/.well-known/jwks.json").json()["keys"]}
    assert kid not in published
    me = server.get("/auth/me", headers={"Authorization": f"Bearer {account['access_token']}"})
    assert_bearer_challenge(me, code="unknown_key")
    fresh = server.login(account["email"]).json()["access_token"]
    assert _kid(fresh) in published


def test_health_over_http(auth_server):
    assert auth_server.get("/health").json() == {"status": "ok", "database": "ok", "signing_key": "ok"}


def test_the_server_log_holds_no_password_or_token(auth_server):
    account = auth_server.register()
    auth_server.login(account["email"], "a wrong password for the log")
    auth_server.login(account["email"])

    log = auth_server.log_text()
    assert "auth/login" in log  # the access log is there
    for secret in (account["password"], "a wrong password for the log", account["access_token"],
                   account["refresh_token"]):
        assert secret not in log
    assert json.dumps(account["password"]) not in log


def test_the_access_log_leaves_out_query_strings_referrers_and_basic_auth_names(auth_server):
    """gunicorn.conf.py's format: a token someone put in a URL never reaches the log."""
    marker = "querysecret-" + "x7Q2pLm9"
    auth_server.get(f"/health?token={marker}", headers={"Referer": f"https://app.example/?code={marker}-ref"},
                    auth=(f"{marker}-user", "pw"))

    log = auth_server.log_text()
    assert '"GET /health HTTP/1.1" 200' in log
    assert marker not in log
