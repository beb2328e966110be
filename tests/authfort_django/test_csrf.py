"""The CSRF value is HMAC-signed for its session (api/csrf.py): a cookie and header pair
planted from another session, or made up, is refused even though header equals cookie."""

from __future__ import annotations

import pytest
from django.test import override_settings
from rest_framework.test import APIClient

from authfort_django.api import csrf
from tests.authfort_django.helpers import status_and_code

pytestmark = pytest.mark.django_db

ACCESS, REFRESH, CSRF = "__Host-access_token", "__Secure-refresh_token", "__Host-authfort_csrf"


@pytest.fixture(autouse=True)
def cookie_mode(authfort):
    authfort(COOKIE={"ENABLED": True})


def _browser(user, password) -> APIClient:
    client = APIClient()
    response = client.post("/auth/login", {"email": user.email, "password": password}, format="json")
    assert response.status_code == 200
    return client


def _plant(client: APIClient, value: str) -> dict[str, str]:
    client.cookies[CSRF] = value
    return {"HTTP_X_CSRF_TOKEN": value}


def test_the_issued_value_passes(user, password):
    victim = _browser(user, password)

    response = victim.post("/auth/refresh", HTTP_X_CSRF_TOKEN=victim.cookies[CSRF].value)

    assert response.status_code == 200


@pytest.mark.parametrize("path", ["/auth/refresh", "/auth/logout", "/auth/logout-all"])
def test_a_pair_planted_from_another_session_is_refused(user, password, path):
    victim = _browser(user, password)
    attacker_value = _browser(user, password).cookies[CSRF].value  # a genuine value, of another session

    response = victim.post(path, **_plant(victim, attacker_value))

    assert status_and_code(response) == (403, "csrf_failed")
    assert victim.get("/auth/me").status_code == 200  # nothing ended


@pytest.mark.parametrize(
    "value",
    ["x" * 43, "nonce.deadbeef", "nonce." + "0" * 64, ".", "no-dot-at-all", "a." + "b" * 300],
)
def test_made_up_values_are_refused(user, password, value):
    victim = _browser(user, password)

    assert status_and_code(victim.post("/auth/refresh", **_plant(victim, value))) == (403, "csrf_failed")


def test_a_value_with_another_nonce_keeps_no_signature(user, password):
    victim = _browser(user, password)
    nonce, _, mac = victim.cookies[CSRF].value.partition(".")

    response = victim.post("/auth/refresh", **_plant(victim, f"{nonce}x.{mac}"))

    assert status_and_code(response) == (403, "csrf_failed")


def test_the_header_must_still_equal_the_cookie(user, password):
    victim = _browser(user, password)
    genuine = victim.cookies[CSRF].value

    victim.cookies[CSRF] = "something else"
    assert status_and_code(victim.post("/auth/refresh", HTTP_X_CSRF_TOKEN=genuine)) == (403, "csrf_failed")


def test_values_signed_before_a_secret_key_rotation_still_pass(settings, user, password):
    victim = _browser(user, password)
    old_key = settings.SECRET_KEY

    with override_settings(SECRET_KEY="a-new-secret-key-" + "k" * 40, SECRET_KEY_FALLBACKS=[old_key]):
        response = victim.post("/auth/refresh", HTTP_X_CSRF_TOKEN=victim.cookies[CSRF].value)

    assert response.status_code == 200


def test_values_signed_with_a_dropped_key_are_refused(user, password):
    victim = _browser(user, password)

    with override_settings(SECRET_KEY="a-new-secret-key-" + "k" * 40, SECRET_KEY_FALLBACKS=[]):
        response = victim.post("/auth/refresh", HTTP_X_CSRF_TOKEN=victim.cookies[CSRF].value)

    assert status_and_code(response) == (403, "csrf_failed")


def test_issue_and_check_agree_only_for_the_same_session():
    value = csrf.issue("session-a")

    assert csrf.is_bound_to(value, "session-a")
    assert not csrf.is_bound_to(value, "session-b")
    assert csrf.issue("session-a") != value  # a fresh nonce each time
