"""Admin: every changelist renders; keys and audit events are read-only; no private key shown."""

from __future__ import annotations

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from authfort_django.keys.rotation import ensure_key, rotate
from authfort_django.models import Account, AuthEvent, Role, SigningKey, User
from tests.factories import RoleFactory, UserFactory


@pytest.fixture
def admin_client(db, client):
    admin = User.objects.create_superuser("admin@example.com", "admin password 1234")
    client.force_login(admin)
    return client


@pytest.fixture
def key(db) -> SigningKey:
    key = ensure_key().key
    rotate()  # a pending key too, so the list shows two states
    return SigningKey.objects.get(pk=key.pk)


@pytest.mark.parametrize("model", ["user", "role", "signingkey", "authevent"])
def test_changelists_render(admin_client, key, model: str) -> None:
    UserFactory(roles=["editor"])
    response = admin_client.get(reverse(f"admin:authfort_django_{model}_changelist"))
    assert response.status_code == 200


def test_key_pages_never_contain_the_private_key(admin_client, key: SigningKey) -> None:
    secret_parts = [key.private_key, key.private_key.split(":")[-1][:40]]
    for url in (
        reverse("admin:authfort_django_signingkey_changelist"),
        reverse("admin:authfort_django_signingkey_change", args=[key.pk]),
    ):
        response = admin_client.get(url)
        assert response.status_code == 200
        body = response.content.decode()
        assert key.kid in body
        assert "afk1" not in body and "PRIVATE KEY" not in body
        assert not any(part in body for part in secret_parts)
    assert "active" in admin_client.get(reverse("admin:authfort_django_signingkey_changelist")).content.decode()


def test_key_pages_never_select_the_private_key(admin_client, key: SigningKey) -> None:
    for url in (
        reverse("admin:authfort_django_signingkey_changelist"),
        reverse("admin:authfort_django_signingkey_change", args=[key.pk]),
    ):
        with CaptureQueriesContext(connection) as queries:
            assert admin_client.get(url).status_code == 200
        assert not [q["sql"] for q in queries.captured_queries if "private_key" in q["sql"]]


def test_signing_keys_cannot_be_added_changed_or_deleted(admin_client, key: SigningKey) -> None:
    assert admin_client.get(reverse("admin:authfort_django_signingkey_add")).status_code == 403
    assert admin_client.get(reverse("admin:authfort_django_signingkey_delete", args=[key.pk])).status_code == 403
    response = admin_client.post(
        reverse("admin:authfort_django_signingkey_change", args=[key.pk]), {"algorithm": "ES256"}
    )
    assert response.status_code == 403
    assert SigningKey.objects.get(pk=key.pk).algorithm == "RS256"


def test_audit_events_are_read_only(admin_client, key: SigningKey) -> None:
    event = AuthEvent.objects.first()
    assert admin_client.get(reverse("admin:authfort_django_authevent_change", args=[event.pk])).status_code == 200
    assert admin_client.get(reverse("admin:authfort_django_authevent_add")).status_code == 403
    assert admin_client.get(reverse("admin:authfort_django_authevent_delete", args=[event.pk])).status_code == 403


def test_an_admin_creates_a_user_by_email_with_a_validated_password(admin_client) -> None:
    url = reverse("admin:authfort_django_user_add")
    assert admin_client.get(url).status_code == 200
    response = admin_client.post(
        url,
        {"email": "new@example.com", "name": "New", "usable_password": "true",
         "password1": "a fine long passphrase 9", "password2": "a fine long passphrase 9"},
    )
    assert response.status_code == 302, response.content.decode()[:2000]
    assert User.objects.get(email="new@example.com").check_password("a fine long passphrase 9")


def test_changing_roles_in_the_admin_bumps_token_version(admin_client) -> None:
    user = UserFactory()
    role = RoleFactory(name="editor")
    account = Account.objects.of(user)
    url = reverse("admin:authfort_django_account_change", args=[account.pk])
    assert admin_client.get(url).status_code == 200
    data = {"email_verified_at_0": "", "email_verified_at_1": "", "roles": [role.pk]}
    response = admin_client.post(url, data)
    assert response.status_code == 302, response.content.decode()[:3000]
    user.refresh_from_db()
    assert user.role_names() == ["editor"]
    assert user.token_version == 1


def test_the_role_changelist_counts_users(admin_client) -> None:
    UserFactory(roles=["editor"])
    UserFactory(roles=["editor"])
    body = admin_client.get(reverse("admin:authfort_django_role_changelist")).content.decode()
    assert "editor" in body
    assert Role.objects.get(name="editor").accounts.count() == 2
