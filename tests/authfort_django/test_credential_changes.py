"""Every path that changes a password, `is_active` or roles takes effect like the API
(issue 19 §3): earlier access tokens fail at /auth/me and introspection, refresh
tokens answer 401, and an AuthEvent is written. Through the real admin forms and the
real `changepassword` command, not through the receivers directly."""

import pytest
from django.core.management import call_command
from django.urls import reverse

from authfort_django.models import Account, AuthEvent
from tests.authfort_django.helpers import bearer, is_active, login, refresh, status_and_code
from tests.factories import DEFAULT_PASSWORD, RoleFactory, UserFactory

pytestmark = pytest.mark.django_db

NEW_PASSWORD = "another fine passphrase 77"


@pytest.fixture
def signed_in(api_client):
    user = UserFactory()
    answer = login(api_client, user, DEFAULT_PASSWORD)
    return user, answer["access_token"], answer["refresh_token"]


def _assert_cut_off(api_client, access, refresh_token):
    assert status_and_code(api_client.get("/auth/me", **bearer(access))) == (401, "token_revoked")
    assert not is_active(api_client, access)
    assert refresh(api_client, refresh_token).status_code == 401


def test_a_password_set_in_the_admin_ends_every_session(api_client, admin_client, signed_in):
    user, access, refresh_token = signed_in
    response = admin_client.post(
        reverse("admin:auth_user_password_change", args=[user.pk]),  # UserAdmin names it so
        {"password1": NEW_PASSWORD, "password2": NEW_PASSWORD, "usable_password": "true"},
    )
    assert response.status_code == 302, response.content.decode()[:500]

    _assert_cut_off(api_client, access, refresh_token)
    event = AuthEvent.objects.get(type=AuthEvent.Type.PASSWORD_CHANGED, user=user)
    assert event.detail == {"via": "save", "sessions_revoked": 1}


def test_changepassword_ends_every_session(api_client, signed_in, monkeypatch):
    user, access, refresh_token = signed_in
    # The command reads the password twice from the terminal.
    monkeypatch.setattr("django.contrib.auth.management.commands.changepassword.getpass.getpass", lambda *a, **k: NEW_PASSWORD)

    call_command("changepassword", user.email, stdout=None)

    _assert_cut_off(api_client, access, refresh_token)
    assert AuthEvent.objects.filter(type=AuthEvent.Type.PASSWORD_CHANGED, user=user).exists()


def test_a_plain_save_of_a_new_password_ends_every_session(api_client, signed_in):
    user, access, refresh_token = signed_in
    user.set_password(NEW_PASSWORD)
    user.save()

    _assert_cut_off(api_client, access, refresh_token)


def _admin_change(admin_client, user, **changes):
    data = {
        "email": user.email,
        "name": user.name,
        "is_active": "on",
        "date_joined_0": "2026-01-01",
        "date_joined_1": "00:00:00",
        "authfort_account-TOTAL_FORMS": "1",
        "authfort_account-INITIAL_FORMS": "1",
        "authfort_account-0-id": str(Account.objects.of(user).pk),
        "authfort_account-0-user": str(user.pk),
        **changes,
    }
    data = {key: value for key, value in data.items() if value is not None}
    return admin_client.post(reverse("admin:authfort_django_user_change", args=[user.pk]), data)


def test_deactivating_in_the_admin_ends_every_session_and_reactivating_revives_none(
    api_client, admin_client, signed_in
):
    user, access, refresh_token = signed_in

    response = _admin_change(admin_client, user, is_active=None)
    assert response.status_code == 302, response.content.decode()[:3000]
    _assert_cut_off(api_client, access, refresh_token)
    assert AuthEvent.objects.filter(type=AuthEvent.Type.BANNED, user=user).exists()

    user.refresh_from_db()
    response = _admin_change(admin_client, user)
    assert response.status_code == 302
    user.refresh_from_db()
    assert user.is_active
    _assert_cut_off(api_client, access, refresh_token)  # still dead
    assert login(api_client, user, DEFAULT_PASSWORD)["access_token"]  # a new sign-in works


def test_a_role_granted_in_the_users_admin_page_kills_tokens_with_the_old_roles(api_client, admin_client, signed_in):
    user, access, refresh_token = signed_in
    role = RoleFactory(name="editor")

    response = _admin_change(admin_client, user, **{"authfort_account-0-roles": [role.pk]})
    assert response.status_code == 302, response.content.decode()[:3000]

    assert status_and_code(api_client.get("/auth/me", **bearer(access))) == (401, "token_revoked")
    renewed = refresh(api_client, refresh_token)  # sessions stay: a role change signs nobody out
    assert renewed.status_code == 200
    assert api_client.get("/auth/me", **bearer(renewed.json()["access_token"])).json()["roles"] == ["editor"]
    assert AuthEvent.objects.filter(type=AuthEvent.Type.ROLE_GRANTED, user=user, detail__role="editor").exists()


def test_an_unrelated_save_changes_nothing(api_client, signed_in):
    user, access, _ = signed_in
    user.name = "Renamed"
    user.save()

    assert api_client.get("/auth/me", **bearer(access)).status_code == 200
