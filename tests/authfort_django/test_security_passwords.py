"""Password storage and the enumeration-resistance of login, with the reference
project's real hashers (config/settings.py) where the hasher is the point."""

import pytest
from django.contrib.auth.hashers import make_password

from authfort_django.api.serializers import MAX_PASSWORD_LENGTH
from authfort_django.models import User
from config import settings as reference_settings
from tests.authfort_django.hashers import CountingArgon2Hasher
from tests.authfort_django.helpers import status_and_code
from tests.factories import DEFAULT_PASSWORD, UserFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def reference_hashers(settings):
    """PASSWORD_HASHERS exactly as the reference project deploys them."""
    settings.PASSWORD_HASHERS = reference_settings.PASSWORD_HASHERS


def register(client, email, password):
    return client.post("/auth/register", {"email": email, "password": password}, format="json")


def login(client, email, password):
    return client.post("/auth/login", {"email": email, "password": password}, format="json")


def test_the_reference_project_hashes_with_argon2id_first_and_keeps_pbkdf2_for_upgrades():
    assert reference_settings.PASSWORD_HASHERS[0] == "django.contrib.auth.hashers.Argon2PasswordHasher"
    assert "django.contrib.auth.hashers.PBKDF2PasswordHasher" in reference_settings.PASSWORD_HASHERS


def test_a_registered_password_is_stored_as_argon2id(api_client, reference_hashers):
    assert register(api_client, "ada@example.com", DEFAULT_PASSWORD).status_code == 201

    stored = User.objects.get().password
    assert stored.startswith("argon2$argon2id$")
    assert DEFAULT_PASSWORD not in stored


def test_a_changed_password_is_stored_as_argon2id(api_client, reference_hashers):
    tokens = register(api_client, "ada@example.com", DEFAULT_PASSWORD).json()

    response = api_client.post(
        "/auth/password",
        {"old_password": DEFAULT_PASSWORD, "new_password": "another fine passphrase 7"},
        format="json",
        HTTP_AUTHORIZATION=f"Bearer {tokens['access_token']}",
    )

    assert response.status_code == 200
    assert User.objects.get().password.startswith("argon2$argon2id$")


def test_a_pbkdf2_hash_is_upgraded_to_argon2id_at_the_next_login(api_client, reference_hashers):
    user = UserFactory(email="old@example.com")
    User.objects.filter(pk=user.pk).update(password=make_password(DEFAULT_PASSWORD, hasher="pbkdf2_sha256"))

    assert login(api_client, "old@example.com", DEFAULT_PASSWORD).status_code == 200

    user.refresh_from_db()
    assert user.password.startswith("argon2$argon2id$")
    assert login(api_client, "old@example.com", DEFAULT_PASSWORD).status_code == 200


def test_a_wrong_password_does_not_upgrade_the_stored_hash(api_client, reference_hashers):
    user = UserFactory(email="old@example.com")
    legacy = make_password(DEFAULT_PASSWORD, hasher="pbkdf2_sha256")
    User.objects.filter(pk=user.pk).update(password=legacy)

    assert status_and_code(login(api_client, "old@example.com", "not the password")) == (401, "invalid_credentials")

    user.refresh_from_db()
    assert user.password == legacy


def test_a_password_of_the_maximum_length_is_kept_whole(api_client, reference_hashers):
    # No silent truncation (bcrypt stops at 72 bytes): every character counts.
    password = "long passphrase " * (MAX_PASSWORD_LENGTH // 16)
    assert len(password) == MAX_PASSWORD_LENGTH
    assert register(api_client, "ada@example.com", password).status_code == 201

    assert login(api_client, "ada@example.com", password).status_code == 200
    assert status_and_code(login(api_client, "ada@example.com", password[:-1] + "X")) == (401, "invalid_credentials")
    assert status_and_code(login(api_client, "ada@example.com", password[:72])) == (401, "invalid_credentials")


@pytest.mark.parametrize("path", ["/auth/register", "/auth/login"])
def test_a_password_over_the_maximum_is_refused_with_the_limit_named(api_client, path):
    response = api_client.post(
        path, {"email": "ada@example.com", "password": "p" * (MAX_PASSWORD_LENGTH + 1)}, format="json"
    )

    assert response.status_code == 400
    assert response.json()["code"] == "invalid_request"
    assert str(MAX_PASSWORD_LENGTH) in response.json()["errors"]["password"][0]
    assert User.objects.count() == 0


def test_a_new_password_over_the_maximum_is_refused(api_client):
    tokens = register(api_client, "ada@example.com", DEFAULT_PASSWORD).json()

    response = api_client.post(
        "/auth/password",
        {"old_password": DEFAULT_PASSWORD, "new_password": "q" * (MAX_PASSWORD_LENGTH + 1)},
        format="json",
        HTTP_AUTHORIZATION=f"Bearer {tokens['access_token']}",
    )

    assert response.status_code == 400
    assert set(response.json()["errors"]) == {"new_password"}


@pytest.mark.parametrize(
    "password", ["zygmunt.kowalski", "1234567890123", "password1234"], ids=["like-email", "numeric", "common"]
)
def test_registration_runs_djangos_validators(api_client, password):
    response = register(api_client, "zygmunt.kowalski@example.com", password)

    assert response.status_code == 400
    assert set(response.json()["errors"]) == {"password"}


def counted_hasher_work(api_client, email, password):
    CountingArgon2Hasher.calls = 0
    response = login(api_client, email, password)
    assert status_and_code(response) == (401, "invalid_credentials")
    return CountingArgon2Hasher.calls


def test_unknown_user_wrong_password_and_inactive_user_cost_the_same_hasher_work(api_client, settings):
    # The deployed Argon2 hasher, counting its calls (one Argon2 run each): the dummy
    # hash of the unknown-user path is the same work as checking a real one.
    settings.PASSWORD_HASHERS = ["tests.authfort_django.hashers.CountingArgon2Hasher"]
    UserFactory(email="ada@example.com")
    UserFactory(email="gone@example.com", is_active=False)

    work = {
        "unknown user": counted_hasher_work(api_client, "nobody@example.com", DEFAULT_PASSWORD),
        "wrong password": counted_hasher_work(api_client, "ada@example.com", "not the password"),
        "inactive user": counted_hasher_work(api_client, "gone@example.com", DEFAULT_PASSWORD),
    }

    assert work == {"unknown user": 1, "wrong password": 1, "inactive user": 1}

