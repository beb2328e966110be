"""The admin action "Reset MFA" (issue 17, "Policy and operations"), through the real
changelist POST: every factor and recovery code goes, every session and token ends, and
an `mfa_reset` AuthEvent (and signal) names the admin who did it.
"""

from __future__ import annotations

import pytest
from django.contrib.auth.models import Permission
from django.urls import reverse

from authfort_django import signals
from authfort_django.models import Account, AuthEvent, Passkey, RecoveryCode, Session, TotpDevice, User
from tests.authfort_django.helpers import bearer
from tests.authfort_django.mfa_helpers import enable_totp, totp_clock  # noqa: F401
from tests.factories import DEFAULT_PASSWORD, UserFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def admin(db):
    return User.objects.create_superuser("admin@example.com", "admin password 1234")


@pytest.fixture
def admin_client(client, admin):
    client.force_login(admin)
    return client


@pytest.fixture
def victim(api_client, totp_clock):
    """A user with an authenticator app, recovery codes, a passkey and a signed-in session."""
    user = UserFactory()
    _, _, first = enable_totp(api_client, user, DEFAULT_PASSWORD, totp_clock)
    Passkey.objects.create(
        account=Account.objects.of(user), credential_id="AQEBAQEBAQEBAQEBAQEBAQ", public_key=b"\x02" * 32,
        sign_count=0, name="test key",
    )
    user.first_tokens = first
    return user


def run_action(client, changelist: str, pks: list) -> object:
    return client.post(
        reverse(changelist), {"action": "reset_mfa_of_selected", "_selected_action": [str(pk) for pk in pks]},
        follow=True,
    )


def assert_reset(api_client, user, admin) -> None:
    account = Account.objects.of(user)
    assert not TotpDevice.objects.filter(account=account).exists()
    assert not Passkey.objects.filter(account=account).exists()
    assert not RecoveryCode.objects.filter(account=account).exists()
    assert not Session.objects.filter(user=user, revoked_at__isnull=True).exists()
    # The tokens already out stop working: the access token at once, the refresh token too.
    assert api_client.get("/auth/me", **bearer(user.first_tokens["access_token"])).status_code == 401
    refreshed = api_client.post("/auth/refresh", {"refresh_token": user.first_tokens["refresh_token"]}, format="json")
    assert refreshed.status_code == 401
    event = AuthEvent.objects.get(type=AuthEvent.Type.MFA_RESET, user=user)
    assert event.detail["by"] == str(admin.pk) and event.detail["sessions_revoked"] >= 1
    # The password alone signs in again (the user sets up a new factor).
    login = api_client.post("/auth/login", {"email": user.email, "password": DEFAULT_PASSWORD}, format="json")
    assert login.status_code == 200 and "access_token" in login.json()


def test_reset_from_the_account_changelist(admin_client, api_client, admin, victim):
    account = Account.objects.of(victim)
    page = run_action(admin_client, "admin:authfort_django_account_changelist", [account.pk])
    assert page.status_code == 200 and b"Reset the MFA of 1 user(s)" in page.content
    assert_reset(api_client, victim, admin)


def test_reset_from_the_user_changelist(admin_client, api_client, admin, victim):
    page = run_action(admin_client, "admin:authfort_django_user_changelist", [victim.pk])
    assert page.status_code == 200 and b"Reset the MFA of 1 user(s)" in page.content
    assert_reset(api_client, victim, admin)


def test_the_action_sends_the_mfa_reset_signal_with_who_did_it(admin_client, admin, victim,
                                                              django_capture_on_commit_callbacks):
    received = []
    signals.mfa_reset.connect(lambda **kwargs: received.append(kwargs), weak=False, dispatch_uid="test-reset")
    try:
        with django_capture_on_commit_callbacks(execute=True):
            run_action(admin_client, "admin:authfort_django_account_changelist", [Account.objects.of(victim).pk])
    finally:
        signals.mfa_reset.disconnect(dispatch_uid="test-reset")
    assert len(received) == 1
    assert received[0]["user"] == victim and received[0]["by"] == admin and received[0]["sessions_revoked"] >= 1
    assert received[0]["request"] is not None


def test_staff_who_are_not_superusers_cannot_reset_a_superusers_mfa(client, api_client, totp_clock):
    target = User.objects.create_superuser("root@example.com", DEFAULT_PASSWORD)
    enable_totp(api_client, target, DEFAULT_PASSWORD, totp_clock)
    helper = UserFactory(is_staff=True)
    helper.user_permissions.add(*Permission.objects.filter(codename__in=["view_account", "change_account"]))
    client.force_login(helper)

    page = run_action(client, "admin:authfort_django_account_changelist", [Account.objects.of(target).pk])

    assert b"only a superuser may reset a superuser" in page.content
    assert TotpDevice.objects.filter(account=Account.objects.of(target)).exists()
    assert not AuthEvent.objects.filter(type=AuthEvent.Type.MFA_RESET).exists()


def test_staff_without_change_permission_are_not_offered_the_action(client, victim):
    viewer = UserFactory(is_staff=True)
    viewer.user_permissions.add(Permission.objects.get(codename="view_account"))
    client.force_login(viewer)
    page = run_action(client, "admin:authfort_django_account_changelist", [Account.objects.of(victim).pk])
    assert b"reset_mfa_of_selected" not in page.content
    assert TotpDevice.objects.filter(account=Account.objects.of(victim)).exists()
