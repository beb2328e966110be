"""Minting server tokens with chosen claims or headers, for tests of what is rejected."""

from __future__ import annotations

import time
from typing import Any

from authfort_django.keys.store import key_store
from authfort_django.tokens import signing
from authfort_django.tokens.claims import access_token_claims


def mint(user: Any, session: Any = None, *, header: dict[str, Any] | None = None, **overrides: Any) -> str:
    """A token signed with the server's active key; `overrides` replace claims (None removes).

    Without `session`, one is started for it, as every token the server issues has one;
    `sid=None` removes it, for tests of what a session-less token gets.
    """
    import jwt

    from authfort_django.sessions import lifecycle

    if session is None:
        session = lifecycle.start_session(user).session
    active = key_store.signing_key()
    claims = access_token_claims(user, session, now=int(time.time()))
    for name, value in overrides.items():
        if value is None:
            claims.pop(name, None)
        else:
            claims[name] = value
    headers = {"kid": active.kid, "typ": signing.ACCESS_TOKEN_TYPE, **(header or {})}
    return jwt.encode(claims, active.private_key, algorithm=active.algorithm, headers=headers)


def bearer(token: str) -> dict[str, str]:
    return {"HTTP_AUTHORIZATION": f"Bearer {token}"}


# What the Bearer authentication challenges with (api/authentication.py): a request
# without a token gets the realm alone (RFC 6750 §3.1); a refused token adds
# error="invalid_token" and its reason.
BEARER_REALM = 'Bearer realm="authfort"'
BEARER_CHALLENGE = f'{BEARER_REALM}, error="invalid_token"'


def status_and_code(response: Any) -> tuple[int, str | None]:
    """(status, the `code` of the error body), None for a success: a refusal asserted whole."""
    if response.status_code < 400:
        return response.status_code, None
    return response.status_code, response.json()["code"]


INTROSPECTION_SECRET = "test-introspection-secret-0123456789"  # tests/settings.py


def login(client: Any, user: Any, password: str, **extra: Any) -> dict[str, Any]:
    """Log `user` in through the API; the token answer as a dict."""
    response = client.post("/auth/login", {"email": user.email, "password": password}, format="json", **extra)
    assert response.status_code == 200, response.content
    return response.json()


def refresh(client: Any, refresh_token: object) -> Any:
    return client.post("/auth/refresh", {"refresh_token": refresh_token}, format="json")


def refresh_code(client: Any, refresh_token: str) -> str | None:
    """None when the refresh succeeds, else the error code."""
    response = refresh(client, refresh_token)
    return None if response.status_code == 200 else response.json()["code"]


def introspect(client: Any, token: str) -> dict[str, Any]:
    response = client.post(
        "/auth/introspect", {"token": token}, format="json", HTTP_AUTHORIZATION=f"Bearer {INTROSPECTION_SECRET}"
    )
    assert response.status_code == 200, response.content
    return response.json()


def is_active(client: Any, token: str) -> bool:
    return introspect(client, token)["active"]


# A well-formed id nobody has (fixed, so every xdist worker collects the same test ids).
NO_SUCH_ID = "3f2504e0-4f89-41d3-9a0c-0305e82c3301"
