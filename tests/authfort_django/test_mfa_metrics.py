"""authfort_mfa_attempts_total{method, result}: moved by the mfa_verified and mfa_failed
signals (observability/metrics/receivers.py), read back from /metrics."""

from __future__ import annotations

import pytest

from tests.authfort_django.mfa_helpers import enable_totp, login_body, totp_clock  # noqa: F401
from tests.factories import DEFAULT_PASSWORD, UserFactory
from tests.observability.metrics_scrape import samples

# The signals are sent after commit: these tests commit.
pytestmark = pytest.mark.django_db(transaction=True)

NAME = "authfort_mfa_attempts_total"


@pytest.fixture
def scrape(api_client):
    def read() -> dict:
        response = api_client.get("/metrics")
        assert response.status_code == 200, response.content
        return samples(response.content.decode())[NAME]

    return read


def second_step(client, user, **factor):
    token = login_body(client, user, DEFAULT_PASSWORD).json()["mfa_token"]
    return client.post("/auth/login/mfa", {"mfa_token": token, **factor}, format="json")


def test_a_wrong_and_a_right_code_move_their_labels(api_client, scrape, totp_clock):
    user = UserFactory()
    secret, _, _ = enable_totp(api_client, user, DEFAULT_PASSWORD, totp_clock)
    right = totp_clock.code(secret)
    wrong = f"{(int(right) + 1) % 1_000_000:06d}"
    before = scrape()
    assert before[("totp", "invalid")] >= 0 and before[("totp", "success")] >= 0  # created up front

    assert second_step(api_client, user, code=wrong).status_code == 401
    after_wrong = scrape()
    assert after_wrong[("totp", "invalid")] - before[("totp", "invalid")] == 1
    assert after_wrong[("totp", "success")] == before[("totp", "success")]

    assert second_step(api_client, user, code=right).status_code == 200
    after_right = scrape()
    assert after_right[("totp", "success")] - before[("totp", "success")] == 1
    assert after_right[("totp", "invalid")] == after_wrong[("totp", "invalid")]


def test_a_replayed_code_and_a_recovery_code_have_their_own_labels(api_client, scrape, totp_clock):
    user = UserFactory()
    secret, recovery_codes, _ = enable_totp(api_client, user, DEFAULT_PASSWORD, totp_clock)
    code = totp_clock.code(secret)
    assert second_step(api_client, user, code=code).status_code == 200
    before = scrape()

    assert second_step(api_client, user, code=code).status_code == 401
    assert second_step(api_client, user, recovery_code=recovery_codes[0]).status_code == 200
    assert second_step(api_client, user, code="12ab").status_code == 400

    after = scrape()
    moved = {labels: after[labels] - before.get(labels, 0.0) for labels in after if after[labels] != before.get(labels)}
    assert moved == {("totp", "replayed"): 1, ("recovery_code", "success"): 1, ("totp", "malformed"): 1}
