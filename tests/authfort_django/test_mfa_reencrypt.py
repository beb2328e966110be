"""`manage.py rotate_keys --reencrypt` moves TOTP secrets too, so the old key-encryption
key can go without waiting for every user's next code."""

from __future__ import annotations

from io import StringIO

import pytest
from django.core.management import CommandError, call_command

from authfort_django.keys.encryption import key_fingerprint
from authfort_django.mfa.errors import TotpUnreadable
from authfort_django.mfa import totp
from authfort_django.models import Account, SigningKey, TotpDevice
from tests.authfort_django.mfa_helpers import enable_totp, totp_clock  # noqa: F401
from tests.factories import DEFAULT_PASSWORD, UserFactory
from tests.settings import AUTHFORT as TEST_AUTHFORT

pytestmark = pytest.mark.django_db

OLD_KEK = TEST_AUTHFORT["KEY_ENCRYPTION_KEYS"][0]  # what the test signing key and secrets start under
NEW_KEK = "new-key-encryption-key-abcdefghijklmnopqrstuvwxyz"


def run(*args: str) -> str:
    out = StringIO()
    call_command("rotate_keys", *args, stdout=out)
    return out.getvalue()


def fingerprint_of(user) -> str:
    return TotpDevice.objects.get(account=Account.objects.of(user)).secret.split(":")[1]


def second_step(client, user, code):
    token = client.post("/auth/login", {"email": user.email, "password": DEFAULT_PASSWORD}, format="json").json()
    return client.post("/auth/login/mfa", {"mfa_token": token["mfa_token"], "code": code}, format="json")


def test_after_reencrypt_and_dropping_the_old_kek_a_code_still_verifies(api_client, authfort, totp_clock):
    user = UserFactory()
    secret, _, _ = enable_totp(api_client, user, DEFAULT_PASSWORD, totp_clock)
    assert fingerprint_of(user) == key_fingerprint(OLD_KEK)

    authfort(KEY_ENCRYPTION_KEYS=[NEW_KEK, OLD_KEK])
    output = run("--reencrypt")
    assert "Re-encrypted 1 TOTP secret(s)" in output and "Re-encrypted the private key of" in output
    assert fingerprint_of(user) == key_fingerprint(NEW_KEK)
    assert secret not in output

    authfort(KEY_ENCRYPTION_KEYS=[NEW_KEK])  # the old secret can go now
    answer = second_step(api_client, user, totp_clock.code(secret))
    assert answer.status_code == 200, answer.content
    assert "already encrypted" in run("--reencrypt")


def test_without_reencrypt_dropping_the_old_kek_loses_the_secret(api_client, authfort, totp_clock):
    """The control: what --reencrypt prevents."""
    user = UserFactory()
    secret, _, _ = enable_totp(api_client, user, DEFAULT_PASSWORD, totp_clock)
    authfort(KEY_ENCRYPTION_KEYS=[NEW_KEK])
    with pytest.raises(TotpUnreadable):
        totp.verify(totp.device_of(user), totp_clock.code(secret))


def test_a_code_whose_secret_is_lost_is_a_503_that_says_what_to_do_not_a_500(api_client, authfort, totp_clock):
    user = UserFactory()
    secret, recovery, _ = enable_totp(api_client, user, DEFAULT_PASSWORD, totp_clock)
    authfort(KEY_ENCRYPTION_KEYS=[NEW_KEK])
    answer = second_step(api_client, user, totp_clock.code(secret))
    assert answer.status_code == 503 and answer.json()["code"] == "totp_unavailable"
    assert "recovery code" in answer.json()["detail"] and secret not in answer.content.decode()


def test_a_secret_no_configured_key_decrypts_is_refused_and_nothing_changes(api_client, authfort, totp_clock):
    user = UserFactory()
    enable_totp(api_client, user, DEFAULT_PASSWORD, totp_clock)
    # The signing key could move on its own; the secret, under a key nobody configured, cannot.
    authfort(KEY_ENCRYPTION_KEYS=[NEW_KEK, OLD_KEK])
    key_before = {k.kid: k.private_key for k in SigningKey.objects.all()}
    device = TotpDevice.objects.get(account=Account.objects.of(user))
    TotpDevice.objects.filter(pk=device.pk).update(secret=device.secret.replace(key_fingerprint(OLD_KEK), "0" * 16))

    with pytest.raises(CommandError, match=f"totp-secret of {Account.objects.of(user).sub}"):
        run("--reencrypt")

    assert {k.kid: k.private_key for k in SigningKey.objects.all()} == key_before  # rolled back with it
