"""POST /auth/logout (this session) and POST /auth/logout-all (every session, every token)."""

from __future__ import annotations

import pytest

from authfort_django.models import AuthEvent, Session
from tests.authfort_django.helpers import (
    BEARER_CHALLENGE,
    BEARER_REALM,
    bearer,
    is_active,
    login,
    mint,
    refresh_code,
    status_and_code,
)
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db


def test_logout_with_the_access_token_ends_that_session(api_client, user, password):
    mine = login(api_client, user, password)
    other = login(api_client, user, password)

    response = api_client.post("/auth/logout", **bearer(mine["access_token"]))

    assert response.status_code == 204
    assert not is_active(api_client, mine["access_token"])
    assert refresh_code(api_client, mine["refresh_token"]) == "refresh_token_revoked"
    assert is_active(api_client, other["access_token"])
    assert refresh_code(api_client, other["refresh_token"]) is None


def test_logout_with_the_refresh_token_ends_that_session(api_client, user, password):
    mine = login(api_client, user, password)

    response = api_client.post("/auth/logout", {"refresh_token": mine["refresh_token"]}, format="json")

    assert response.status_code == 204
    assert not is_active(api_client, mine["access_token"])
    assert refresh_code(api_client, mine["refresh_token"]) == "refresh_token_revoked"


def test_logout_records_one_event_and_is_idempotent(api_client, user, password):
    mine = login(api_client, user, password)

    first = api_client.post("/auth/logout", {"refresh_token": mine["refresh_token"]}, format="json")
    second = api_client.post("/auth/logout", {"refresh_token": mine["refresh_token"]}, format="json")

    assert (first.status_code, second.status_code) == (204, 204)
    assert AuthEvent.objects.filter(type=AuthEvent.Type.LOGOUT, user=user).count() == 1
    assert Session.objects.get(user=user).revoked_reason == "logout"


def test_logout_after_a_refresh_accepts_an_older_refresh_token_of_the_session(api_client, user, password):
    first = login(api_client, user, password)
    second = api_client.post("/auth/refresh", {"refresh_token": first["refresh_token"]}, format="json").json()

    api_client.post("/auth/logout", {"refresh_token": second["refresh_token"]}, format="json")

    assert not is_active(api_client, second["access_token"])


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
    mine = login(api_client, user, password)
    api_client.post("/auth/logout", **bearer(mine["access_token"]))

    response = api_client.post("/auth/logout", **bearer(mine["access_token"]))

    assert status_and_code(response) == (401, "token_revoked")
    assert response["WWW-Authenticate"].startswith(BEARER_CHALLENGE)


def test_logout_with_a_token_without_session_is_refused(api_client, user):
    response = api_client.post("/auth/logout", **bearer(mint(user, sid=None)))

    assert status_and_code(response) == (401, "token_revoked")
    assert response["WWW-Authenticate"].startswith(BEARER_CHALLENGE)


def test_logout_with_a_refresh_token_as_bearer_is_401(api_client, user, password):
    mine = login(api_client, user, password)

    response = api_client.post("/auth/logout", **bearer(mine["refresh_token"]))

    assert status_and_code(response) == (401, "malformed_token")
    assert response["WWW-Authenticate"].startswith(BEARER_CHALLENGE)
    assert is_active(api_client, mine["access_token"])


def test_logout_all_ends_every_session_and_every_token(api_client, user, password):
    first = login(api_client, user, password)
    second = login(api_client, user, password)
    version = user.token_version

    response = api_client.post("/auth/logout-all", **bearer(first["access_token"]))

    assert response.status_code == 204
    for pair in (first, second):
        assert not is_active(api_client, pair["access_token"])
        assert refresh_code(api_client, pair["refresh_token"]) == "refresh_token_revoked"
    user.refresh_from_db()
    assert user.token_version == version + 1
    event = AuthEvent.objects.get(type=AuthEvent.Type.LOGOUT_ALL)
    assert event.user == user
    assert event.detail == {"sessions_revoked": 2}


def test_logout_all_kills_the_tokens_of_other_sessions_too(api_client, user, password):
    stray = mint(user)  # a session of its own
    mine = login(api_client, user, password)

    api_client.post("/auth/logout-all", **bearer(mine["access_token"]))

    assert not is_active(api_client, stray)


def test_logout_all_leaves_other_users_alone(api_client, user, password):
    someone = UserFactory()
    theirs = login(api_client, someone, password)
    mine = login(api_client, user, password)

    api_client.post("/auth/logout-all", **bearer(mine["access_token"]))

    assert is_active(api_client, theirs["access_token"])


def test_logout_all_needs_an_access_token(api_client, user, password):
    mine = login(api_client, user, password)

    answers = [
        api_client.post("/auth/logout-all"),
        api_client.post("/auth/logout-all", {"refresh_token": mine["refresh_token"]}, format="json"),
    ]

    assert [status_and_code(r) for r in answers] == [(401, "not_authenticated")] * 2
    assert all(r["WWW-Authenticate"].startswith(BEARER_REALM) for r in answers)
    assert is_active(api_client, mine["access_token"])
