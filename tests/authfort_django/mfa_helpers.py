"""Helpers of the MFA tests: a controllable TOTP clock, a user with TOTP enabled, a staff
user and the Django admin's sign-in form."""

from __future__ import annotations

from typing import Any

import jwt
import pyotp
import pytest
from django.urls import reverse

from authfort_django.mfa import totp
from tests.authfort_django.helpers import bearer

START = 1_900_000_020.0  # the start of a 30-second step


class TotpClock:
    """The time the server checks codes against, moved by the test (no sleeping)."""

    def __init__(self) -> None:
        self.now = START

    def __call__(self) -> float:
        return self.now

    def next_step(self) -> None:
        self.now += 30

    def code(self, secret: str) -> str:
        return pyotp.TOTP(secret).at(self.now)


@pytest.fixture
def totp_clock(monkeypatch: pytest.MonkeyPatch) -> TotpClock:
    clock = TotpClock()
    monkeypatch.setattr(totp, "clock", clock)
    return clock


def login_body(client: Any, user: Any, password: str) -> Any:
    return client.post("/auth/login", {"email": user.email, "password": password}, format="json")


def enable_totp(client: Any, user: Any, password: str, clock: TotpClock) -> tuple[str, list[str], dict[str, Any]]:
    """Sign in, set up and confirm TOTP; (secret, recovery codes, the first login's answer)."""
    # Tokens in the body even when the test turned cookie mode on (api/delivery.py).
    first = client.post(
        "/auth/login", {"email": user.email, "password": password, "token_delivery": "body"}, format="json"
    ).json()
    auth = bearer(first["access_token"])
    setup = client.post("/auth/mfa/totp/setup", format="json", **auth)
    assert setup.status_code == 200, setup.content
    secret = setup.json()["secret"]
    confirmed = client.post("/auth/mfa/totp/confirm", {"code": clock.code(secret)}, format="json", **auth)
    assert confirmed.status_code == 200, confirmed.content
    clock.next_step()  # the confirming code is spent
    return secret, confirmed.json()["recovery_codes"], first


def claims_of(access_token: str) -> dict[str, Any]:
    return jwt.decode(access_token, options={"verify_signature": False})


@pytest.fixture
def staff(user: Any) -> Any:
    user.is_staff = True
    user.save()
    return user


def admin_login(client: Any, user: Any, password: str, second_factor: str | None = None) -> Any:
    """A POST of the admin's sign-in form (username is the bundled model's email)."""
    form = {"username": user.email, "password": password, "next": reverse("admin:index")}
    if second_factor is not None:
        form["second_factor"] = second_factor
    return client.post(reverse("admin:login"), form)


def signed_in(response: Any) -> bool:
    """Whether the admin form let the user in (its redirect to the admin index)."""
    return response.status_code == 302 and response["Location"] == reverse("admin:index")
