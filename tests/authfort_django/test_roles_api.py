"""Role management: GET/POST /auth/roles, PUT/DELETE /auth/users/{id}/roles/{name}.

A change bumps token_version: earlier access tokens die at once; sessions stay, and
the next refresh carries the new roles.
"""

from __future__ import annotations

import pytest

from authfort_django.models import AuthEvent, Role
from authfort_django.sessions import lifecycle
from tests.authfort_django.helpers import (
    BEARER_CHALLENGE,
    BEARER_REALM,
    INTROSPECTION_SECRET,
    NO_SUCH_ID,
    bearer,
    mint,
    status_and_code,
)
from tests.factories import RoleFactory, UserFactory

pytestmark = pytest.mark.django_db

SECRET = INTROSPECTION_SECRET


@pytest.fixture
def admin_token():
    admin = UserFactory(roles=["admin"])
    return mint(admin, lifecycle.start_session(admin).session)


@pytest.fixture
def member():
    """A user with a live session: (user, access token, refresh token)."""
    user = UserFactory(roles=["reader"])
    grant = lifecycle.start_session(user)
    return user, mint(user, grant.session), grant.refresh_token


def _introspect(client, token: str) -> dict:
    return client.post("/auth/introspect", {"token": token}, format="json", HTTP_AUTHORIZATION=f"Bearer {SECRET}").json()


def _refresh(client, refresh_token: str):
    return client.post("/auth/refresh", {"refresh_token": refresh_token}, format="json")


def test_an_admin_lists_roles(api_client, admin_token):
    RoleFactory(name="editor", description="Edits things")

    response = api_client.get("/auth/roles", **bearer(admin_token))

    assert response.status_code == 200
    assert {"name": "editor", "description": "Edits things"} in response.json()
    assert [r["name"] for r in response.json()] == sorted(r["name"] for r in response.json())


def test_staff_is_admin_too(api_client):
    staff = UserFactory(is_staff=True)

    assert api_client.get("/auth/roles", **bearer(mint(staff, lifecycle.start_session(staff).session))).status_code == 200


def test_an_admin_creates_a_role(api_client, admin_token):
    response = api_client.post("/auth/roles", {"name": "auditor", "description": "Reads logs"}, format="json", **bearer(admin_token))

    assert response.status_code == 201
    assert response.json() == {"name": "auditor", "description": "Reads logs"}
    assert Role.objects.filter(name="auditor").exists()


def test_a_duplicate_role_is_409(api_client, admin_token):
    RoleFactory(name="auditor")

    response = api_client.post("/auth/roles", {"name": "auditor"}, format="json", **bearer(admin_token))

    assert response.status_code == 409
    assert response.json()["code"] == "role_exists"


@pytest.mark.parametrize("name", ["", "has space", "x" * 65, "ünïcode"])
def test_a_role_name_must_be_a_slug(api_client, admin_token, name):
    response = api_client.post("/auth/roles", {"name": name}, format="json", **bearer(admin_token))

    assert response.status_code == 400
    assert "name" in response.json()["errors"]


def test_granting_a_role_kills_earlier_tokens_and_refresh_brings_the_new_role(api_client, admin_token, member):
    user, access, refresh = member
    RoleFactory(name="editor")

    response = api_client.put(f"/auth/users/{user.pk}/roles/editor", **bearer(admin_token))

    assert response.status_code == 204
    assert _introspect(api_client, access) == {"active": False}
    refused = api_client.get("/auth/me", **bearer(access))
    assert status_and_code(refused) == (401, "token_revoked")
    assert refused["WWW-Authenticate"].startswith(BEARER_CHALLENGE)
    renewed = _refresh(api_client, refresh)
    assert renewed.status_code == 200
    assert _introspect(api_client, renewed.json()["access_token"])["roles"] == ["editor", "reader"]
    event = AuthEvent.objects.get(type=AuthEvent.Type.ROLE_GRANTED, detail__role="editor")
    assert event.user == user
    assert "via" not in event.detail  # the API's own event, with its request


def test_revoking_a_role_kills_earlier_tokens(api_client, admin_token, member):
    user, access, refresh = member

    response = api_client.delete(f"/auth/users/{user.pk}/roles/reader", **bearer(admin_token))

    assert response.status_code == 204
    assert _introspect(api_client, access) == {"active": False}
    assert _introspect(api_client, _refresh(api_client, refresh).json()["access_token"])["roles"] == []
    assert AuthEvent.objects.filter(type=AuthEvent.Type.ROLE_REVOKED, user=user).count() == 1


def test_a_grant_that_changes_nothing_keeps_tokens(api_client, admin_token, member):
    user, access, _ = member

    assert api_client.put(f"/auth/users/{user.pk}/roles/reader", **bearer(admin_token)).status_code == 204
    assert api_client.delete(f"/auth/users/{user.pk}/roles/absent-role", **bearer(admin_token)).status_code == 404

    assert _introspect(api_client, access)["active"] is True


@pytest.mark.parametrize("user_id", [NO_SUCH_ID, "not-a-uuid"])
def test_an_unknown_user_is_404(api_client, admin_token, user_id):
    RoleFactory(name="editor")

    response = api_client.put(f"/auth/users/{user_id}/roles/editor", **bearer(admin_token))

    assert response.status_code == 404
    assert response.json()["code"] == "user_not_found"


def test_an_unknown_role_is_404(api_client, admin_token, member):
    user, _, _ = member

    for method in (api_client.put, api_client.delete):
        response = method(f"/auth/users/{user.pk}/roles/no-such-role", **bearer(admin_token))
        assert response.status_code == 404
        assert response.json()["code"] == "role_not_found"


def test_an_admin_role_holder_cannot_change_a_staff_users_roles(api_client, admin_token):
    staff = UserFactory(is_staff=True, roles=["admin"])

    taken = api_client.delete(f"/auth/users/{staff.pk}/roles/admin", **bearer(admin_token))

    assert taken.status_code == 403
    assert taken.json()["code"] == "staff_required"
    assert staff.role_names() == ["admin"]


def test_non_admins_get_403_and_change_nothing(api_client, member):
    user, access, _ = member
    RoleFactory(name="admin")

    responses = [
        api_client.get("/auth/roles", **bearer(access)),
        api_client.post("/auth/roles", {"name": "mine"}, format="json", **bearer(access)),
        api_client.put(f"/auth/users/{user.pk}/roles/admin", **bearer(access)),
        api_client.delete(f"/auth/users/{user.pk}/roles/reader", **bearer(access)),
    ]

    assert [r.status_code for r in responses] == [403, 403, 403, 403]
    assert {r.json()["code"] for r in responses} == {"admin_required"}
    assert user.role_names() == ["reader"]
    assert _introspect(api_client, access)["active"] is True


def test_anonymous_callers_get_401(api_client, member):
    user, _, _ = member

    responses = [api_client.get("/auth/roles"), api_client.put(f"/auth/users/{user.pk}/roles/reader")]

    assert [status_and_code(r) for r in responses] == [(401, "not_authenticated")] * 2
    assert all(r["WWW-Authenticate"].startswith(BEARER_REALM) for r in responses)


def test_losing_the_admin_role_ends_admin_access_at_once(api_client):
    admin = UserFactory(roles=["admin"])
    other_admin = UserFactory(is_staff=True)
    token = mint(admin, lifecycle.start_session(admin).session)
    other = mint(other_admin, lifecycle.start_session(other_admin).session)

    api_client.delete(f"/auth/users/{admin.pk}/roles/admin", **bearer(other))

    response = api_client.get("/auth/roles", **bearer(token))
    assert status_and_code(response) == (401, "token_revoked")
    assert response["WWW-Authenticate"].startswith(BEARER_CHALLENGE)
