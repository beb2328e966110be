import threading

import pytest
from django.db import connections

from authfort_django.models import AuthEvent, User
from tests.factories import DEFAULT_PASSWORD, RoleFactory, UserFactory

pytestmark = pytest.mark.django_db

URL = "/auth/register"


def register(api_client, **body):
    return api_client.post(URL, body, format="json")


def test_register_returns_user_and_token_pair(api_client):
    response = register(api_client, email="Ada@Example.com", password=DEFAULT_PASSWORD, name="Ada")

    assert response.status_code == 201
    body = response.json()
    assert set(body) == {"user", "access_token", "refresh_token", "token_type", "expires_in"}
    assert body["token_type"] == "Bearer"
    assert body["expires_in"] == 900
    assert body["user"]["email"] == "ada@example.com"  # the canonical form, the one mail goes to
    assert body["user"]["name"] == "Ada"
    assert set(body["user"]) == {"id", "email", "email_verified", "name", "roles", "is_staff", "date_joined"}
    assert response["Cache-Control"] == "no-store"


def test_register_stores_a_hash_not_the_password(api_client):
    register(api_client, email="ada@example.com", password=DEFAULT_PASSWORD)

    user = User.objects.get()
    assert DEFAULT_PASSWORD not in user.password
    assert user.check_password(DEFAULT_PASSWORD)


def test_register_records_an_audit_event(api_client):
    register(api_client, email="ada@example.com", password=DEFAULT_PASSWORD)

    assert AuthEvent.objects.filter(type="register", user__email="ada@example.com").count() == 1


@pytest.mark.parametrize(
    "body, fields",
    [
        ({"email": "not-an-email", "password": DEFAULT_PASSWORD}, {"email"}),
        ({"email": "ada@example.com", "password": "short"}, {"password"}),
        ({"email": "ada@example.com", "password": "password123"}, {"password"}),
        ({"email": "ada@example.com", "password": "12345678901234"}, {"password"}),
        ({}, {"email", "password"}),
        ({"email": "ada@example.com"}, {"password"}),
        ({"email": "a" * 10_000 + "@example.com", "password": DEFAULT_PASSWORD}, {"email"}),
        ({"email": "ada@example.com", "password": "x" * 5000}, {"password"}),
        ({"email": "ada@example.com", "password": DEFAULT_PASSWORD, "name": "n" * 1000}, {"name"}),
        ({"email": ["ada@example.com"], "password": DEFAULT_PASSWORD}, {"email"}),
        ({"email": "ada@example.com", "password": {"x": 1}}, {"password"}),
    ],
    ids=[
        "invalid-email", "too-short", "common", "numeric", "empty", "no-password",
        "huge-email", "huge-password", "huge-name", "email-list", "password-object",
    ],
)
def test_register_rejects_bad_fields_with_per_field_errors(api_client, body, fields):
    response = api_client.post(URL, body, format="json")

    assert response.status_code == 400
    assert response.json()["code"] == "invalid_request"
    assert set(response.json()["errors"]) == fields
    assert User.objects.count() == 0


@pytest.mark.parametrize(
    "raw", [b"[1, 2]", b'"just a string"', b"{not json", b"", b"null", b"\xff\xfe"],
    ids=["list", "string", "broken", "empty", "null", "binary"],
)
def test_register_rejects_a_body_that_is_not_a_json_object(api_client, raw):
    response = api_client.generic("POST", URL, raw, content_type="application/json")

    assert response.status_code == 400
    assert "detail" in response.json()


def test_register_refuses_form_encoded_bodies(api_client):
    response = api_client.post(URL, {"email": "ada@example.com", "password": DEFAULT_PASSWORD})

    assert response.status_code == 415


def test_register_ignores_fields_a_client_must_not_set(api_client):
    RoleFactory(name="admin")
    response = register(
        api_client,
        email="mallory@example.com",
        password=DEFAULT_PASSWORD,
        is_staff=True,
        is_superuser=True,
        roles=["admin"],
        id="00000000-0000-0000-0000-000000000001",
        token_version=99,
        is_active=False,
        groups=[1],
    )

    assert response.status_code == 201
    user = User.objects.get()
    assert (user.is_staff, user.is_superuser, user.is_active, user.token_version) == (False, False, True, 0)
    assert str(user.pk) != "00000000-0000-0000-0000-000000000001"
    assert user.role_names() == []


def test_register_same_email_in_other_case_is_409(api_client):
    UserFactory(email="ada@example.com")

    response = register(api_client, email="ADA@EXAMPLE.COM", password=DEFAULT_PASSWORD)

    assert response.status_code == 409
    assert response.json()["code"] == "email_taken"
    assert User.objects.count() == 1


def test_register_when_closed_is_403(api_client, settings):
    settings.AUTHFORT = {**settings.AUTHFORT, "REGISTRATION_OPEN": False}

    response = register(api_client, email="ada@example.com", password=DEFAULT_PASSWORD)

    assert response.status_code == 403
    assert response.json()["code"] == "registration_closed"


def test_register_grants_default_roles(api_client, settings):
    settings.AUTHFORT = {**settings.AUTHFORT, "DEFAULT_ROLES": ["reader"]}

    response = register(api_client, email="ada@example.com", password=DEFAULT_PASSWORD)

    assert response.json()["user"]["roles"] == ["reader"]


@pytest.mark.row_locks
@pytest.mark.django_db(transaction=True)
def test_concurrent_registrations_of_one_email_leave_one_user():
    from rest_framework.test import APIClient

    statuses: list[int] = []
    barrier = threading.Barrier(6)

    def attempt(n: int) -> None:
        try:
            barrier.wait()
            email = "race@example.com" if n % 2 else "RACE@example.com"
            response = APIClient().post(URL, {"email": email, "password": DEFAULT_PASSWORD}, format="json")
            statuses.append(response.status_code)
        finally:
            connections.close_all()

    threads = [threading.Thread(target=attempt, args=(n,)) for n in range(6)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()

    assert sorted(statuses) == [201, 409, 409, 409, 409, 409]
    assert User.objects.filter(email__iexact="race@example.com").count() == 1
