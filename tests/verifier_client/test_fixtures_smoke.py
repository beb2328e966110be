"""The shared fixtures themselves work (other test packages build on them)."""

import json

import requests

from tests.helpers.tokens import b64url


def test_loopback_server_serves_jwks_and_counts_hits(jwks_server, jwks_url, jwks):
    response = requests.get(jwks_url, timeout=5)
    assert response.json() == jwks
    assert jwks_server.hits == 1


def test_make_token_builds_three_segments_with_requested_header(make_token):
    token = make_token(header={"typ": None, "x": 1})
    header = json.loads(__import__("base64").urlsafe_b64decode(token.split(".")[0] + "=="))
    assert len(token.split(".")) == 3
    assert header == {"alg": "RS256", "kid": "rsa-1", "x": 1}
    assert "=" not in token and b64url(b"\xff") == "_w"
