"""Cookie mode: the three cookies and their flags and prefixed names, the signed CSRF
double submit for cookie-authenticated unsafe requests, logout clearing them, no
token in a cookie client's body, Bearer clients (token_delivery "body") unaffected."""

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
# The default names: no Domain, Secure, so __Host- where Path=/ and __Secure- on the refresh cookie.
ACCESS = "__Host-access_token"
REFRESH = "__Secure-refresh_token"
CSRF = "__Host-authfort_csrf"
TOKEN_MEMBERS = {"access_token", "refresh_token", "token_type"}


def assert_no_token_in(body: dict) -> None:
    assert not TOKEN_MEMBERS & set(body), body


def cookie_mode(**cookie):
    return override_settings(AUTHFORT={**settings.AUTHFORT, "COOKIE": {"ENABLED": True, **cookie}})


@pytest.fixture
def cookies_on():
    with cookie_mode():
        yield


def _login(client, user, password, **extra):
    response = client.post("/auth/login", {"email": user.email, "password": password, **extra}, format="json")
    assert response.status_code == 200
    return response


def _body_login(user, password) -> dict:
    """A Bearer client on the cookie-mode server: asks for the tokens in the body."""
    response = _login(APIClient(), user, password, token_delivery="body")
    assert not response.cookies
    return response.json()


def _csrf(client: APIClient) -> dict[str, str]:
    return {"HTTP_X_CSRF_TOKEN": client.cookies[CSRF].value}


def _active(token: str) -> bool:
    response = APIClient().post("/auth/introspect", {"token": token}, format="json", HTTP_AUTHORIZATION=f"Bearer {SECRET}")
    return response.json()["active"]


@pytest.mark.usefixtures("cookies_on")
def test_login_sets_the_three_cookies_with_their_flags(api_client, user, password):
    response = _login(api_client, user, password)

    access = response.cookies[ACCESS]
    refresh = response.cookies[REFRESH]
    csrf = response.cookies[CSRF]
    assert_no_token_in(response.json())
    assert set(response.json()) == {"user", "expires_in"}
    assert response.json()["expires_in"] == 900
    assert _active(access.value)
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

    # Without Secure no prefix: browsers refuse prefixed cookies that are not Secure.
    for name in ("access_token", "refresh_token", "authfort_csrf"):
        assert response.cookies[name]["domain"] == ".example.com"
        assert response.cookies[name]["samesite"] == "Strict"
        assert not response.cookies[name]["secure"]
    assert response.cookies["refresh_token"]["path"] == "/auth/refresh"


def test_with_a_domain_every_cookie_is_secure_prefixed(api_client, user, password):
    with cookie_mode(DOMAIN=".example.com"):
        response = _login(api_client, user, password)

    names = {"__Secure-access_token", "__Secure-refresh_token", "__Secure-authfort_csrf"}
    assert set(response.cookies) == names
    for name in names:
        assert response.cookies[name]["domain"] == ".example.com"
        assert response.cookies[name]["secure"] is True


def test_a_refresh_path_of_slash_without_a_domain_gets_the_host_prefix(api_client, user, password):
    with cookie_mode(REFRESH_PATH="/"):
        response = _login(api_client, user, password)

    assert set(response.cookies) == {ACCESS, "__Host-refresh_token", CSRF}


def test_configured_names_are_kept_and_prefixed(api_client, user, password):
    with cookie_mode(ACCESS_NAME="at", REFRESH_NAME="__Secure-rt", CSRF_NAME="xsrf"):
        response = _login(api_client, user, password)
        assert api_client.get("/auth/me").status_code == 200

    assert set(response.cookies) == {"__Host-at", "__Secure-rt", "__Host-xsrf"}


def test_register_sets_cookies_too_and_no_token_in_the_body(api_client):
    with cookie_mode():
        response = api_client.post("/auth/register", {"email": "new@example.com", "password": "a long passphrase 99"}, format="json")

    assert response.status_code == 201
    assert {ACCESS, REFRESH, CSRF} == set(response.cookies)
    assert_no_token_in(response.json())
    assert response.json()["user"]["email"] == "new@example.com"


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
    assert_no_token_in(response.json())  # only in the HttpOnly cookies
    assert set(response.json()) == {"user", "expires_in"}
    assert response.cookies[REFRESH].value != first.cookies[REFRESH].value
    assert _active(response.cookies[ACCESS].value)
    # the old refresh cookie is spent: replaying it (with this session's CSRF value) is reuse
    replay = APIClient()
    replay.cookies[REFRESH] = first.cookies[REFRESH].value
    replay.cookies[CSRF] = first.cookies[CSRF].value
    reused = replay.post("/auth/refresh", HTTP_X_CSRF_TOKEN=first.cookies[CSRF].value)
    assert status_and_code(reused) == (401, "refresh_token_reused")


@pytest.mark.usefixtures("cookies_on")
def test_a_cookie_refresh_cannot_ask_for_the_tokens_in_the_body(api_client, user, password):
    _login(api_client, user, password)

    response = api_client.post("/auth/refresh", {"token_delivery": "body"}, format="json", **_csrf(api_client))

    assert status_and_code(response) == (400, "token_delivery_refused")
    assert_no_token_in(response.json())
    assert not response.cookies


@pytest.mark.usefixtures("cookies_on")
def test_a_body_refresh_token_needs_no_csrf_header_and_is_answered_in_the_body(user, password):
    refresh = _body_login(user, password)["refresh_token"]

    response = APIClient().post("/auth/refresh", {"refresh_token": refresh}, format="json")

    assert response.status_code == 200
    assert {"access_token", "refresh_token"} <= set(response.json())
    assert not response.cookies


@pytest.mark.usefixtures("cookies_on")
def test_cookie_authenticated_reads_need_no_csrf_header(api_client, user, password):
    _login(api_client, user, password)

    assert api_client.get("/auth/me").status_code == 200


@pytest.mark.usefixtures("cookies_on")
def test_cookie_authenticated_writes_need_the_csrf_header(api_client, user, password):
    access = _login(api_client, user, password).cookies[ACCESS].value

    refused = api_client.post("/auth/logout-all")
    assert status_and_code(refused) == (403, "csrf_failed")
    assert _active(access)
    assert api_client.post("/auth/logout-all", **_csrf(api_client)).status_code == 204
    assert not _active(access)


@pytest.mark.usefixtures("cookies_on")
def test_bearer_clients_are_unaffected(user, password):
    browser = APIClient()
    assert_no_token_in(_login(browser, user, password).json())
    mobile = APIClient()
    tokens = _body_login(user, password)

    assert mobile.get("/auth/me", **bearer(tokens["access_token"])).status_code == 200
    refreshed = mobile.post("/auth/refresh", {"refresh_token": tokens["refresh_token"]}, format="json")
    assert refreshed.status_code == 200 and not refreshed.cookies
    assert browser.get("/auth/me").status_code == 200  # by cookie, beside it
    assert mobile.post("/auth/logout-all", **bearer(refreshed.json()["access_token"])).status_code == 204


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
    access = _login(api_client, user, password).cookies[ACCESS].value

    assert status_and_code(api_client.post("/auth/logout")) == (403, "csrf_failed")
    response = api_client.post("/auth/logout", **_csrf(api_client))

    assert response.status_code == 204
    assert not _active(access)
    expected_paths = {ACCESS: "/", REFRESH: "/auth/", CSRF: "/"}
    for name, path in expected_paths.items():
        cleared = response.cookies[name]
        assert cleared.value == ""
        assert cleared["max-age"] == 0
        assert cleared["path"] == path
        assert cleared["secure"] is True


@pytest.mark.usefixtures("cookies_on")
def test_logout_falls_back_to_the_refresh_cookie_when_the_access_cookie_is_stale(api_client, user, password):
    refresh = _login(api_client, user, password).cookies[REFRESH].value
    api_client.cookies[ACCESS] = "expired.or.garbage"

    response = api_client.post("/auth/logout", **_csrf(api_client))

    assert response.status_code == 204
    assert APIClient().post("/auth/refresh", {"refresh_token": refresh}, format="json").json()["code"] == "refresh_token_revoked"


def test_without_cookie_mode_no_cookies_are_set_or_read(api_client, user, password):
    response = _login(api_client, user, password)
    assert not response.cookies
    assert {"access_token", "refresh_token"} <= set(response.json())

    api_client.cookies["access_token"] = response.json()["access_token"]
    api_client.cookies[ACCESS] = response.json()["access_token"]
    ignored = api_client.get("/auth/me")
    assert status_and_code(ignored) == (401, "not_authenticated")
    assert ignored["WWW-Authenticate"].startswith(BEARER_REALM)
    api_client.cookies["refresh_token"] = response.json()["refresh_token"]
    api_client.cookies[REFRESH] = response.json()["refresh_token"]
    assert api_client.post("/auth/refresh").json()["code"] == "refresh_token_missing"


def test_without_cookie_mode_asking_for_cookies_is_400(api_client, user, password):
    response = api_client.post(
        "/auth/login", {"email": user.email, "password": password, "token_delivery": "cookie"}, format="json"
    )

    assert status_and_code(response) == (400, "token_delivery_unavailable")
    assert not response.cookies


@pytest.mark.usefixtures("cookies_on")
@pytest.mark.parametrize("value", ["Body", "both", "", 1, None, ["body"], {"x": 1}])
def test_an_unknown_token_delivery_is_400(api_client, user, password, value):
    response = api_client.post(
        "/auth/login", {"email": user.email, "password": password, "token_delivery": value}, format="json"
    )

    assert status_and_code(response) == (400, "token_delivery_invalid")
    assert not response.cookies
