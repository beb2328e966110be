"""The access token's size cap (AUTHFORT["ACCESS_TOKEN_MAX_BYTES"], at most 4096 bytes).

Many roles once pushed a token past 9 KB: too big for a browser cookie and for
gunicorn's header limit. A grant that would break the cap is refused (API: 400
`token_too_large`; admin: a form error) and a token over it is never issued, nor cut.
"""

from __future__ import annotations

import pytest
from django.core.checks import run_checks
from django.urls import reverse

from authfort_django.models import Account, AuthEvent, Role, Session, User
from authfort_django.sessions import lifecycle
from tests.authfort_django.helpers import bearer, mint, status_and_code
from authfort_django.tokens.signing import access_token_size
from tests.factories import DEFAULT_PASSWORD, RoleFactory, UserFactory

pytestmark = pytest.mark.django_db

CAP = 4096
# Long, realistic role names: 80 of them make a token far beyond 4 KB.
ROLE_NAMES = [f"tenant-{n:03d}-billing-invoices-read-write-approve" for n in range(80)]
LONGEST_ROLE = "r" * 64  # Role.name's longest


def cap_just_above_no_roles(authfort, user) -> None:
    """A cap that a token without roles meets and one more long role breaks."""
    authfort(ACCESS_TOKEN_MAX_BYTES=access_token_size(user, roles=[]) + 20)


def big_extra_claims(user, session):
    return {"permissions": ["x" * 60] * 80}


@pytest.fixture
def admin_token():
    admin = UserFactory(roles=["admin"])
    return mint(admin, lifecycle.start_session(admin).session)


def grant(api_client, token, user, role):
    return api_client.put(f"/auth/users/{Account.objects.of(user).sub}/roles/{role}", **bearer(token))


def login(api_client, email):
    return api_client.post("/auth/login", {"email": email, "password": DEFAULT_PASSWORD}, format="json")


def test_granting_role_after_role_stops_with_token_too_large_and_every_token_fits(api_client, admin_token):
    for name in ROLE_NAMES:
        RoleFactory(name=name)
    user = UserFactory(email="collector@example.com")

    answers = [grant(api_client, admin_token, user, name) for name in ROLE_NAMES]

    granted = [a for a in answers if a.status_code == 204]
    refused = [a for a in answers if a.status_code != 204]
    assert granted and refused, "the cap must be reached within the roles tried"
    assert {status_and_code(a) for a in refused} == {(400, "token_too_large")}
    assert "ACCESS_TOKEN_MAX_BYTES" in refused[0].json()["detail"]
    # Refused grants changed nothing: the user holds exactly the granted roles.
    assert len(Account.objects.of(user).role_names()) == len(granted)
    pair = login(api_client, "collector@example.com")
    assert pair.status_code == 200
    assert len(pair.json()["access_token"].encode()) <= CAP
    # Close to the cap: the check measures the real token, not a rough guess.
    assert len(pair.json()["access_token"].encode()) > CAP - 200
    assert len(api_client.post("/auth/refresh", {"refresh_token": pair.json()["refresh_token"]}, format="json")
               .json()["access_token"].encode()) <= CAP


def test_a_refused_grant_bumps_nothing_and_audits_nothing(api_client, admin_token, authfort):
    RoleFactory(name=LONGEST_ROLE)
    user = UserFactory()
    cap_just_above_no_roles(authfort, user)
    version = Account.objects.of(user).token_version

    assert status_and_code(grant(api_client, admin_token, user, LONGEST_ROLE)) == (400, "token_too_large")

    assert Account.objects.of(user).token_version == version
    assert not AuthEvent.objects.filter(type=AuthEvent.Type.ROLE_GRANTED, user=user).exists()


def test_a_token_over_the_cap_is_refused_at_login_never_cut(api_client, authfort):
    authfort(EXTRA_CLAIMS="tests.authfort_django.test_token_size.big_extra_claims")
    user = UserFactory(email="heavy@example.com")

    response = login(api_client, "heavy@example.com")

    assert status_and_code(response) == (400, "token_too_large")
    assert "access_token" not in response.json()
    assert "AUTHFORT_ACCESS_TOKEN_MAX_BYTES" in response.json()["detail"]
    # No half-finished login: no session, no recorded success.
    assert not Session.objects.filter(user=user).exists()
    assert not AuthEvent.objects.filter(type=AuthEvent.Type.LOGIN_SUCCEEDED, user=user).exists()
    assert AuthEvent.objects.get(type=AuthEvent.Type.LOGIN_FAILED, user=user).detail == {"reason": "token_too_large"}


def test_the_admin_refuses_roles_that_would_break_the_cap_with_a_form_error(client, authfort):
    boss = User.objects.create_superuser("boss@example.com", "a boss passphrase 81")
    client.force_login(boss)
    user = UserFactory()
    cap_just_above_no_roles(authfort, user)
    account = Account.objects.of(user)
    small, huge = RoleFactory(name="reader"), RoleFactory(name=LONGEST_ROLE)
    url = reverse("admin:authfort_django_account_change", args=[account.pk])
    form = {"email_verified_at_0": "", "email_verified_at_1": ""}

    refused = client.post(url, {**form, "roles": [small.pk, huge.pk]})
    assert refused.status_code == 200
    assert "token_too_large" not in refused.content.decode()  # the message, not the code, is shown
    assert "over the server&#x27;s limit of" in refused.content.decode()
    assert account.roles.count() == 0

    accepted = client.post(url, {**form, "roles": [small.pk]})
    assert accepted.status_code == 302
    assert Account.objects.of(user).role_names() == ["reader"]


@pytest.mark.parametrize("value", [4097, 9000, 512, "4096", None])
def test_a_cap_above_a_cookie_or_not_an_integer_is_a_startup_error(authfort, value):
    authfort(ACCESS_TOKEN_MAX_BYTES=value)

    assert "authfort.E013" in {m.id for m in run_checks()}


def test_the_default_cap_passes_the_checks():
    assert "authfort.E013" not in {m.id for m in run_checks()}


def test_revoking_a_role_is_allowed_whatever_the_cap(api_client, admin_token, authfort):
    # A cap lowered later must not trap an account: taking roles away always works.
    user = UserFactory(roles=[LONGEST_ROLE])
    cap_just_above_no_roles(authfort, user)

    response = api_client.delete(f"/auth/users/{Account.objects.of(user).sub}/roles/{LONGEST_ROLE}", **bearer(admin_token))

    assert response.status_code == 204
    assert Role.objects.filter(name=LONGEST_ROLE).exists() and Account.objects.of(user).role_names() == []
