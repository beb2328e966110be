"""POST /auth/password: every earlier session and token ends; the caller continues on a
fresh pair returned in the answer."""

from __future__ import annotations

import pytest
from django.conf import settings
from django.test import override_settings

from authfort_django.models import AuthEvent, Session
from tests.authfort_django.helpers import (
    BEARER_REALM,
    bearer,
    is_active,
    login,
    status_and_code,
)

pytestmark = pytest.mark.django_db

NEW_PASSWORD = "a brand new passphrase 77"


def _change(client, access_token: str, old: str, new: str):
    return client.post(
        "/auth/password", {"old_password": old, "new_password": new}, format="json", **bearer(access_token)
    )


def test_password_change_ends_every_earlier_session_and_returns_a_fresh_pair(api_client, user, password):
    mine = login(api_client, user, password)
    elsewhere = login(api_client, user, password)

    response = _change(api_client, mine["access_token"], password, NEW_PASSWORD)

    assert response.status_code == 200
    assert response["Cache-Control"] == "no-store"
    fresh = response.json()
    for earlier in (mine, elsewhere):
        assert not is_active(api_client, earlier["access_token"])
        refreshed = api_client.post("/auth/refresh", {"refresh_token": earlier["refresh_token"]}, format="json")
        assert refreshed.status_code == 401
        assert refreshed.json()["code"] == "refresh_token_revoked"
    assert is_active(api_client, fresh["access_token"])
    assert api_client.get("/auth/me", **bearer(fresh["access_token"])).status_code == 200
    assert api_client.post("/auth/refresh", {"refresh_token": fresh["refresh_token"]}, format="json").status_code == 200
    assert Session.objects.filter(user=user, revoked_at__isnull=True).count() == 1


def test_after_a_change_only_the_new_password_logs_in(api_client, user, password):
    mine = login(api_client, user, password)

    _change(api_client, mine["access_token"], password, NEW_PASSWORD)

    old = api_client.post("/auth/login", {"email": user.email, "password": password}, format="json")
    new = api_client.post("/auth/login", {"email": user.email, "password": NEW_PASSWORD}, format="json")
    assert status_and_code(old) == (401, "invalid_credentials")
    assert new.status_code == 200


def test_password_change_is_audited_without_the_password(api_client, user, password, caplog):
    mine = login(api_client, user, password)

    _change(api_client, mine["access_token"], password, NEW_PASSWORD)

    event = AuthEvent.objects.get(type=AuthEvent.Type.PASSWORD_CHANGED)
    assert event.user == user
    assert event.detail == {"sessions_revoked": 1}
    logged = "\n".join(record.getMessage() for record in caplog.records)
    assert "password_changed" in logged
    assert NEW_PASSWORD not in logged and password not in logged


def test_a_wrong_current_password_changes_nothing(api_client, user, password):
    mine = login(api_client, user, password)

    response = _change(api_client, mine["access_token"], "not the password", NEW_PASSWORD)

    assert response.status_code == 400
    assert response.json()["code"] == "wrong_password"
    assert is_active(api_client, mine["access_token"])
    user.refresh_from_db()
    assert user.check_password(password)


@pytest.mark.parametrize(
    "new_password",
    ["short", "1234567890123", "password123"],
    ids=["too-short", "numeric", "common"],
)
def test_the_new_password_must_pass_the_validators(api_client, user, password, new_password):
    mine = login(api_client, user, password)

    response = _change(api_client, mine["access_token"], password, new_password)

    assert response.status_code == 400
    assert response.json()["code"] == "invalid_request"
    assert response.json()["errors"]["new_password"]
    assert is_active(api_client, mine["access_token"])


def test_the_new_password_must_differ(api_client, user, password):
    mine = login(api_client, user, password)

    response = _change(api_client, mine["access_token"], password, password)

    assert response.status_code == 400
    assert "differ" in response.json()["errors"]["new_password"][0]


def test_both_fields_are_required(api_client, user, password):
    mine = login(api_client, user, password)

    response = api_client.post("/auth/password", {}, format="json", **bearer(mine["access_token"]))

    assert response.status_code == 400
    assert set(response.json()["errors"]) == {"old_password", "new_password"}


def test_password_change_needs_an_access_token(api_client, password):
    response = api_client.post("/auth/password", {"old_password": password, "new_password": NEW_PASSWORD}, format="json")

    assert status_and_code(response) == (401, "not_authenticated")
    assert response["WWW-Authenticate"].startswith(BEARER_REALM)


def test_guessing_the_current_password_is_throttled(api_client, user, password):
    mine = login(api_client, user, password)  # the account's budget counts this login too
    rates = {"login_account": "3/min"}
    with override_settings(AUTHFORT={**settings.AUTHFORT, "THROTTLE_RATES": rates}):
        statuses = [_change(api_client, mine["access_token"], f"guess {n}", NEW_PASSWORD).status_code for n in range(3)]

    assert statuses == [400, 400, 429]


def test_password_change_and_login_guesses_share_one_account_budget(api_client, user, password):
    mine = login(api_client, user, password)  # 1 of the account's 3
    rates = {"login_account": "3/min", "login": None}
    with override_settings(AUTHFORT={**settings.AUTHFORT, "THROTTLE_RATES": rates}):
        logins = [
            api_client.post("/auth/login", {"email": user.email.upper(), "password": f"guess {n}"}, format="json")
            for n in range(2)
        ]
        change = _change(api_client, mine["access_token"], "guess 3", NEW_PASSWORD)

    assert [status_and_code(r) for r in logins] == [(401, "invalid_credentials")] * 2
    assert change.status_code == 429
