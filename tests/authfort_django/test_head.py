"""HEAD answers wherever GET does, with GET's status and headers and no body."""

from __future__ import annotations

import pytest

from tests.authfort_django.helpers import bearer, login
from tests.factories import DEFAULT_PASSWORD, UserFactory

pytestmark = pytest.mark.django_db

PUBLIC = ["/.well-known/jwks.json", "/.well-known/oauth-authorization-server",
          "/health", "/metrics", "/api/schema", "/api/docs"]
AUTHENTICATED = ["/auth/me", "/auth/sessions", "/auth/roles"]


@pytest.mark.parametrize("path", PUBLIC)
def test_head_of_a_public_read_is_get_without_the_body(api_client, path):
    get, head = api_client.get(path), api_client.head(path)

    assert get.status_code == 200
    assert head.status_code == 200
    assert head.content == b""
    assert head["Content-Type"] == get["Content-Type"]


@pytest.mark.parametrize("path", AUTHENTICATED)
def test_head_of_an_authenticated_read_is_get_without_the_body(api_client, path):
    admin = UserFactory(is_staff=True)
    token = login(api_client, admin, DEFAULT_PASSWORD)["access_token"]

    get, head = api_client.get(path, **bearer(token)), api_client.head(path, **bearer(token))

    assert get.status_code == head.status_code == 200
    assert head.content == b""


@pytest.mark.parametrize("path", AUTHENTICATED)
def test_head_without_a_token_is_the_same_401_challenge_as_get(api_client, path):
    get, head = api_client.get(path), api_client.head(path)

    assert get.status_code == head.status_code == 401
    assert head["WWW-Authenticate"] == get["WWW-Authenticate"]
