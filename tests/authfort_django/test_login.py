import pytest

from authfort_django.models import AuthEvent
from tests.authfort_django.hashers import CountingHasher
from tests.authfort_django.helpers import status_and_code
from tests.factories import DEFAULT_PASSWORD, UserFactory

pytestmark = pytest.mark.django_db

URL = "/auth/login"


def login(client, email, password=DEFAULT_PASSWORD, **extra):
    return client.post(URL, {"email": email, "password": password}, format="json", **extra)


def test_login_returns_the_token_pair_and_user(api_client):
    user = UserFactory(email="ada@example.com")

    response = login(api_client, "ada@example.com")

    assert response.status_code == 200
    body = response.json()
    assert body["user"]["id"] == str(user.pk)
    assert body["token_type"] == "Bearer"
    assert body["access_token"].count(".") == 2
    assert len(body["refresh_token"]) >= 43
    assert response["Cache-Control"] == "no-store"


def test_login_ignores_email_letter_case(api_client):
    UserFactory(email="ada@example.com")

    assert login(api_client, "  ADA@Example.COM ").status_code == 200


def test_unknown_user_wrong_password_and_inactive_user_get_identical_answers(api_client):
    UserFactory(email="ada@example.com")
    UserFactory(email="gone@example.com", is_active=False)

    answers = [
        login(api_client, "nobody@example.com"),
        login(api_client, "ada@example.com", "wrong password entirely"),
        login(api_client, "gone@example.com"),
    ]

    assert {r.status_code for r in answers} == {401}
    assert len({r.content for r in answers}) == 1
    assert answers[0].json() == {
        "detail": "The email address or password is incorrect.",
        "code": "invalid_credentials",
    }


def test_unknown_user_login_still_runs_the_password_hasher(api_client, settings):
    settings.PASSWORD_HASHERS = ["tests.authfort_django.hashers.CountingHasher"]
    CountingHasher.calls = 0

    login(api_client, "nobody@example.com")

    assert CountingHasher.calls >= 1


@pytest.mark.parametrize(
    "body", [{}, {"email": "ada@example.com"}, {"email": ["x"], "password": "y"}, {"email": "a", "password": "p" * 5000}]
)
def test_login_with_bad_fields_is_400(api_client, body):
    response = api_client.post(URL, body, format="json")

    assert response.status_code == 400
    assert response.json()["code"] == "invalid_request"


def test_login_success_and_failure_are_audited(api_client):
    UserFactory(email="ada@example.com")

    login(api_client, "ada@example.com")
    login(api_client, "ada@example.com", "wrong password entirely")

    types = list(
        AuthEvent.objects.filter(type__startswith="login").order_by("created_at").values_list("type", flat=True)
    )
    assert types == ["login_succeeded", "login_failed"]


def test_login_is_throttled_per_ip_with_retry_after(api_client, settings):
    settings.AUTHFORT = {**settings.AUTHFORT, "THROTTLE_RATES": {"login": "3/min", "login_account": None}}
    from django.core.cache import cache

    cache.clear()
    UserFactory(email="ada@example.com")

    answers = [status_and_code(login(api_client, f"user{n}@example.com")) for n in range(3)]
    blocked = login(api_client, "ada@example.com")

    assert answers == [(401, "invalid_credentials")] * 3
    assert blocked.status_code == 429
    assert int(blocked["Retry-After"]) > 0
    assert blocked.json()["code"] == "throttled"


def test_login_is_throttled_per_account_across_addresses(api_client, settings):
    settings.AUTHFORT = {**settings.AUTHFORT, "THROTTLE_RATES": {"login": None, "login_account": "2/min"}}
    from django.core.cache import cache

    cache.clear()
    UserFactory(email="ada@example.com")

    first = [login(api_client, "ada@example.com", "guess", REMOTE_ADDR=f"10.0.0.{n}") for n in (1, 2)]
    third = login(api_client, "ADA@example.com", REMOTE_ADDR="10.0.0.3")

    assert [status_and_code(r) for r in first] == [(401, "invalid_credentials")] * 2
    assert status_and_code(third) == (429, "throttled")


@pytest.mark.parametrize("num_proxies", [None, 0])
def test_a_forged_x_forwarded_for_does_not_dodge_the_ip_throttle(api_client, settings, num_proxies):
    settings.REST_FRAMEWORK = {**settings.REST_FRAMEWORK, "NUM_PROXIES": num_proxies}
    settings.AUTHFORT = {**settings.AUTHFORT, "THROTTLE_RATES": {"login": "2/min", "login_account": None}}

    answers = [
        status_and_code(login(api_client, f"user{n}@example.com", HTTP_X_FORWARDED_FOR=f"203.0.113.{n}"))
        for n in range(3)
    ]

    assert answers == [(401, "invalid_credentials"), (401, "invalid_credentials"), (429, "throttled")]


def test_behind_a_declared_proxy_each_client_address_has_its_own_budget(api_client, settings):
    settings.REST_FRAMEWORK = {**settings.REST_FRAMEWORK, "NUM_PROXIES": 1}
    settings.AUTHFORT = {**settings.AUTHFORT, "THROTTLE_RATES": {"login": "2/min", "login_account": None}}

    answers = [
        status_and_code(login(api_client, f"user{n}@example.com", HTTP_X_FORWARDED_FOR=f"203.0.113.{n}"))
        for n in range(3)
    ]
    same_client = login(api_client, "again@example.com", HTTP_X_FORWARDED_FOR="203.0.113.0")

    assert answers == [(401, "invalid_credentials")] * 3
    assert status_and_code(same_client) == (401, "invalid_credentials")
    third = login(api_client, "third@example.com", HTTP_X_FORWARDED_FOR="203.0.113.0")
    assert status_and_code(third) == (429, "throttled")


def test_a_login_asks_about_second_factors_in_one_query(api_client, user, password):
    """Every login decides whether to ask for a second factor (mfa/state.methods): one
    query over the three factor tables, not one per table."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    with CaptureQueriesContext(connection) as queries:
        answer = api_client.post("/auth/login", {"email": user.email, "password": password}, format="json")
    assert answer.status_code == 200
    factor_tables = ("totpdevice", "passkey", "recoverycode")
    asking = [q["sql"] for q in queries.captured_queries if any(t in q["sql"] for t in factor_tables)]
    assert len(asking) == 1, asking
