"""The Django admin's sign-in asks for the second factor of a user who has one (issue 17).

Through the real admin form and Django's test client: the password alone no longer
opens the admin; a current authenticator code or a recovery code does, once; a wrong
or replayed code is refused and audited; a passkey-only account is asked for a recovery code.
"""

from __future__ import annotations

import pytest
from django.urls import reverse

from authfort_django.models import AuthEvent, Passkey
from tests.authfort_django.mfa_helpers import admin_login, enable_totp, signed_in, staff, totp_clock  # noqa: F401

pytestmark = pytest.mark.django_db





def last_failure(user) -> AuthEvent:
    return AuthEvent.objects.filter(type=AuthEvent.Type.LOGIN_FAILED, user=user).latest("created_at")


def test_the_login_page_shows_the_second_factor_field(client):
    page = client.get(reverse("admin:login"))
    assert page.status_code == 200
    assert b'name="second_factor"' in page.content and b'autocomplete="one-time-code"' in page.content


def test_without_mfa_the_password_alone_signs_in(client, staff, password):
    assert signed_in(admin_login(client, staff, password))


def test_with_totp_the_password_alone_is_refused_and_audited(client, api_client, staff, password, totp_clock):
    enable_totp(api_client, staff, password, totp_clock)
    response = admin_login(client, staff, password)
    assert response.status_code == 200 and not signed_in(response)
    assert b"two-step sign-in" in response.content
    failure = last_failure(staff)
    assert failure.detail["reason"] == "second_factor_missing" and failure.detail["via"] == "admin"
    assert "_auth_user_id" not in client.session


def test_with_totp_a_current_code_signs_in_once(client, api_client, staff, password, totp_clock):
    secret, _, _ = enable_totp(api_client, staff, password, totp_clock)
    code = totp_clock.code(secret)
    assert signed_in(admin_login(client, staff, password, code))
    client.logout()
    replayed = admin_login(client, staff, password, code)
    assert not signed_in(replayed) and b"used already" in replayed.content
    assert last_failure(staff).detail["reason"] == "second_factor_refused"
    assert AuthEvent.objects.filter(type=AuthEvent.Type.MFA_FAILED, user=staff).exists()


def test_a_wrong_code_is_refused(client, api_client, staff, password, totp_clock):
    secret, _, _ = enable_totp(api_client, staff, password, totp_clock)
    right = totp_clock.code(secret)
    wrong = f"{(int(right) + 1) % 1_000_000:06d}"
    assert not signed_in(admin_login(client, staff, password, wrong))


def test_a_recovery_code_signs_in_once(client, api_client, staff, password, totp_clock):
    _, recovery_codes, _ = enable_totp(api_client, staff, password, totp_clock)
    assert signed_in(admin_login(client, staff, password, recovery_codes[0]))
    client.logout()
    assert not signed_in(admin_login(client, staff, password, recovery_codes[0]))
    assert AuthEvent.objects.filter(type=AuthEvent.Type.RECOVERY_CODE_USED, user=staff).count() == 1


def test_a_right_code_with_a_wrong_password_is_refused(client, api_client, staff, password, totp_clock):
    secret, _, _ = enable_totp(api_client, staff, password, totp_clock)
    assert not signed_in(admin_login(client, staff, "not the password", totp_clock.code(secret)))
    assert last_failure(staff).detail["reason"] == "credentials"


def test_a_passkey_only_account_is_asked_for_a_recovery_code(client, staff, password):
    from authfort_django.models import Account

    Passkey.objects.create(
        account=Account.objects.of(staff), credential_id="AQEBAQEBAQEBAQEBAQEBAQ", public_key=b"\x02" * 32,
        sign_count=0, name="test key",
    )
    response = admin_login(client, staff, password)
    assert not signed_in(response) and b"recovery codes" in response.content
    assert last_failure(staff).detail["reason"] == "passkey_only"
