"""POST /auth/users/{id}/ban and /unban: deactivate, end every session and token."""

from __future__ import annotations

import pytest

from authfort_django.models import AuthEvent
from authfort_django.sessions import lifecycle
from authfort_django.signals import user_banned
from tests.authfort_django.helpers import (
    BEARER_CHALLENGE,
    BEARER_REALM,
    INTROSPECTION_SECRET,
    NO_SUCH_ID,
    bearer,
    mint,
    status_and_code,
)
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db

SECRET = INTROSPECTION_SECRET


@pytest.fixture
def admin():
    user = UserFactory(roles=["admin"])
    return user, mint(user, lifecycle.start_session(user).session)


def _login(client, user, password):
    return client.post("/auth/login", {"email": user.email, "password": password}, format="json")


def _active(client, token: str) -> bool:
    response = client.post("/auth/introspect", {"token": token}, format="json", HTTP_AUTHORIZATION=f"Bearer {SECRET}")
    return response.json()["active"]


def test_ban_ends_every_token_and_blocks_login(api_client, admin, user, password, django_capture_on_commit_callbacks):
    _, admin_token = admin
    pairs = [_login(api_client, user, password).json() for _ in range(2)]
    version = user.token_version

    with django_capture_on_commit_callbacks(execute=True):
        response = api_client.post(f"/auth/users/{user.pk}/ban", **bearer(admin_token))

    assert response.status_code == 204
    for pair in pairs:
        assert not _active(api_client, pair["access_token"])
        refreshed = api_client.post("/auth/refresh", {"refresh_token": pair["refresh_token"]}, format="json")
        assert refreshed.json()["code"] == "refresh_token_revoked"
    login = _login(api_client, user, password)
    assert login.status_code == 401
    assert login.json()["code"] == "invalid_credentials"
    user.refresh_from_db()
    assert not user.is_active
    assert user.token_version == version + 1


def test_ban_is_audited_and_signalled(api_client, admin, user, django_capture_on_commit_callbacks):
    admin_user, admin_token = admin
    received = []

    def receiver(sender, user, by, request, **kwargs):
        received.append((user.pk, by.pk))

    user_banned.connect(receiver)
    try:
        with django_capture_on_commit_callbacks(execute=True):
            api_client.post(f"/auth/users/{user.pk}/ban", **bearer(admin_token))
    finally:
        user_banned.disconnect(receiver)

    assert received == [(user.pk, admin_user.pk)]
    event = AuthEvent.objects.get(type=AuthEvent.Type.BANNED)
    assert event.user == user
    assert event.detail["by"] == str(admin_user.pk)


def test_a_banned_user_cannot_use_the_api_even_with_a_fresh_looking_token(api_client, admin, user):
    _, admin_token = admin
    api_client.post(f"/auth/users/{user.pk}/ban", **bearer(admin_token))
    user.refresh_from_db()

    response = api_client.get("/auth/me", **bearer(mint(user)))

    assert status_and_code(response) == (401, "token_revoked")
    assert response["WWW-Authenticate"].startswith(BEARER_CHALLENGE)


def test_unban_lets_the_user_log_in_again_but_old_sessions_stay_ended(api_client, admin, user, password):
    _, admin_token = admin
    before = _login(api_client, user, password).json()
    api_client.post(f"/auth/users/{user.pk}/ban", **bearer(admin_token))

    response = api_client.post(f"/auth/users/{user.pk}/unban", **bearer(admin_token))

    assert response.status_code == 204
    assert _login(api_client, user, password).status_code == 200
    refreshed = api_client.post("/auth/refresh", {"refresh_token": before["refresh_token"]}, format="json")
    assert status_and_code(refreshed) == (401, "refresh_token_revoked")
    assert AuthEvent.objects.filter(type=AuthEvent.Type.UNBANNED, user=user).count() == 1


def test_an_admin_cannot_ban_themselves(api_client, admin):
    admin_user, admin_token = admin

    response = api_client.post(f"/auth/users/{admin_user.pk}/ban", **bearer(admin_token))

    assert response.status_code == 400
    assert response.json()["code"] == "cannot_ban_self"
    admin_user.refresh_from_db()
    assert admin_user.is_active


def test_staff_may_ban(api_client, user):
    staff = UserFactory(is_staff=True)

    response = api_client.post(f"/auth/users/{user.pk}/ban", **bearer(mint(staff, lifecycle.start_session(staff).session)))

    assert response.status_code == 204


def test_an_admin_role_holder_cannot_ban_or_unban_staff(api_client, admin):
    _, admin_token = admin
    staff = UserFactory(is_staff=True)

    banned = api_client.post(f"/auth/users/{staff.pk}/ban", **bearer(admin_token))
    unbanned = api_client.post(f"/auth/users/{staff.pk}/unban", **bearer(admin_token))

    assert status_and_code(banned) == status_and_code(unbanned) == (403, "staff_required")
    staff.refresh_from_db()
    assert staff.is_active


def test_staff_may_ban_other_staff(api_client):
    staff, other_staff = UserFactory(is_staff=True), UserFactory(is_staff=True)

    response = api_client.post(
        f"/auth/users/{other_staff.pk}/ban", **bearer(mint(staff, lifecycle.start_session(staff).session))
    )

    assert response.status_code == 204


def test_non_admins_get_403(api_client, user):
    someone = UserFactory()
    token = mint(someone, lifecycle.start_session(someone).session)

    for action in ("ban", "unban"):
        response = api_client.post(f"/auth/users/{user.pk}/{action}", **bearer(token))
        assert status_and_code(response) == (403, "admin_required")
    user.refresh_from_db()
    assert user.is_active


@pytest.mark.parametrize("user_id", [NO_SUCH_ID, "nope"])
def test_unknown_users_are_404(api_client, admin, user_id):
    _, admin_token = admin

    for action in ("ban", "unban"):
        response = api_client.post(f"/auth/users/{user_id}/{action}", **bearer(admin_token))
        assert response.status_code == 404
        assert response.json()["code"] == "user_not_found"


def test_anonymous_callers_get_401(api_client, user):
    response = api_client.post(f"/auth/users/{user.pk}/ban")

    assert status_and_code(response) == (401, "not_authenticated")
    assert response["WWW-Authenticate"].startswith(BEARER_REALM)
    user.refresh_from_db()
    assert user.is_active
