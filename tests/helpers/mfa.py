"""Multi-factor sign-in against a live auth server, the way a user does it, over real HTTP.

    account = mfa_tokens(auth_server)            # register, TOTP setup + confirm, login, /auth/login/mfa
    orders.post("/api/orders/1001/refund", headers=bearer(account.access_token))

The TOTP codes are computed by pyotp from the secret the server returned, as an
authenticator app would. Nothing is written to the database behind the server's back,
so a token from here carries exactly the `amr` and `auth_time` the server gives
(["pwd", "otp", "mfa"], now) and passes `require_mfa(max_age=600)` for ten minutes.
"""

from __future__ import annotations

import time
import uuid
from dataclasses import dataclass
from typing import Any

import pyotp
import requests

from tests.helpers.e2e_http import bearer
from tests.helpers.live_server import STRONG_PASSWORD


@dataclass(frozen=True)
class MfaAccount:
    email: str
    user_id: str
    secret: str  # the TOTP secret, for further codes (next_code)
    registered: dict[str, Any]  # the registration answer: a password-only pair (amr ["pwd"])
    signed_in: dict[str, Any]  # the answer of /auth/login/mfa (in cookie mode: no tokens in it)

    @property
    def access_token(self) -> str:
        return self.signed_in["access_token"]

    @property
    def refresh_token(self) -> str:
        return self.signed_in["refresh_token"]


def next_code(secret: str) -> str:
    """A code of the next time step. The step of the code just accepted is spent (a replay is
    refused) and the server accepts one step of drift, so a test never waits for the clock."""
    return pyotp.TOTP(secret).at(time.time() + 30)


def user_with_totp(server) -> tuple[dict[str, Any], str]:
    """A new account with TOTP set up and confirmed: (its registration answer, the TOTP secret).
    The registration's tokens predate the second factor: they say amr ["pwd"]."""
    email = f"mfa-{uuid.uuid4().hex[:10]}@example.com"
    # Tokens in the body even on a cookie-mode server: setup and confirm send them as Bearer.
    registered = server.post("/auth/register", {"email": email, "password": STRONG_PASSWORD, "token_delivery": "body"})
    assert registered.status_code == 201, registered.text
    account = {**registered.json(), "email": email, "password": STRONG_PASSWORD}
    auth = bearer(account["access_token"])
    setup = server.post("/auth/mfa/totp/setup", headers=auth)
    assert setup.status_code == 200, setup.text
    secret = setup.json()["secret"]
    confirmed = server.post("/auth/mfa/totp/confirm", {"code": pyotp.TOTP(secret).now()}, headers=auth)
    assert confirmed.status_code == 200, confirmed.text
    return account, secret


def mfa_tokens(server, *, browser: requests.Session | None = None, auth_url: str | None = None) -> MfaAccount:
    """A new account signed in with password and TOTP: its pair has amr ["pwd", "otp", "mfa"].

    With `browser` (a cookie-keeping session) the two login steps go through it to
    `auth_url` (default: the server's URL), so a cookie-mode server sets its cookies there.
    """
    account, secret = user_with_totp(server)
    client = browser or requests.Session()
    base = auth_url or server.url
    first = client.post(f"{base}/auth/login", json={"email": account["email"], "password": account["password"]},
                        timeout=30)
    assert first.status_code == 200 and first.json().get("mfa_required") is True, first.text
    second = client.post(f"{base}/auth/login/mfa", json={"mfa_token": first.json()["mfa_token"],
                                                          "code": next_code(secret)}, timeout=30)
    assert second.status_code == 200, second.text
    return MfaAccount(email=account["email"], user_id=str(account["user"]["id"]), secret=secret,
                      registered=account, signed_in=second.json())
