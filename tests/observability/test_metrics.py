"""/metrics in-process: each counter moves with the flow that drives it; key gauges read the database."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.utils import timezone

from authfort_django.keys import rotation
from authfort_django.observability.metrics import access
from tests.authfort_django.helpers import (
    INTROSPECTION_SECRET,
    bearer,
    introspect,
    login,
    refresh,
)
from tests.factories import DEFAULT_PASSWORD, UserFactory
from tests.observability.metrics_scrape import samples

# Counters move on auth_event, which is sent after commit: these tests commit.
pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture
def scrape(api_client):
    def read() -> dict:
        response = api_client.get("/metrics")
        assert response.status_code == 200, response.content
        assert response["Content-Type"].startswith("text/plain; version=")
        return samples(response.content.decode())

    return read


def _delta(before: dict, after: dict, name: str, *labels: str) -> float:
    return after[name].get(labels, 0.0) - before[name].get(labels, 0.0)


def test_login_counts_successes_and_failures(api_client, scrape):
    user = UserFactory()
    before = scrape()

    login(api_client, user, DEFAULT_PASSWORD)
    api_client.post("/auth/login", {"email": user.email, "password": "wrong password"}, format="json")
    api_client.post("/auth/login", {"email": "nobody@example.com", "password": "wrong password"}, format="json")

    after = scrape()
    assert _delta(before, after, "authfort_login_total", "success") == 1
    assert _delta(before, after, "authfort_login_total", "failure") == 2
    assert _delta(before, after, "authfort_token_issue_seconds_count", "login") == 1


def test_register_counts_new_accounts_only(api_client, scrape):
    before = scrape()
    body = {"email": "new@example.com", "password": "a long enough passphrase"}

    assert api_client.post("/auth/register", body, format="json").status_code == 201
    assert api_client.post("/auth/register", body, format="json").status_code == 409

    after = scrape()
    assert _delta(before, after, "authfort_register_total") == 1
    assert _delta(before, after, "authfort_token_issue_seconds_count", "register") == 1


def test_refresh_counts_success_reuse_and_each_failure(api_client, scrape, user, password):
    first = login(api_client, user, password)
    before = scrape()

    second = refresh(api_client, first["refresh_token"])
    reused = refresh(api_client, first["refresh_token"])
    revoked = refresh(api_client, second.json()["refresh_token"])  # the reuse ended the session
    malformed = refresh(api_client, "not a token")
    missing = refresh(api_client, None)

    after = scrape()
    assert [r.status_code for r in (second, reused, revoked, malformed, missing)] == [200, 401, 401, 401, 401]
    assert _delta(before, after, "authfort_refresh_total", "success") == 1
    assert _delta(before, after, "authfort_refresh_total", "reused") == 1
    assert _delta(before, after, "authfort_refresh_total", "revoked") == 1
    assert _delta(before, after, "authfort_refresh_total", "malformed") == 1
    assert _delta(before, after, "authfort_refresh_total", "missing") == 1
    assert _delta(before, after, "authfort_token_issue_seconds_count", "refresh") == 1


def test_introspection_counts_active_and_inactive_answers(api_client, scrape, user, password):
    token = login(api_client, user, password)["access_token"]
    before = scrape()

    introspect(api_client, token)
    introspect(api_client, "not-a-token")
    api_client.post("/auth/logout", **bearer(token))
    introspect(api_client, token)
    # A caller with a wrong secret gets no answer, so it is not counted.
    api_client.post("/auth/introspect", {"token": token}, format="json", HTTP_AUTHORIZATION="Bearer wrong")

    after = scrape()
    assert _delta(before, after, "authfort_introspection_total", "true") == 1
    assert _delta(before, after, "authfort_introspection_total", "false") == 2
    assert INTROSPECTION_SECRET.encode() not in api_client.get("/metrics").content


@pytest.mark.no_signing_key
def test_signing_key_gauges_and_rotation_count_follow_the_database(scrape):
    start = timezone.now() - timedelta(days=3)
    rotation.ensure_key(start)
    before = scrape()

    rotation.rotate()  # a pending key, published ahead

    after = scrape()
    assert after["authfort_signing_keys"][("active",)] == 1
    assert after["authfort_signing_keys"][("pending",)] == 1
    assert after["authfort_signing_keys"][("revoked",)] == 0
    assert after["authfort_signing_key_active_age_seconds"][()] >= 3 * 86400
    assert _delta(before, after, "authfort_key_rotation_total") == 1


@pytest.mark.no_signing_key
def test_no_active_key_age_while_no_key_signs(scrape):
    assert "authfort_signing_key_active_age_seconds" not in scrape()
    assert scrape()["authfort_signing_keys"][("active",)] == 0


# Access


def test_loopback_may_scrape_by_default(api_client):
    assert api_client.get("/metrics", REMOTE_ADDR="127.0.0.1").status_code == 200
    assert api_client.get("/metrics", REMOTE_ADDR="::1").status_code == 200


def test_other_addresses_are_refused_by_default_with_what_to_do(api_client):
    response = api_client.get("/metrics", REMOTE_ADDR="203.0.113.9")

    assert response.status_code == 403
    assert "AUTHFORT_METRICS_ACCESS" in response.json()["detail"]
    assert b"authfort_login_total" not in response.content


def test_allowed_networks(api_client, settings):
    settings.AUTHFORT = {**settings.AUTHFORT, "METRICS_ACCESS": ["10.0.0.0/8"]}

    assert api_client.get("/metrics", REMOTE_ADDR="10.20.30.40").status_code == 200
    assert api_client.get("/metrics", REMOTE_ADDR="127.0.0.1").status_code == 403


def test_a_forged_forwarded_for_does_not_open_metrics(api_client):
    response = api_client.get("/metrics", REMOTE_ADDR="203.0.113.9", HTTP_X_FORWARDED_FOR="127.0.0.1")

    assert response.status_code == 403


def test_open_and_off(api_client, settings):
    settings.AUTHFORT = {**settings.AUTHFORT, "METRICS_ACCESS": "open"}
    assert api_client.get("/metrics", REMOTE_ADDR="203.0.113.9").status_code == 200

    settings.AUTHFORT = {**settings.AUTHFORT, "METRICS_ACCESS": ["off"]}
    assert api_client.get("/metrics", REMOTE_ADDR="127.0.0.1").status_code == 404


def test_only_get_and_head(api_client):
    assert api_client.post("/metrics").status_code == 405
    assert api_client.head("/metrics").status_code == 200


@pytest.mark.parametrize("value", [[], ["not-an-ip"], "10.0.0.0/33", 42])
def test_invalid_access_settings_are_reported_by_a_system_check(settings, value):
    from authfort_django.checks import check_metrics_access

    settings.AUTHFORT = {**settings.AUTHFORT, "METRICS_ACCESS": value}

    assert [m.id for m in check_metrics_access()] == ["authfort.E101"]


def test_parse_understands_the_env_forms():
    assert access.parse("off") == "off"
    assert access.parse(["open"]) == "open"
    assert [str(n) for n in access.parse("127.0.0.1, 10.0.0.0/8")] == ["127.0.0.1/32", "10.0.0.0/8"]
