"""POST /auth/introspect (RFC 7662): who may ask, what an active answer holds, and that
every other answer is exactly {"active": false}."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.conf import settings
from django.test import override_settings
from django.utils import timezone

from authfort_django.keys import rotation
from authfort_django.keys.store import key_store
from authfort_django.sessions import lifecycle
from tests.authfort_django.helpers import INTROSPECTION_SECRET, mint, status_and_code
from tests.factories import SessionFactory, UserFactory

pytestmark = pytest.mark.django_db

URL = "/auth/introspect"
SECRET = INTROSPECTION_SECRET
INACTIVE = {"active": False}


def _ask(client, token, *, secret: str | None = SECRET):
    headers = {"HTTP_AUTHORIZATION": f"Bearer {secret}"} if secret is not None else {}
    return client.post(URL, {"token": token}, format="json", **headers)


def _ask_form(client, body: str, secret: str = SECRET):
    return client.post(
        URL, body, content_type="application/x-www-form-urlencoded", HTTP_AUTHORIZATION=f"Bearer {secret}"
    )


@pytest.fixture
def live():
    """A user with a live session and an access token for it."""
    user = UserFactory(roles=["editor"])
    grant = lifecycle.start_session(user)
    return user, grant.session, mint(user, grant.session)


def test_an_active_token_answers_its_claims(api_client, live):
    user, session, token = live

    response = _ask(api_client, token)

    assert response.status_code == 200
    assert response["Cache-Control"] == "no-store"
    body = response.json()
    assert set(body) == {"active", "sub", "iss", "aud", "exp", "iat", "jti", "sid", "roles", "amr", "auth_time", "token_type"}
    assert body["active"] is True
    assert body["sub"] == str(user.pk)
    assert body["sid"] == str(session.pk)
    assert body["roles"] == ["editor"]
    assert body["iss"] == "http://testserver"
    assert body["aud"] == "authfort-tests"


def test_a_form_encoded_request_works_too(api_client, live):
    _, _, token = live

    response = _ask_form(api_client, f"token={token}&token_type_hint=access_token")

    assert response.json()["active"] is True


def test_a_form_encoded_garbage_token_is_inactive(api_client):
    assert _ask_form(api_client, "token=garbage").json() == INACTIVE


@pytest.mark.parametrize(
    "token",
    ["", "garbage", "a.b.c", "x" * 20_000, 42, None, ["a"], {"t": 1}],
    ids=["empty", "word", "three-dots", "huge", "number", "null", "list", "object"],
)
def test_garbage_is_exactly_inactive(api_client, token):
    response = _ask(api_client, token)

    assert response.status_code == 200
    assert response.json() == INACTIVE


def test_a_missing_token_member_is_inactive(api_client):
    response = api_client.post(URL, {}, format="json", HTTP_AUTHORIZATION=f"Bearer {SECRET}")

    assert response.json() == INACTIVE


def test_a_refresh_token_is_inactive(api_client, user):
    grant = lifecycle.start_session(user)

    assert _ask(api_client, grant.refresh_token).json() == INACTIVE


@pytest.mark.parametrize(
    "authorization",
    [None, "Bearer wrong-secret", f"Basic {SECRET}", "Bearer", f"Bearer {SECRET}x", f"bearer{SECRET}"],
    ids=["none", "wrong", "other-scheme", "no-credential", "longer", "no-space"],
)
def test_callers_without_the_secret_get_401(api_client, live, authorization):
    _, _, token = live
    headers = {"HTTP_AUTHORIZATION": authorization} if authorization else {}

    response = api_client.post(URL, {"token": token}, format="json", **headers)

    assert status_and_code(response) == (401, "invalid_client")
    assert response["WWW-Authenticate"].startswith('Bearer realm="authfort-introspection"')
    assert "active" not in response.json()


def test_every_configured_secret_is_accepted_so_they_can_be_rotated(api_client, live):
    _, _, token = live
    rotating = ["old-secret-aaaaaaaaaaaaaaaa", "new-secret-bbbbbbbbbbbbbbbb"]
    with override_settings(AUTHFORT={**settings.AUTHFORT, "INTROSPECTION_SECRETS": rotating}):
        assert _ask(api_client, token, secret="old-secret-aaaaaaaaaaaaaaaa").json()["active"] is True
        assert _ask(api_client, token, secret="new-secret-bbbbbbbbbbbbbbbb").json()["active"] is True
        assert status_and_code(_ask(api_client, token, secret=SECRET)) == (401, "invalid_client")


@pytest.mark.parametrize("secret", [SECRET, None])
def test_get_is_405(api_client, secret):
    headers = {"HTTP_AUTHORIZATION": f"Bearer {secret}"} if secret else {}

    assert api_client.get(URL, **headers).status_code == 405


def test_introspection_is_off_without_secrets(api_client, live):
    _, _, token = live
    with override_settings(AUTHFORT={**settings.AUTHFORT, "INTROSPECTION_SECRETS": []}):
        response = _ask(api_client, token)

    assert response.status_code == 404
    assert "INTROSPECTION_SECRETS" in response.json()["detail"]


def test_a_bumped_token_version_makes_it_inactive(api_client, live):
    user, _, token = live

    lifecycle.bump_token_version(user)

    assert _ask(api_client, token).json() == INACTIVE


def test_an_inactive_user_makes_it_inactive(api_client, live):
    user, _, token = live
    type(user).objects.filter(pk=user.pk).update(is_active=False)

    assert _ask(api_client, token).json() == INACTIVE


def test_a_revoked_session_makes_it_inactive(api_client, live):
    _, session, token = live

    lifecycle.revoke_session(session, reason="logout")

    assert _ask(api_client, token).json() == INACTIVE


@pytest.mark.parametrize("state", ["expired", "idle"])
def test_an_expired_or_idle_session_makes_it_inactive(api_client, user, state):
    session = SessionFactory(user=user, **{state: True})

    assert _ask(api_client, mint(user, session)).json() == INACTIVE


def test_an_expired_token_is_inactive(api_client, live):
    user, session, _ = live
    now = int(timezone.now().timestamp())

    assert _ask(api_client, mint(user, session, iat=now - 7200, exp=now - 3600)).json() == INACTIVE


def test_a_token_of_another_audience_is_inactive(api_client, live):
    user, session, _ = live

    assert _ask(api_client, mint(user, session, aud="somebody-else")).json() == INACTIVE


def test_a_token_signed_by_a_revoked_key_is_inactive(api_client, live):
    _, _, token = live
    assert _ask(api_client, token).json()["active"] is True
    kid = key_store.signing_key().kid

    rotation.revoke(kid)

    assert _ask(api_client, token).json() == INACTIVE


def test_a_token_signed_by_an_expired_key_is_inactive(api_client, user):
    """Travel back: the key was created ten days ago and retired nine days ago, so by now
    it has outlived its retention and left the JWKS."""
    now = timezone.now()
    rotation.ensure_key(now=now - timedelta(days=10))
    session = lifecycle.start_session(user).session
    token = mint(user, session)
    assert _ask(api_client, token).json()["active"] is True

    rotation.rotate(now=now - timedelta(days=9), immediately=True)

    assert _ask(api_client, token).json() == INACTIVE


def test_introspection_is_rate_limited(api_client, live):
    _, _, token = live
    with override_settings(AUTHFORT={**settings.AUTHFORT, "THROTTLE_RATES": {"introspect": "2/min"}}):
        statuses = [_ask(api_client, token).status_code for _ in range(3)]

    assert statuses == [200, 200, 429]


def test_wrong_secrets_count_against_the_rate_limit(api_client, live):
    """Guessing the caller secret is throttled like any other attempt."""
    _, _, token = live
    with override_settings(AUTHFORT={**settings.AUTHFORT, "THROTTLE_RATES": {"introspect": "2/min"}}):
        guesses = [status_and_code(_ask(api_client, token, secret=f"guess-{n}")) for n in range(2)]
        with_the_right_secret = status_and_code(_ask(api_client, token))

    assert guesses == [(401, "invalid_client")] * 2
    assert with_the_right_secret == (429, "throttled")


def test_a_warm_introspection_makes_one_database_query(api_client, live, django_assert_num_queries):
    _, _, token = live
    _ask(api_client, token)  # warms the key store

    with django_assert_num_queries(1):
        assert _ask(api_client, token).json()["active"] is True


def test_a_token_naming_another_users_session_is_inactive(api_client, live):
    _, session, _ = live
    other = UserFactory()

    assert _ask(api_client, mint(other, session)).json() == INACTIVE


def test_a_correctly_signed_token_without_a_session_is_inactive(api_client, live):
    # What someone holding the signing key could mint: valid signature, current `ver`,
    # but no `sid`. Every token the server issues names its session.
    user, _, _ = live

    assert _ask(api_client, mint(user, sid=None)).json() == INACTIVE
