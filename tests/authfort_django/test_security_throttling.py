"""Abuse throttling as an attacker meets it: credential stuffing, spraying, forged
proxies, and an account that must recover once an attack stops.

The rates are the shipped defaults (login 20/min per address, login_account 10/min
per account) unless a test says otherwise. Time moves through DRF's `timer` seam,
never by sleeping.
"""

import pytest
from rest_framework.throttling import SimpleRateThrottle

from authfort_django.conf import THROTTLE_DEFAULTS
from tests.authfort_django.helpers import refresh, status_and_code
from tests.factories import DEFAULT_PASSWORD, UserFactory
from tests.helpers.clock import FakeClock

pytestmark = pytest.mark.django_db

LOGIN = "/auth/login"


def login(client, email, password=DEFAULT_PASSWORD, **extra):
    return client.post(LOGIN, {"email": email, "password": password}, format="json", **extra)


def budget(scope: str) -> int:
    return int(THROTTLE_DEFAULTS[scope].split("/")[0])


@pytest.fixture
def default_rates(settings):
    """The shipped rates, whatever the developer's environment sets."""
    settings.AUTHFORT = {**settings.AUTHFORT, "THROTTLE_RATES": dict(THROTTLE_DEFAULTS)}


@pytest.fixture
def behind_one_proxy(settings):
    """NUM_PROXIES=1: X-Forwarded-For is trusted, so each forged value counts as a new client."""
    settings.REST_FRAMEWORK = {**settings.REST_FRAMEWORK, "NUM_PROXIES": 1}


@pytest.fixture
def throttle_clock(monkeypatch) -> FakeClock:
    clock = FakeClock()
    monkeypatch.setattr(SimpleRateThrottle, "timer", clock)
    return clock


def assert_throttled(response):
    assert response.status_code == 429
    assert int(response["Retry-After"]) > 0
    body = response.json()
    assert body["code"] == "throttled"
    assert "Try again in" in body["detail"]


def test_thirty_wrong_passwords_from_rotating_forwarded_addresses_hit_the_account_limit(
    api_client, default_rates, behind_one_proxy
):
    UserFactory(email="victim@example.com")

    answers = [
        login(api_client, "victim@example.com", f"guess {n}", HTTP_X_FORWARDED_FOR=f"198.51.100.{n}")
        for n in range(30)
    ]

    allowed = budget("login_account")
    assert [status_and_code(r) for r in answers[:allowed]] == [(401, "invalid_credentials")] * allowed
    for blocked in answers[allowed:]:
        assert_throttled(blocked)


def test_the_account_limit_also_stops_the_right_password_during_an_attack(
    api_client, default_rates, behind_one_proxy
):
    UserFactory(email="victim@example.com")
    for n in range(budget("login_account")):
        login(api_client, "victim@example.com", "guess", HTTP_X_FORWARDED_FOR=f"198.51.100.{n}")

    # Otherwise a 429 against a 200 would tell the attacker which guess was right.
    assert_throttled(login(api_client, "victim@example.com", HTTP_X_FORWARDED_FOR="192.0.2.77"))


def test_one_address_trying_forty_accounts_is_stopped(api_client, default_rates):
    answers = [login(api_client, f"target{n}@example.com", "Winter2026!") for n in range(40)]

    allowed = budget("login")
    assert [status_and_code(r) for r in answers[:allowed]] == [(401, "invalid_credentials")] * allowed
    for blocked in answers[allowed:]:
        assert_throttled(blocked)


def test_one_address_spraying_forty_accounts_through_a_proxy_is_still_one_client(
    api_client, default_rates, behind_one_proxy
):
    # The proxy appends the real client address; what the client put before it is ignored.
    answers = [
        login(api_client, f"target{n}@example.com", "Winter2026!", HTTP_X_FORWARDED_FOR=f"10.9.{n}.1, 203.0.113.5")
        for n in range(40)
    ]

    assert {r.status_code for r in answers[budget("login"):]} == {429}


def test_a_successful_login_does_not_reset_the_address_budget(api_client, settings):
    settings.AUTHFORT = {**settings.AUTHFORT, "THROTTLE_RATES": {"login": "3/min", "login_account": None}}
    UserFactory(email="mallory@example.com")

    first = [
        status_and_code(login(api_client, "target1@example.com", "guess")),
        status_and_code(login(api_client, "target2@example.com", "guess")),
        # The attacker's own account, logged into successfully, buys no more guesses.
        status_and_code(login(api_client, "mallory@example.com")),
    ]

    assert first == [(401, "invalid_credentials"), (401, "invalid_credentials"), (200, None)]
    assert_throttled(login(api_client, "target3@example.com", "guess"))


def test_an_account_under_attack_is_slowed_not_locked(api_client, settings, throttle_clock):
    settings.AUTHFORT = {**settings.AUTHFORT, "THROTTLE_RATES": {"login": None, "login_account": "3/min"}}
    UserFactory(email="victim@example.com")
    for n in range(3):
        login(api_client, "victim@example.com", f"guess {n}", REMOTE_ADDR=f"10.0.0.{n}")
    blocked = login(api_client, "victim@example.com")
    assert_throttled(blocked)
    assert int(blocked["Retry-After"]) <= 60

    throttle_clock.advance(61)

    assert login(api_client, "victim@example.com").status_code == 200


def test_the_address_limit_also_lifts_when_its_window_passes(api_client, settings, throttle_clock):
    settings.AUTHFORT = {**settings.AUTHFORT, "THROTTLE_RATES": {"login": "2/min", "login_account": None}}
    UserFactory(email="ada@example.com")
    login(api_client, "x@example.com", "guess")
    login(api_client, "y@example.com", "guess")
    assert_throttled(login(api_client, "ada@example.com"))

    throttle_clock.advance(61)

    assert login(api_client, "ada@example.com").status_code == 200


def test_registering_an_existing_email_spends_the_address_budget_like_any_other(api_client, settings):
    settings.AUTHFORT = {**settings.AUTHFORT, "THROTTLE_RATES": {"register": "3/hour"}}
    UserFactory(email="taken@example.com")

    statuses = [
        api_client.post("/auth/register", {"email": email, "password": DEFAULT_PASSWORD}, format="json").status_code
        for email in ["taken@example.com", "new1@example.com", "taken@example.com"]
    ]
    blocked_taken = api_client.post("/auth/register", {"email": "taken@example.com", "password": "x"}, format="json")
    blocked_new = api_client.post("/auth/register", {"email": "new2@example.com", "password": "x"}, format="json")

    assert statuses == [409, 201, 409]
    assert_throttled(blocked_taken)
    # Once throttled, whether the address exists no longer changes the answer.
    assert blocked_taken.status_code == blocked_new.status_code
    assert blocked_taken.json()["code"] == blocked_new.json()["code"]


def test_refresh_is_throttled_per_address(api_client, settings):
    settings.AUTHFORT = {**settings.AUTHFORT, "THROTTLE_RATES": {"refresh": "2/min"}}

    answers = [status_and_code(refresh(api_client, f"not-a-token-{n}")) for n in range(2)]

    assert answers == [(401, "refresh_token_malformed")] * 2
    assert_throttled(refresh(api_client, "not-a-token-3"))


def test_each_address_behind_a_proxy_has_its_own_refresh_budget(api_client, settings, behind_one_proxy):
    settings.AUTHFORT = {**settings.AUTHFORT, "THROTTLE_RATES": {"refresh": "1/min"}}

    answers = [
        status_and_code(api_client.post(
            "/auth/refresh", {"refresh_token": "not-a-token"}, format="json", HTTP_X_FORWARDED_FOR=f"198.51.100.{n}"
        ))
        for n in range(3)
    ]

    assert answers == [(401, "refresh_token_malformed")] * 3


def test_spellings_of_one_address_share_its_account_budget(api_client, settings, throttle_clock):
    """The account key is the canonical address: letter case, a U-label domain or a
    fullwidth look-alike buys no fresh budget (issue 19)."""
    settings.AUTHFORT = {**settings.AUTHFORT, "THROTTLE_RATES": {"login": None, "login_account": "3/min"}}
    UserFactory(email="victim@xn--bcher-kva.de")
    for n, spelling in enumerate(["victim@bücher.de", "VICTIM@Bücher.DE", "ｖictim@xn--bcher-kva.de"]):
        login(api_client, spelling, f"guess {n}", REMOTE_ADDR=f"10.0.0.{n}")

    assert_throttled(login(api_client, "victim@xn--bcher-kva.de"))
