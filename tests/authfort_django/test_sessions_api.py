"""GET /auth/sessions (the caller's live sessions) and DELETE /auth/sessions/{id}."""

from __future__ import annotations

import pytest

from authfort_django.models import AuthEvent
from tests.authfort_django.helpers import (
    BEARER_CHALLENGE,
    BEARER_REALM,
    INTROSPECTION_SECRET,
    NO_SUCH_ID,
    bearer,
    status_and_code,
)
from tests.factories import SessionFactory, UserFactory

pytestmark = pytest.mark.django_db

SECRET = INTROSPECTION_SECRET


def _login(client, user, password, agent: str = "pytest") -> dict:
    response = client.post(
        "/auth/login", {"email": user.email, "password": password}, format="json", HTTP_USER_AGENT=agent
    )
    assert response.status_code == 200
    return response.json()


def _sid(client, access_token: str) -> str:
    response = client.post(
        "/auth/introspect", {"token": access_token}, format="json", HTTP_AUTHORIZATION=f"Bearer {SECRET}"
    )
    return response.json().get("sid", "")


def test_sessions_lists_the_callers_live_sessions_and_flags_the_current_one(api_client, user, password):
    laptop = _login(api_client, user, password, agent="laptop")
    _login(api_client, user, password, agent="phone")
    ended = _login(api_client, user, password, agent="old tablet")
    api_client.post("/auth/logout", **bearer(ended["access_token"]))
    _login(api_client, UserFactory(), password, agent="somebody else")

    response = api_client.get("/auth/sessions", **bearer(laptop["access_token"]))

    assert response.status_code == 200
    listed = response.json()
    assert sorted(s["user_agent"] for s in listed) == ["laptop", "phone"]
    assert [s["current"] for s in listed if s["user_agent"] == "laptop"] == [True]
    assert [s["current"] for s in listed if s["user_agent"] == "phone"] == [False]
    assert set(listed[0]) == {"id", "created_at", "last_used_at", "expires_at", "user_agent", "ip_address", "current"}
    current = next(s for s in listed if s["current"])
    assert current["id"] == _sid(api_client, laptop["access_token"])
    assert current["ip_address"] == "127.0.0.1"


@pytest.mark.parametrize("state", ["expired", "idle"])
def test_expired_and_idle_sessions_are_not_listed(api_client, user, password, state):
    mine = _login(api_client, user, password)
    SessionFactory(user=user, **{state: True})

    listed = api_client.get("/auth/sessions", **bearer(mine["access_token"])).json()

    assert [s["id"] for s in listed] == [_sid(api_client, mine["access_token"])]


def test_deleting_one_of_my_sessions_ends_it(api_client, user, password):
    mine = _login(api_client, user, password)
    phone = _login(api_client, user, password)
    phone_sid = _sid(api_client, phone["access_token"])

    response = api_client.delete(f"/auth/sessions/{phone_sid}", **bearer(mine["access_token"]))

    assert response.status_code == 204
    assert _sid(api_client, phone["access_token"]) == ""  # inactive
    refreshed = api_client.post("/auth/refresh", {"refresh_token": phone["refresh_token"]}, format="json")
    assert refreshed.json()["code"] == "refresh_token_revoked"
    assert api_client.get("/auth/me", **bearer(mine["access_token"])).status_code == 200
    event = AuthEvent.objects.get(type=AuthEvent.Type.SESSION_REVOKED)
    assert str(event.session_id) == phone_sid


def test_deleting_the_current_session_signs_me_out(api_client, user, password):
    mine = _login(api_client, user, password)

    response = api_client.delete(f"/auth/sessions/{_sid(api_client, mine['access_token'])}", **bearer(mine["access_token"]))

    assert response.status_code == 204
    signed_out = api_client.get("/auth/me", **bearer(mine["access_token"]))
    assert status_and_code(signed_out) == (401, "token_revoked")
    assert signed_out["WWW-Authenticate"].startswith(BEARER_CHALLENGE)


def test_another_users_session_is_404_and_untouched(api_client, user, password):
    mine = _login(api_client, user, password)
    theirs = _login(api_client, UserFactory(), password)
    their_sid = _sid(api_client, theirs["access_token"])

    response = api_client.delete(f"/auth/sessions/{their_sid}", **bearer(mine["access_token"]))

    assert response.status_code == 404
    assert response.json()["code"] == "session_not_found"
    assert _sid(api_client, theirs["access_token"]) == their_sid


@pytest.mark.parametrize("session_id", [NO_SUCH_ID, "not-a-uuid", "1"])
def test_unknown_or_malformed_ids_are_404(api_client, user, password, session_id):
    mine = _login(api_client, user, password)

    response = api_client.delete(f"/auth/sessions/{session_id}", **bearer(mine["access_token"]))

    assert response.status_code == 404
    assert response.json()["code"] == "session_not_found"


def test_sessions_need_an_access_token(api_client, user, password):
    mine = _login(api_client, user, password)

    anonymous_list = api_client.get("/auth/sessions")
    with_a_refresh_token = api_client.get("/auth/sessions", **bearer(mine["refresh_token"]))
    anonymous_delete = api_client.delete(f"/auth/sessions/{_sid(api_client, mine['access_token'])}")

    assert status_and_code(anonymous_list) == (401, "not_authenticated")
    assert status_and_code(with_a_refresh_token) == (401, "malformed_token")
    assert status_and_code(anonymous_delete) == (401, "not_authenticated")
    assert all(r["WWW-Authenticate"].startswith(BEARER_REALM) for r in (anonymous_list, anonymous_delete))
    assert with_a_refresh_token["WWW-Authenticate"].startswith(BEARER_CHALLENGE)
    assert _sid(api_client, mine["access_token"])  # the session was not deleted
