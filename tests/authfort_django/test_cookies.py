"""Cookie mode: the three cookies and their flags, the CSRF double submit for
cookie-authenticated unsafe requests, logout clearing them, Bearer clients unaffected."""

from __future__ import annotations

import pytest
from django.conf import settings
from django.test import override_settings
from rest_framework.test import APIClient

from authfort_django.models import Session
from tests.authfort_django.helpers import (
    BEARER_CHALLENGE,
    BEARER_REALM,
    INTROSPECTION_SECRET,
    bearer,
    status_and_code,
)

pytestmark = pytest.mark.django_db

SECRET = INTROSPECTION_SECRET


def cookie_mode(**cookie):
    return override_settings(AUTHFORT={**settings.AUTHFORT, "COOKIE": {"ENABLED": True, **cookie}})


@pytest.fixture
def cookies_on():
    with cookie_mode():
        yield


def _login(client, user, password):
    response = client.post("/auth/login", {"email": user.email, "password": password}, format="json")
    assert response.status_code == 200
    return response


def _csrf(client: APIClient) -> dict[str, str]:
    return {"HTTP_X_CSRF_TOKEN": client.cookies["authfort_csrf"].value}


def _active(token: str) -> bool:
    response = APIClient().post("/auth/introspect", {"token": token}, format="json", HTTP_AUTHORIZATION=f"Bearer {SECRET}")
    return response.json()["active"]


@pytest.mark.usefixtures("cookies_on")
def test_login_sets_the_three_cookies_with_their_flags(api_client, user, password):
    response = _login(api_client, user, password)

    access = response.cookies["access_token"]
    refresh = response.cookies["refresh_token"]
    csrf = response.cookies["authfort_csrf"]
    assert access.value == response.json()["access_token"]
    assert refresh.value == response.json()["refresh_token"]
    for cookie in (access, refresh, csrf):
        assert cookie["secure"] is True
        assert cookie["samesite"] == "Lax"
        assert cookie["domain"] == ""
    assert access["httponly"] is True and refresh["httponly"] is True
    assert not csrf["httponly"]  # scripts must read it to echo it
    assert access["path"] == "/"
    assert refresh["path"] == "/auth/"
    assert csrf["path"] == "/"
    assert access["max-age"] == 900
    session = Session.objects.get(user=user)
    assert 0 < refresh["max-age"] <= min(settings_value("REFRESH_TOKEN_TTL"), settings_value("REFRESH_IDLE_TTL"))
    assert refresh["max-age"] <= (session.expires_at - session.created_at).total_seconds()
    assert csrf["max-age"] == refresh["max-age"]
    assert len(csrf.value) >= 32


def settings_value(name: str) -> int:
    from authfort_django.conf import authfort_settings

    return int(getattr(authfort_settings, name))


def test_domain_and_samesite_and_secure_follow_the_settings(api_client, user, password):
    with cookie_mode(DOMAIN=".example.com", SAMESITE="Strict", SECURE=False, REFRESH_PATH="/auth/refresh"):
        response = _login(api_client, user, password)

    for name in ("access_token", "refresh_token", "authfort_csrf"):
        assert response.cookies[name]["domain"] == ".example.com"
        assert response.cookies[name]["samesite"] == "Strict"
        assert not response.cookies[name]["secure"]
    assert response.cookies["refresh_token"]["path"] == "/auth/refresh"


def test_register_sets_cookies_too(api_client):
    with cookie_mode():
        response = api_client.post("/auth/register", {"email": "new@example.com", "password": "a long passphrase 99"}, format="json")

    assert response.status_code == 201
    assert {"access_token", "refresh_token", "authfort_csrf"} <= set(response.cookies)


@pytest.mark.usefixtures("cookies_on")
def test_cookie_refresh_without_the_csrf_header_is_403(api_client, user, password):
    _login(api_client, user, password)

    response = api_client.post("/auth/refresh")

    assert response.status_code == 403
    assert response.json()["code"] == "csrf_failed"
    assert "X-CSRF-Token" in response.json()["detail"]


@pytest.mark.usefixtures("cookies_on")
def test_cookie_refresh_with_a_wrong_csrf_header_is_403(api_client, user, password):
    _login(api_client, user, password)

    response = api_client.post("/auth/refresh", HTTP_X_CSRF_TOKEN="guessed")

    assert status_and_code(response) == (403, "csrf_failed")


@pytest.mark.usefixtures("cookies_on")
def test_cookie_refresh_with_the_csrf_header_rotates_into_new_cookies(api_client, user, password):
    first = _login(api_client, user, password)

    response = api_client.post("/auth/refresh", **_csrf(api_client))

    assert response.status_code == 200
    assert "refresh_token" not in response.json()  # only in the HttpOnly cookie
    assert response.cookies["refresh_token"].value != first.cookies["refresh_token"].value
    assert response.cookies["access_token"].value == response.json()["access_token"]
    assert _active(response.json()["access_token"])
    # the old refresh cookie is spent: replaying it is reuse
    replay = APIClient()
    replay.cookies["refresh_token"] = first.cookies["refresh_token"].value
    replay.cookies["authfort_csrf"] = "x" * 43
    assert replay.post("/auth/refresh", HTTP_X_CSRF_TOKEN="x" * 43).json()["code"] == "refresh_token_reused"


@pytest.mark.usefixtures("cookies_on")
def test_a_body_refresh_token_needs_no_csrf_header(api_client, user, password):
    refresh = _login(api_client, user, password).json()["refresh_token"]

    assert APIClient().post("/auth/refresh", {"refresh_token": refresh}, format="json").status_code == 200


@pytest.mark.usefixtures("cookies_on")
def test_cookie_authenticated_reads_need_no_csrf_header(api_client, user, password):
    _login(api_client, user, password)

    assert api_client.get("/auth/me").status_code == 200


@pytest.mark.usefixtures("cookies_on")
def test_cookie_authenticated_writes_need_the_csrf_header(api_client, user, password):
    access = _login(api_client, user, password).json()["access_token"]

    refused = api_client.post("/auth/logout-all")
    assert status_and_code(refused) == (403, "csrf_failed")
    assert _active(access)
    assert api_client.post("/auth/logout-all", **_csrf(api_client)).status_code == 204
    assert not _active(access)


@pytest.mark.usefixtures("cookies_on")
def test_bearer_clients_are_unaffected(user, password):
    browser = APIClient()
    _login(browser, user, password)
    mobile = APIClient()
    access = _login(mobile, user, password).json()["access_token"]
    mobile.cookies.clear()

    assert mobile.post("/auth/logout-all", **bearer(access)).status_code == 204


@pytest.mark.usefixtures("cookies_on")
def test_an_authorization_header_wins_over_cookies(api_client, user, password):
    _login(api_client, user, password)

    # A Bearer request is not cookie-authenticated: no CSRF header needed, and a bad
    # Bearer token is a 401 even though a good cookie is present.
    response = api_client.get("/auth/me", **bearer("garbage"))
    assert status_and_code(response) == (401, "malformed_token")
    assert response["WWW-Authenticate"].startswith(BEARER_CHALLENGE)


@pytest.mark.usefixtures("cookies_on")
def test_logout_by_cookie_needs_csrf_then_clears_all_three(api_client, user, password):
    access = _login(api_client, user, password).json()["access_token"]

    assert status_and_code(api_client.post("/auth/logout")) == (403, "csrf_failed")
    response = api_client.post("/auth/logout", **_csrf(api_client))

    assert response.status_code == 204
    assert not _active(access)
    expected_paths = {"access_token": "/", "refresh_token": "/auth/", "authfort_csrf": "/"}
    for name, path in expected_paths.items():
        cleared = response.cookies[name]
        assert cleared.value == ""
        assert cleared["max-age"] == 0
        assert cleared["path"] == path
        assert cleared["secure"] is True


@pytest.mark.usefixtures("cookies_on")
def test_logout_falls_back_to_the_refresh_cookie_when_the_access_cookie_is_stale(api_client, user, password):
    refresh = _login(api_client, user, password).json()["refresh_token"]
    api_client.cookies["access_token"] = "expired.or.garbage"

    response = api_client.post("/auth/logout", **_csrf(api_client))

    assert response.status_code == 204
    assert APIClient().post("/auth/refresh", {"refresh_token": refresh}, format="json").json()["code"] == "refresh_token_revoked"


def test_without_cookie_mode_no_cookies_are_set_or_read(api_client, user, password):
    response = _login(api_client, user, password)
    assert not set(response.cookies) & {"access_token", "refresh_token", "authfort_csrf"}

    api_client.cookies["access_token"] = response.json()["access_token"]
    ignored = api_client.get("/auth/me")
    assert status_and_code(ignored) == (401, "not_authenticated")
    assert ignored["WWW-Authenticate"].startswith(BEARER_REALM)
    api_client.cookies["refresh_token"] = response.json()["refresh_token"]
    assert api_client.post("/auth/refresh").json()["code"] == "refresh_token_missing"
