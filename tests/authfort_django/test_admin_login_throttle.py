"""The Django admin's sign-in form is held to the rules of POST /auth/login (issue 19).

Through the real admin form and Django's test client: the same per-address and
per-account throttles with the same counters (a guess at one door uses the budget of
the other), no password hash once throttled, the same audit events (marked
`via: "admin"`), inactive users refused alike, and a throttled attempt answered with
the admin's own login page and a 429, never a 500.
"""

from __future__ import annotations

from functools import partial

import pytest
from django.urls import reverse

from authfort_django.conf import THROTTLE_DEFAULTS
from authfort_django.models import AuthEvent
from tests.authfort_django.hashers import CountingHasher
from tests.factories import DEFAULT_PASSWORD, UserFactory

pytestmark = pytest.mark.django_db

API_LOGIN = "/auth/login"


def budget(scope: str) -> int:
    return int(THROTTLE_DEFAULTS[scope].split("/")[0])


@pytest.fixture(autouse=True)
def default_rates(settings):
    """The shipped rates (login 20/min per address, login_account 10/min per account)."""
    settings.AUTHFORT = {**settings.AUTHFORT, "THROTTLE_RATES": dict(THROTTLE_DEFAULTS)}


@pytest.fixture(autouse=True)
def signing_key(db):
    from authfort_django.keys.rotation import ensure_key

    ensure_key()


@pytest.fixture
def behind_one_proxy(settings):
    settings.REST_FRAMEWORK = {**settings.REST_FRAMEWORK, "NUM_PROXIES": 1}


def admin_login(client, username, password, *, address="192.0.2.10"):
    return client.post(
        reverse("admin:login"),
        {"username": username, "password": password, "next": reverse("admin:index")},
        REMOTE_ADDR=address,
    )


def api_login(api_client, email, password, *, address="192.0.2.20"):
    return api_client.post(API_LOGIN, {"email": email, "password": password}, format="json", REMOTE_ADDR=address)


def throttled(response) -> bool:
    """True for a 429 with a Retry-After; any other answer must be an ordinary refusal."""
    if response.status_code == 429:
        assert int(response["Retry-After"]) > 0
        return True
    assert response.status_code in (200, 401), response.status_code
    return False


def failures(user, **detail) -> list[AuthEvent]:
    events = AuthEvent.objects.filter(type=AuthEvent.Type.LOGIN_FAILED, user=user)
    return [e for e in events if all(e.detail.get(k) == v for k, v in detail.items())]


def test_thirty_wrong_admin_passwords_are_throttled_and_audited_like_thirty_api_logins(client, api_client, settings):
    settings.PASSWORD_HASHERS = ["tests.authfort_django.hashers.CountingHasher"]
    api_target = UserFactory(email="api-victim@example.com", is_staff=True)
    admin_target = UserFactory(email="admin-victim@example.com", is_staff=True)

    def attempts(login, email):
        """30 wrong passwords; (answers, hashes run by the first `allowed`, hashes run after them)."""
        answers, hashes = [], []
        for n in range(30):
            CountingHasher.calls = 0
            answers.append(login(email, f"guess {n}"))
            hashes.append(CountingHasher.calls)
        return answers, sum(hashes[:allowed]), sum(hashes[allowed:])

    allowed = budget("login_account")
    api_answers, api_hashes, api_hashes_throttled = attempts(partial(api_login, api_client), "api-victim@example.com")
    admin_answers, admin_hashes, admin_hashes_throttled = attempts(partial(admin_login, client), "admin-victim@example.com")

    expected = [False] * allowed + [True] * (30 - allowed)
    assert [throttled(r) for r in api_answers] == expected
    assert [throttled(r) for r in admin_answers] == expected
    # Each door hashed every attempt it let through, alike, and nothing once throttled.
    assert admin_hashes == api_hashes > 0
    assert admin_hashes_throttled == api_hashes_throttled == 0
    # The same audit trail: one failure per attempt that was let through, none for a throttled one.
    assert len(failures(api_target, reason="credentials")) == allowed
    assert len(failures(admin_target, reason="credentials", via="admin")) == allowed
    assert all(r.status_code == 401 and r.json()["code"] == "invalid_credentials" for r in api_answers[:allowed])


def test_the_throttled_admin_page_is_the_admin_login_page_with_a_429_and_a_clear_message(client):
    UserFactory(email="boss@example.com", is_staff=True)
    for n in range(budget("login_account")):
        admin_login(client, "boss@example.com", f"guess {n}")

    response = admin_login(client, "boss@example.com", DEFAULT_PASSWORD)

    assert response.status_code == 429
    assert int(response["Retry-After"]) > 0
    assert "admin/login.html" in [t.name for t in response.templates]
    page = response.content.decode()
    assert "Too many sign-in attempts" in page and "Try again in" in page
    # The right password did not get in while the account is throttled.
    assert "_auth_user_id" not in client.session


def test_admin_failures_use_up_the_api_budget_of_the_account(client, api_client):
    UserFactory(email="shared@example.com", is_staff=True)
    half = budget("login_account") // 2
    for n in range(half):
        assert admin_login(client, "shared@example.com", f"admin guess {n}", address=f"198.51.100.{n}").status_code == 200
    for n in range(budget("login_account") - half):
        assert api_login(api_client, "shared@example.com", f"api guess {n}", address=f"203.0.113.{n}").status_code == 401

    # From fresh addresses, through either door: the account's budget is spent.
    assert throttled(api_login(api_client, "shared@example.com", DEFAULT_PASSWORD, address="192.0.2.200"))
    assert throttled(admin_login(client, "shared@example.com", DEFAULT_PASSWORD, address="192.0.2.201"))


def test_api_failures_use_up_the_admin_budget_of_the_account(client, api_client):
    UserFactory(email="shared@example.com", is_staff=True)
    for n in range(budget("login_account")):
        api_login(api_client, "SHARED@example.com", f"guess {n}", address=f"203.0.113.{n}")

    assert throttled(admin_login(client, "shared@example.com", DEFAULT_PASSWORD, address="192.0.2.201"))


def test_one_address_shares_its_budget_between_the_api_and_the_admin(client, api_client):
    address = "198.51.100.77"
    for n in range(budget("login")):
        api_login(api_client, f"target{n}@example.com", "Winter2026!", address=address)

    assert throttled(admin_login(client, "someone-else@example.com", "Winter2026!", address=address))
    assert not throttled(admin_login(client, "someone-else@example.com", "Winter2026!", address="198.51.100.78"))


def test_rotating_forwarded_addresses_do_not_escape_the_account_limit_on_the_admin(client, behind_one_proxy):
    UserFactory(email="victim@example.com", is_staff=True)
    answers = [
        client.post(
            reverse("admin:login"),
            {"username": "victim@example.com", "password": f"guess {n}"},
            HTTP_X_FORWARDED_FOR=f"198.51.100.{n}",
        )
        for n in range(30)
    ]

    assert [throttled(r) for r in answers].count(True) == 30 - budget("login_account")


def test_an_inactive_user_is_refused_on_the_admin_as_on_the_api(client, api_client):
    banned = UserFactory(email="banned@example.com", is_staff=True, is_active=False)

    api = api_login(api_client, "banned@example.com", DEFAULT_PASSWORD)
    admin_page = admin_login(client, "banned@example.com", DEFAULT_PASSWORD)

    assert api.status_code == 401 and api.json()["code"] == "invalid_credentials"
    assert admin_page.status_code == 200 and "_auth_user_id" not in client.session
    assert "Please enter the correct" in admin_page.content.decode()
    assert len(failures(banned, reason="inactive")) == 2
    assert len(failures(banned, reason="inactive", via="admin")) == 1


def test_an_admin_sign_in_is_audited_as_a_login(client):
    boss = UserFactory(email="boss@example.com", is_staff=True)

    response = admin_login(client, "Boss@Example.com", DEFAULT_PASSWORD)

    assert response.status_code == 302
    assert client.session["_auth_user_id"] == str(boss.pk)
    event = AuthEvent.objects.get(type=AuthEvent.Type.LOGIN_SUCCEEDED, user=boss)
    assert event.detail == {"via": "admin"} and event.ip_address == "192.0.2.10"


def test_the_right_password_of_a_non_staff_user_is_a_failed_admin_login(client):
    member = UserFactory(email="member@example.com")

    response = admin_login(client, "member@example.com", DEFAULT_PASSWORD)

    assert response.status_code == 200 and "_auth_user_id" not in client.session
    assert len(failures(member, reason="not_staff", via="admin")) == 1
    assert not AuthEvent.objects.filter(type=AuthEvent.Type.LOGIN_SUCCEEDED, user=member).exists()


def test_an_unknown_admin_name_is_counted_and_audited_without_a_user(client):
    for n in range(budget("login_account")):
        admin_login(client, "nobody@example.com", f"guess {n}", address=f"198.51.100.{n}")

    assert throttled(admin_login(client, "NOBODY@example.com", "guess", address="192.0.2.99"))
    unknown = AuthEvent.objects.filter(type=AuthEvent.Type.LOGIN_FAILED, user=None)
    assert unknown.count() == budget("login_account")
    assert {e.detail["via"] for e in unknown} == {"admin"}
