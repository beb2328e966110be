"""Every security event is an AuthEvent row, an `authfort.audit` log line and an
`auth_event` signal (issue 3 item 6), driven through the API as a client would."""

from __future__ import annotations

import logging

import pytest

from authfort_django.models import Account, AuthEvent
from authfort_django.signals import auth_event
from tests.authfort_django.helpers import bearer, login, refresh
from tests.factories import DEFAULT_PASSWORD, RoleFactory, UserFactory

pytestmark = pytest.mark.django_db

NEW_PASSWORD = "another long passphrase 91"


def _admin(client):
    admin = UserFactory(is_staff=True)
    return bearer(login(client, admin, DEFAULT_PASSWORD)["access_token"])


def _register(client, user):
    client.post("/auth/register", {"email": "new@example.com", "password": DEFAULT_PASSWORD}, format="json")


def _login_failed(client, user):
    client.post("/auth/login", {"email": user.email, "password": "not it"}, format="json")


def _refresh(client, user):
    refresh(client, login(client, user, DEFAULT_PASSWORD)["refresh_token"])


def _reuse(client, user):
    first = login(client, user, DEFAULT_PASSWORD)["refresh_token"]
    refresh(client, first)
    refresh(client, first)


def _logout(client, user):
    client.post("/auth/logout", **bearer(login(client, user, DEFAULT_PASSWORD)["access_token"]))


def _logout_all(client, user):
    client.post("/auth/logout-all", **bearer(login(client, user, DEFAULT_PASSWORD)["access_token"]))


def _password(client, user):
    token = login(client, user, DEFAULT_PASSWORD)["access_token"]
    client.post(
        "/auth/password", {"old_password": DEFAULT_PASSWORD, "new_password": NEW_PASSWORD},
        format="json", **bearer(token),
    )


def _end_session(client, user):
    tokens = login(client, user, DEFAULT_PASSWORD)
    sid = client.get("/auth/sessions", **bearer(tokens["access_token"])).json()[0]["id"]
    client.delete(f"/auth/sessions/{sid}", **bearer(tokens["access_token"]))


def _grant(client, user):
    RoleFactory(name="editor")
    client.put(f"/auth/users/{user.pk}/roles/editor", **_admin(client))


def _revoke(client, user):
    Account.objects.of(user).roles.add(RoleFactory(name="editor"))
    client.delete(f"/auth/users/{user.pk}/roles/editor", **_admin(client))


def _ban(client, user):
    client.post(f"/auth/users/{user.pk}/ban", **_admin(client))


def _unban(client, user):
    admin = _admin(client)
    client.post(f"/auth/users/{user.pk}/ban", **admin)
    client.post(f"/auth/users/{user.pk}/unban", **admin)


@pytest.mark.parametrize(
    "action, event_type",
    [
        (_register, "register"),
        (_login_failed, "login_failed"),
        (_refresh, "refresh"),
        (_reuse, "refresh_reused"),
        (_logout, "logout"),
        (_logout_all, "logout_all"),
        (_password, "password_changed"),
        (_end_session, "session_revoked"),
        (_grant, "role_granted"),
        (_revoke, "role_revoked"),
        (_ban, "banned"),
        (_unban, "unbanned"),
    ],
    ids=lambda value: value if isinstance(value, str) else None,
)
def test_a_security_event_is_a_row_a_log_line_and_a_signal(
    api_client, caplog, django_capture_on_commit_callbacks, action, event_type
):
    user = UserFactory()
    signalled: list[str] = []

    def receiver(sender, event, request, **kwargs):
        signalled.append(event.type)

    auth_event.connect(receiver)
    try:
        with caplog.at_level(logging.INFO, logger="authfort.audit"):
            with django_capture_on_commit_callbacks(execute=True):
                action(api_client, user)
    finally:
        auth_event.disconnect(receiver)

    assert AuthEvent.objects.filter(type=event_type).exists()
    assert any(r.name == "authfort.audit" and r.getMessage().startswith(event_type + " ") for r in caplog.records)
    assert event_type in signalled


def test_a_successful_login_is_signalled_with_its_session(api_client, django_capture_on_commit_callbacks):
    user = UserFactory()
    events: list[AuthEvent] = []

    def receiver(sender, event, request, **kwargs):
        events.append(event)

    auth_event.connect(receiver)
    try:
        with django_capture_on_commit_callbacks(execute=True):
            login(api_client, user, DEFAULT_PASSWORD)
    finally:
        auth_event.disconnect(receiver)

    (event,) = [e for e in events if e.type == "login_succeeded"]
    assert event.user == user
    assert event.session is not None
    assert event.ip_address == "127.0.0.1"


@pytest.mark.parametrize(
    ("body", "reason"),
    [({}, "refresh_token_missing"), ({"refresh_token": "not a token"}, "refresh_token_malformed"),
     ({"refresh_token": "x" * 43}, "refresh_token_invalid")],
)
def test_a_refused_refresh_is_audited_with_its_reason(api_client, body, reason):
    response = api_client.post("/auth/refresh", body, format="json")

    assert (response.status_code, response.json()["code"]) == (401, reason)
    (event,) = AuthEvent.objects.filter(type=AuthEvent.Type.REFRESH_FAILED)
    assert event.detail == {"reason": reason}
    assert event.ip_address == "127.0.0.1"


def test_a_replay_on_an_ended_session_is_audited_as_a_refused_refresh(api_client, user, password):
    first = login(api_client, user, password)["refresh_token"]
    refresh(api_client, first)
    refresh(api_client, first)  # reuse: the session ends (refresh_reused)

    again = refresh(api_client, first)  # the session had already ended

    assert (again.status_code, again.json()["code"]) == (401, "refresh_token_reused")
    assert AuthEvent.objects.filter(type=AuthEvent.Type.REFRESH_REUSED).count() == 1
    replay = AuthEvent.objects.get(type=AuthEvent.Type.REFRESH_FAILED)
    assert replay.detail == {"reason": "refresh_token_reused"} and replay.user == user
