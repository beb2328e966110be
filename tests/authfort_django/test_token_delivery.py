"""Where the tokens go (api/delivery.py): cookies with a token-free body, or the body without
cookies. In cookie mode no answer to a cookie client carries a token; Bearer clients ask for
the body and keep working beside them."""

from __future__ import annotations

import pytest
from rest_framework.test import APIClient

from tests.authfort_django.helpers import bearer, status_and_code

pytestmark = pytest.mark.django_db

ACCESS, REFRESH, CSRF = "__Host-access_token", "__Secure-refresh_token", "__Host-authfort_csrf"
TOKENS = {"access_token", "refresh_token", "token_type"}
NEW_PASSWORD = "another long passphrase 42"


@pytest.fixture
def cookie_mode(authfort):
    authfort(COOKIE={"ENABLED": True})


def _post(client, path, body, **extra):
    return client.post(path, body, format="json", **extra)


def _csrf(client):
    return {"HTTP_X_CSRF_TOKEN": client.cookies[CSRF].value}


@pytest.mark.usefixtures("cookie_mode")
@pytest.mark.parametrize("asked", [{}, {"token_delivery": "cookie"}])
def test_a_cookie_login_body_holds_the_user_and_expires_in_only(user, password, asked):
    response = _post(APIClient(), "/auth/login", {"email": user.email, "password": password, **asked})

    assert response.status_code == 200
    assert set(response.json()) == {"user", "expires_in"}
    assert set(response.cookies) == {ACCESS, REFRESH, CSRF}
    assert response["Cache-Control"] == "no-store"


@pytest.mark.usefixtures("cookie_mode")
def test_register_with_body_delivery_gets_tokens_and_no_cookies():
    response = _post(
        APIClient(), "/auth/register",
        {"email": "cli@example.com", "password": "a long passphrase 99", "token_delivery": "body"},
    )

    assert response.status_code == 201
    assert TOKENS <= set(response.json())
    assert not response.cookies
    assert APIClient().get("/auth/me", **bearer(response.json()["access_token"])).status_code == 200


@pytest.mark.usefixtures("cookie_mode")
def test_a_body_refresh_token_can_move_into_cookies_when_asked(user, password):
    tokens = _post(APIClient(), "/auth/login", {"email": user.email, "password": password, "token_delivery": "body"}).json()
    browser = APIClient()

    response = _post(browser, "/auth/refresh", {"refresh_token": tokens["refresh_token"], "token_delivery": "cookie"})

    assert response.status_code == 200
    assert not TOKENS & set(response.json())
    assert browser.get("/auth/me").status_code == 200


@pytest.mark.usefixtures("cookie_mode")
def test_a_password_change_by_cookie_is_answered_in_cookies(user, password):
    browser = APIClient()
    _post(browser, "/auth/login", {"email": user.email, "password": password})

    response = _post(browser, "/auth/password", {"old_password": password, "new_password": NEW_PASSWORD}, **_csrf(browser))

    assert response.status_code == 200, response.json()
    assert not TOKENS & set(response.json())
    assert set(response.cookies) == {ACCESS, REFRESH, CSRF}
    assert browser.get("/auth/me").status_code == 200  # the new cookies carry the new session


@pytest.mark.usefixtures("cookie_mode")
def test_a_password_change_by_bearer_is_answered_in_the_body(user, password):
    tokens = _post(APIClient(), "/auth/login", {"email": user.email, "password": password, "token_delivery": "body"}).json()

    response = _post(
        APIClient(), "/auth/password", {"old_password": password, "new_password": NEW_PASSWORD}, **bearer(tokens["access_token"])
    )

    assert response.status_code == 200
    assert TOKENS <= set(response.json())
    assert not response.cookies


def test_without_cookie_mode_the_body_is_the_default(user, password):
    response = _post(APIClient(), "/auth/login", {"email": user.email, "password": password})

    assert TOKENS <= set(response.json())
    assert not response.cookies


@pytest.mark.parametrize("path", ["/auth/register", "/auth/refresh"])
def test_asking_for_cookies_without_cookie_mode_is_400_everywhere(path):
    body = {"email": "x@example.com", "password": "a long passphrase 99", "refresh_token": "r" * 43}
    response = _post(APIClient(), path, {**body, "token_delivery": "cookie"})

    assert status_and_code(response) == (400, "token_delivery_unavailable")


@pytest.mark.usefixtures("cookie_mode")
@pytest.mark.parametrize("path", ["/auth/login", "/auth/register", "/auth/refresh"])
def test_an_unknown_token_delivery_is_400_everywhere(path):
    response = _post(APIClient(), path, {"email": "x@example.com", "password": "p", "token_delivery": "json"})

    assert status_and_code(response) == (400, "token_delivery_invalid")
    assert "cookie" in response.json()["detail"] and "body" in response.json()["detail"]


def test_the_schema_documents_token_delivery():
    pytest.importorskip("drf_spectacular")
    response = APIClient().get("/api/schema", HTTP_ACCEPT="application/json")
    if response.status_code == 404:
        pytest.skip("the schema view is not mounted in these settings")
    text = response.content.decode()
    for needle in ("token_delivery", "CookieSignIn", "token_delivery_invalid", "token_delivery_refused"):
        assert needle in text
