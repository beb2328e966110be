"""POST /auth/logout (this session) and POST /auth/logout-all (every session, every token)."""

from __future__ import annotations

import pytest

from authfort_django.models import AuthEvent, Session
from tests.authfort_django.helpers import bearer, mint
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db

SECRET = "test-introspection-secret-0123456789"


def _login(client, user, password) -> dict:
    response = client.post("/auth/login", {"email": user.email, "password": password}, format="json")
    assert response.status_code == 200
    return response.json()


def _active(client, token: str) -> bool:
    response = client.post("/auth/introspect", {"token": token}, format="json", HTTP_AUTHORIZATION=f"Bearer {SECRET}")
    return response.json()["active"]


def _refresh_code(client, refresh_token: str) -> str | None:
    response = client.post("/auth/refresh", {"refresh_token": refresh_token}, format="json")
    return None if response.status_code == 200 else response.json()["code"]


def test_logout_with_the_access_token_ends_that_session(api_client, user, password):
    mine = _login(api_client, user, password)
    other = _login(api_client, user, password)

    response = api_client.post("/auth/logout", **bearer(mine["access_token"]))

    assert response.status_code == 204
    assert not _active(api_client, mine["access_token"])
    assert _refresh_code(api_client, mine["refresh_token"]) == "refresh_token_revoked"
    assert _active(api_client, other["access_token"])
    assert _refresh_code(api_client, other["refresh_token"]) is None


def test_logout_with_the_refresh_token_ends_that_session(api_client, user, password):
    mine = _login(api_client, user, password)

    response = api_client.post("/auth/logout", {"refresh_token": mine["refresh_token"]}, format="json")

    assert response.status_code == 204
    assert not _active(api_client, mine["access_token"])
    assert _refresh_code(api_client, mine["refresh_token"]) == "refresh_token_revoked"


def test_logout_records_one_event_and_is_idempotent(api_client, user, password):
    mine = _login(api_client, user, password)

    first = api_client.post("/auth/logout", {"refresh_token": mine["refresh_token"]}, format="json")
    second = api_client.post("/auth/logout", {"refresh_token": mine["refresh_token"]}, format="json")

    assert (first.status_code, second.status_code) == (204, 204)
    assert AuthEvent.objects.filter(type=AuthEvent.Type.LOGOUT, user=user).count() == 1
    assert Session.objects.get(user=user).revoked_reason == "logout"


def test_logout_after_a_refresh_accepts_an_older_refresh_token_of_the_session(api_client, user, password):
    first = _login(api_client, user, password)
    second = api_client.post("/auth/refresh", {"refresh_token": first["refresh_token"]}, format="json").json()

    api_client.post("/auth/logout", {"refresh_token": second["refresh_token"]}, format="json")

    assert not _active(api_client, second["access_token"])


def test_logout_without_credentials_is_401(api_client):
    response = api_client.post("/auth/logout")

    assert response.status_code == 401
    assert response.json()["code"] == "not_authenticated"


@pytest.mark.parametrize(
    ("refresh_token", "code"),
    [("A" * 43, "refresh_token_invalid"), ("nope", "refresh_token_malformed"), ("", "refresh_token_missing")],
)
def test_logout_with_an_unusable_refresh_token_is_401(api_client, refresh_token, code):
    response = api_client.post("/auth/logout", {"refresh_token": refresh_token}, format="json")

    assert response.status_code == 401
    assert response.json()["code"] == code


def test_logout_with_a_revoked_access_token_is_401(api_client, user, password):
    mine = _login(api_client, user, password)
    api_client.post("/auth/logout", **bearer(mine["access_token"]))

    response = api_client.post("/auth/logout", **bearer(mine["access_token"]))

    assert response.status_code == 401
    assert 'error="invalid_token"' in response["WWW-Authenticate"]


def test_logout_with_a_token_without_session_says_what_to_do(api_client, user):
    response = api_client.post("/auth/logout", **bearer(mint(user)))

    assert response.status_code == 400
    assert response.json()["code"] == "no_session"


def test_logout_with_a_refresh_token_as_bearer_is_401(api_client, user, password):
    mine = _login(api_client, user, password)

    response = api_client.post("/auth/logout", **bearer(mine["refresh_token"]))

    assert response.status_code == 401
    assert _active(api_client, mine["access_token"])


def test_logout_all_ends_every_session_and_every_token(api_client, user, password):
    first = _login(api_client, user, password)
    second = _login(api_client, user, password)
    version = user.token_version

    response = api_client.post("/auth/logout-all", **bearer(first["access_token"]))

    assert response.status_code == 204
    for pair in (first, second):
        assert not _active(api_client, pair["access_token"])
        assert _refresh_code(api_client, pair["refresh_token"]) == "refresh_token_revoked"
    user.refresh_from_db()
    assert user.token_version == version + 1
    event = AuthEvent.objects.get(type=AuthEvent.Type.LOGOUT_ALL)
    assert event.user == user
    assert event.detail == {"sessions_revoked": 2}


def test_logout_all_kills_session_less_tokens_too(api_client, user, password):
    stray = mint(user)
    mine = _login(api_client, user, password)

    api_client.post("/auth/logout-all", **bearer(mine["access_token"]))

    assert not _active(api_client, stray)


def test_logout_all_leaves_other_users_alone(api_client, user, password):
    someone = UserFactory()
    theirs = _login(api_client, someone, password)
    mine = _login(api_client, user, password)

    api_client.post("/auth/logout-all", **bearer(mine["access_token"]))

    assert _active(api_client, theirs["access_token"])


def test_logout_all_needs_an_access_token(api_client, user, password):
    mine = _login(api_client, user, password)

    assert api_client.post("/auth/logout-all").status_code == 401
    assert api_client.post("/auth/logout-all", {"refresh_token": mine["refresh_token"]}, format="json").status_code == 401
