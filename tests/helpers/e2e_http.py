"""Small HTTP helpers the end-to-end tests share: headers, token surgery, polling."""

from __future__ import annotations

import base64
import json
import time
from collections.abc import Callable

import requests

# Every token the e2e tests send, so a test can prove none reached a log.
sent_tokens: set[str] = set()


def bearer(token: str) -> dict[str, str]:
    sent_tokens.add(token)
    return {"Authorization": f"Bearer {token}"}


def access_token(login: requests.Response) -> str:
    assert login.status_code == 200, login.text
    return login.json()["access_token"]


def kid_of(token: str) -> str:
    header = token.split(".")[0]
    return json.loads(base64.urlsafe_b64decode(header + "=" * (-len(header) % 4)))["kid"]


def tampered(token: str) -> str:
    """The token with the end of its signature changed."""
    head, _, signature = token.rpartition(".")
    return f"{head}.{signature[:-4]}{'AAAA' if signature[-4:] != 'AAAA' else 'BBBB'}"


def assert_bearer_challenge(response: requests.Response, *, code: str | None = None) -> None:
    """A 401 with a Bearer challenge and a JSON `{detail, code}` body (the code checked when given)."""
    assert response.status_code == 401, response.text
    challenge = response.headers["WWW-Authenticate"]
    assert challenge.startswith("Bearer realm=")
    assert response.headers["Content-Type"].startswith("application/json")
    body = response.json()
    assert body["detail"]
    if code is not None:
        assert body["code"] == code, body
        if code != "not_authenticated":
            assert 'error="invalid_token"' in challenge


def eventually(check: Callable[[], bool], *, within: float = 60.0, every: float = 0.2) -> bool:
    """Poll `check` until it holds or `within` seconds pass (a bound, not a measurement)."""
    deadline = time.monotonic() + within
    while not check():
        if time.monotonic() > deadline:
            return False
        time.sleep(every)
    return True
