"""JSON nested past api/parsers.MAX_DEPTH is 400 parse_error on every JSON endpoint,
never a RecursionError 500."""

from __future__ import annotations

import json

import pytest
from rest_framework.test import APIClient

from authfort_django.api.parsers import MAX_DEPTH, depth_exceeds
from tests.authfort_django.helpers import INTROSPECTION_SECRET, bearer, login, status_and_code

pytestmark = pytest.mark.django_db

ANONYMOUS = [
    "/auth/login",
    "/auth/register",
    "/auth/refresh",
    "/auth/logout",
    "/auth/password-reset",
    "/auth/password-reset/confirm",
    "/auth/verify-email",
]
# Endpoints that take no body never parse one: a deep body is ignored, not a 500.
BODY_IGNORED = [("/auth/logout-all", 204), ("/auth/verify-email/request", 202)]


def _nested(depth: int, *, kind: str = "list") -> str:
    if kind == "list":
        return "[" * depth + "]" * depth
    return '{"a":' * depth + "1" + "}" * depth


def _post(path: str, body: str, **extra) -> object:
    return APIClient().post(path, data=body, content_type="application/json", **extra)


def _assert_parse_error(response) -> None:
    assert status_and_code(response) == (400, "parse_error")
    assert str(MAX_DEPTH) in response.json()["detail"]


@pytest.mark.parametrize("path", ANONYMOUS)
@pytest.mark.parametrize("kind", ["list", "object"])
def test_a_thousand_levels_are_400_parse_error(path, kind):
    _assert_parse_error(_post(path, _nested(1000, kind=kind)))


@pytest.mark.parametrize("path", ANONYMOUS[:3])
def test_twenty_thousand_levels_are_400_too(path):
    # 40 KB: under DATA_UPLOAD_MAX_MEMORY_SIZE, so it reaches the parser rather than the 413.
    _assert_parse_error(_post(path, _nested(20_000)))


def test_an_authenticated_endpoint_refuses_deep_json_too(user, password):
    access = login(APIClient(), user, password)["access_token"]

    _assert_parse_error(_post("/auth/password", _nested(1000, kind="object"), **bearer(access)))


@pytest.mark.parametrize(("path", "status"), BODY_IGNORED)
def test_endpoints_without_a_body_ignore_deep_json(path, status, user, password):
    access = login(APIClient(), user, password)["access_token"]

    assert _post(path, _nested(1000), **bearer(access)).status_code == status


def test_introspection_refuses_deep_json():
    _assert_parse_error(_post("/auth/introspect", _nested(1000), HTTP_AUTHORIZATION=f"Bearer {INTROSPECTION_SECRET}"))


def test_deep_member_inside_a_valid_body_is_refused():
    body = '{"email": "a@example.com", "password": "p", "extra": ' + _nested(MAX_DEPTH) + "}"

    _assert_parse_error(_post("/auth/login", body))


def test_bodies_up_to_the_limit_are_parsed(user, password):
    body = json.dumps({"email": user.email, "password": password, "extra": json.loads(_nested(MAX_DEPTH - 1))})

    response = _post("/auth/login", body)

    assert response.status_code == 200


@pytest.mark.parametrize(
    ("value", "too_deep"),
    [(1, False), ([], False), ([[]] * 3, False), (json.loads(_nested(MAX_DEPTH)), False),
     (json.loads(_nested(MAX_DEPTH + 1)), True), ({"a": [{"b": json.loads(_nested(MAX_DEPTH - 2))}]}, True)],
)
def test_depth_exceeds(value, too_deep):
    assert depth_exceeds(value) is too_deep
