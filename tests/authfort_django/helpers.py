"""Minting server tokens with chosen claims or headers, for tests of what is rejected."""

from __future__ import annotations

import time
from typing import Any

from authfort_django import jwt_backend
from authfort_django.key_store import key_store
from authfort_django.tokens import access_token_claims


def mint(user: Any, session: Any = None, *, header: dict[str, Any] | None = None, **overrides: Any) -> str:
    """A token signed with the server's active key; `overrides` replace claims (None removes)."""
    import jwt

    active = key_store.signing_key()
    claims = access_token_claims(user, session, now=int(time.time()))
    for name, value in overrides.items():
        if value is None:
            claims.pop(name, None)
        else:
            claims[name] = value
    headers = {"kid": active.kid, "typ": jwt_backend.ACCESS_TOKEN_TYPE, **(header or {})}
    return jwt.encode(claims, active.private_key, algorithm=active.algorithm, headers=headers)


def bearer(token: str) -> dict[str, str]:
    return {"HTTP_AUTHORIZATION": f"Bearer {token}"}
