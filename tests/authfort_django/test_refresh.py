"""POST /auth/refresh: single-use rotation, reuse detection that survives the error it
raises, and a specific 401 for every unusable token."""

from __future__ import annotations

import logging
import threading

import pytest
from django.db import connection
from django.test import override_settings
from django.urls import path
from rest_framework.test import APIClient

from authfort_django.api.views import sessions as views
from authfort_django.models import AuthEvent, RefreshToken, Session
from authfort_django.signals import refresh_token_reused
from tests.authfort_django.helpers import (
    BEARER_CHALLENGE,
    bearer,
    introspect,
    login,
    mint,
    refresh,
    status_and_code,
)
from tests.factories import UserFactory, session_with_refresh_token

pytestmark = pytest.mark.django_db


# A URLconf without transaction.non_atomic_requests around refresh, for the
# ATOMIC_REQUESTS test: reuse detection must hold even when a project forgets it.
urlpatterns = [path("auth/refresh", views.RefreshView.as_view())]


def test_refresh_returns_a_new_pair_and_the_old_token_dies(api_client, user, password):
    first = login(api_client, user, password)

    response = refresh(api_client, first["refresh_token"])

    assert response.status_code == 200
    body = response.json()
    assert body["refresh_token"] != first["refresh_token"]
    assert body["token_type"] == "Bearer"
    assert response["Cache-Control"] == "no-store"
    assert refresh(api_client, body["refresh_token"]).status_code == 200


def test_an_access_token_issued_by_refresh_introspects_active_with_its_sid(api_client, user, password):
    first = login(api_client, user, password)
    session_id = str(Session.objects.get(user=user).pk)

    refreshed = refresh(api_client, first["refresh_token"]).json()

    answer = introspect(api_client, refreshed["access_token"])
    assert answer["active"] is True
    assert answer["sid"] == session_id
    assert answer["sub"] == str(user.pk)


def test_replaying_a_used_token_revokes_the_session_and_answers_reused(api_client, user, password):
    first = login(api_client, user, password)
    second = refresh(api_client, first["refresh_token"]).json()

    replay = refresh(api_client, first["refresh_token"])

    assert replay.status_code == 401
    assert replay.json()["code"] == "refresh_token_reused"
    assert refresh(api_client, second["refresh_token"]).json()["code"] == "refresh_token_revoked"
    assert introspect(api_client, first["access_token"]) == {"active": False}
    assert introspect(api_client, second["access_token"]) == {"active": False}
    session = Session.objects.get(user=user)
    assert session.revoked_reason == "refresh_token_reused"
    assert AuthEvent.objects.filter(type=AuthEvent.Type.REFRESH_REUSED, session=session).count() == 1


def test_reuse_sends_the_signal_once_per_session(api_client, user, password, django_capture_on_commit_callbacks):
    received = []

    def receiver(sender, user, session, request, **kwargs):
        received.append(session.pk)

    refresh_token_reused.connect(receiver)
    try:
        first = login(api_client, user, password)
        refresh(api_client, first["refresh_token"])
        with django_capture_on_commit_callbacks(execute=True):
            refresh(api_client, first["refresh_token"])
            refresh(api_client, first["refresh_token"])
    finally:
        refresh_token_reused.disconnect(receiver)

    assert received == [Session.objects.get(user=user).pk]


def test_other_sessions_of_the_user_survive_a_reuse(api_client, user, password):
    victim = login(api_client, user, password)
    other = login(api_client, user, password)
    refresh(api_client, victim["refresh_token"])

    refresh(api_client, victim["refresh_token"])

    assert refresh(api_client, other["refresh_token"]).status_code == 200


@pytest.mark.parametrize(
    ("body", "code"),
    [
        ({}, "refresh_token_missing"),
        ({"refresh_token": ""}, "refresh_token_missing"),
        ({"refresh_token": None}, "refresh_token_missing"),
        ({"refresh_token": "short"}, "refresh_token_malformed"),
        ({"refresh_token": "x" * 10_000}, "refresh_token_malformed"),
        ({"refresh_token": "not/url+safe==" * 4}, "refresh_token_malformed"),
        ({"refresh_token": 12345}, "refresh_token_malformed"),
        ({"refresh_token": ["a", "b"]}, "refresh_token_malformed"),
        ({"refresh_token": {"nested": True}}, "refresh_token_malformed"),
        ({"refresh_token": "A" * 43}, "refresh_token_invalid"),
        ([1, 2, 3], "refresh_token_missing"),
    ],
    ids=["no-member", "empty", "null", "short", "huge", "bad-alphabet", "number", "list", "object", "unknown", "array-body"],
)
def test_unusable_refresh_tokens_get_401_with_a_specific_code(api_client, body, code):
    response = api_client.post("/auth/refresh", body, format="json")

    assert response.status_code == 401
    assert response.json()["code"] == code
    assert response.json()["detail"]


def test_an_access_token_is_no_refresh_token(api_client, user, password):
    access = login(api_client, user, password)["access_token"]

    response = refresh(api_client, access)

    assert response.status_code == 401
    assert response.json()["code"] == "refresh_token_malformed"


def test_a_refresh_token_sent_as_bearer_is_rejected(api_client, user, password):
    refresh_token = login(api_client, user, password)["refresh_token"]

    response = api_client.get("/auth/me", **bearer(refresh_token))

    assert status_and_code(response) == (401, "malformed_token")
    assert response["WWW-Authenticate"].startswith(BEARER_CHALLENGE)


def test_an_expired_session_answers_expired(api_client, user):
    _, refresh_token = session_with_refresh_token(user, expired=True)

    assert status_and_code(refresh(api_client, refresh_token)) == (401, "refresh_token_expired")


def test_an_idle_session_answers_expired(api_client, user, authfort):
    authfort(REFRESH_IDLE_TTL=60)
    _, refresh_token = session_with_refresh_token(user, idle=True)  # unused for 61 seconds

    assert status_and_code(refresh(api_client, refresh_token)) == (401, "refresh_token_expired")


def test_a_revoked_session_answers_revoked(api_client, user):
    _, refresh_token = session_with_refresh_token(user, revoked=True)

    response = refresh(api_client, refresh_token)

    assert response.status_code == 401
    assert response.json()["code"] == "refresh_token_revoked"


def test_an_inactive_user_cannot_refresh(api_client, user, password):
    refresh_token = login(api_client, user, password)["refresh_token"]
    type(user).objects.filter(pk=user.pk).update(is_active=False)

    assert refresh(api_client, refresh_token).json()["code"] == "refresh_token_revoked"


def test_only_the_hash_of_a_refresh_token_is_stored(api_client, user, password):
    refresh_token = login(api_client, user, password)["refresh_token"]

    stored = RefreshToken.objects.get(session__user=user)
    assert stored.token_hash != refresh_token
    assert refresh_token not in stored.token_hash
    assert len(refresh_token) >= 43  # 32 bytes = 256 bits from secrets


def test_refresh_records_an_event_and_logs_no_token(api_client, user, password, caplog):
    caplog.set_level(logging.DEBUG)
    first = login(api_client, user, password)
    second = refresh(api_client, first["refresh_token"]).json()
    refresh(api_client, first["refresh_token"])

    assert AuthEvent.objects.filter(type=AuthEvent.Type.REFRESH, user=user).count() == 1
    logged = "\n".join(record.getMessage() for record in caplog.records)
    assert "refresh_reused" in logged
    for secret in (password, first["refresh_token"], second["refresh_token"], first["access_token"], second["access_token"]):
        assert secret not in logged


@pytest.mark.django_db(transaction=True)
@override_settings(ROOT_URLCONF=__name__)
def test_reuse_revocation_persists_under_atomic_requests_even_without_the_non_atomic_url(password):
    """With ATOMIC_REQUESTS the whole view runs in one transaction; the 401 must not roll
    the revocation back (our exception handler never marks it for rollback)."""
    from authfort_django.sessions import lifecycle
    from authfort_django.sessions.refresh import rotate_refresh_token

    user = UserFactory()
    grant = lifecycle.start_session(user)
    rotate_refresh_token(grant.refresh_token)
    client = APIClient()
    previous = connection.settings_dict["ATOMIC_REQUESTS"]
    connection.settings_dict["ATOMIC_REQUESTS"] = True
    try:
        response = refresh(client, grant.refresh_token)
    finally:
        connection.settings_dict["ATOMIC_REQUESTS"] = previous

    assert response.status_code == 401
    assert response.json()["code"] == "refresh_token_reused"
    session = Session.objects.get(pk=grant.session.pk)  # a fresh read: committed, not rolled back
    assert session.revoked_reason == "refresh_token_reused"
    assert AuthEvent.objects.filter(type=AuthEvent.Type.REFRESH_REUSED, session=session).exists()


@pytest.mark.django_db(transaction=True)
def test_reuse_revocation_persists_under_atomic_requests_on_the_real_url(password):
    from authfort_django.sessions import lifecycle
    from authfort_django.sessions.refresh import rotate_refresh_token

    user = UserFactory()
    grant = lifecycle.start_session(user)
    rotate_refresh_token(grant.refresh_token)
    previous = connection.settings_dict["ATOMIC_REQUESTS"]
    connection.settings_dict["ATOMIC_REQUESTS"] = True
    try:
        response = refresh(APIClient(), grant.refresh_token)
    finally:
        connection.settings_dict["ATOMIC_REQUESTS"] = previous

    assert response.json()["code"] == "refresh_token_reused"
    assert Session.objects.get(pk=grant.session.pk).revoked_at is not None


@pytest.mark.row_locks
@pytest.mark.django_db(transaction=True)
def test_concurrent_refreshes_of_one_token_let_exactly_one_win():
    """Real concurrent connections: each thread has its own database connection."""
    from authfort_django.sessions import lifecycle

    threads_count = 8
    user = UserFactory()
    grant = lifecycle.start_session(user)
    barrier = threading.Barrier(threads_count)
    statuses: list[int] = []
    codes: list[str] = []
    lock = threading.Lock()

    def attempt() -> None:
        try:
            client = APIClient()
            barrier.wait()
            response = refresh(client, grant.refresh_token)
            with lock:
                statuses.append(response.status_code)
                if response.status_code != 200:
                    codes.append(response.json()["code"])
        finally:
            connection.close()

    threads = [threading.Thread(target=attempt) for _ in range(threads_count)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)

    assert len(statuses) == threads_count
    assert statuses.count(200) == 1
    assert all(status == 401 for status in statuses if status != 200)
    assert set(codes) <= {"refresh_token_reused", "refresh_token_revoked"}
    assert RefreshToken.objects.filter(session=grant.session).count() == 2  # the original and one successor


def test_a_token_minted_without_a_session_still_cannot_refresh(api_client, user):
    """Access tokens are never refresh tokens, whatever they claim."""
    assert refresh(api_client, mint(user)).json()["code"] == "refresh_token_malformed"
