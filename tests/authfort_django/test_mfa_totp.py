"""TOTP: setup, confirmation, the login's second step, replay, recovery codes, removal."""

from __future__ import annotations

import pytest

from authfort_django.keys.encryption import KeyDecryptionError
from authfort_django.models import AuthEvent, MFAChallenge, Session, TotpDevice
from tests.authfort_django.helpers import bearer, status_and_code
from tests.authfort_django.mfa_helpers import claims_of, enable_totp, login_body, totp_clock  # noqa: F401

pytestmark = pytest.mark.django_db


def _second_step(client, mfa_token, **factor):
    return client.post("/auth/login/mfa", {"mfa_token": mfa_token, **factor}, format="json")


def test_login_of_a_user_with_totp_answers_mfa_required_without_tokens(api_client, user, password, totp_clock):
    enable_totp(api_client, user, password, totp_clock)
    response = login_body(api_client, user, password)
    assert response.status_code == 200
    body = response.json()
    assert body["mfa_required"] is True
    assert set(body) == {"mfa_required", "mfa_token", "methods", "expires_in"}
    assert body["methods"] == ["totp", "recovery_code"]
    assert body["expires_in"] == 300
    assert response["Cache-Control"] == "no-store"


def test_a_code_computed_from_the_secret_completes_the_login_with_amr_pwd_otp_mfa(api_client, user, password, totp_clock):
    secret, _, _ = enable_totp(api_client, user, password, totp_clock)
    token = login_body(api_client, user, password).json()["mfa_token"]
    response = _second_step(api_client, token, code=totp_clock.code(secret))
    assert response.status_code == 200, response.content
    claims = claims_of(response.json()["access_token"])
    assert claims["amr"] == ["pwd", "otp", "mfa"]
    assert abs(claims["auth_time"] - claims["iat"]) <= 2
    assert AuthEvent.objects.filter(type="login_succeeded", user=user).latest("created_at").detail["amr"] == claims["amr"]


def test_a_replayed_code_is_refused(api_client, user, password, totp_clock):
    secret, _, _ = enable_totp(api_client, user, password, totp_clock)
    code = totp_clock.code(secret)
    first = _second_step(api_client, login_body(api_client, user, password).json()["mfa_token"], code=code)
    assert first.status_code == 200
    again = _second_step(api_client, login_body(api_client, user, password).json()["mfa_token"], code=code)
    assert status_and_code(again) == (401, "code_replayed")


def test_an_earlier_code_after_a_later_one_is_refused_too(api_client, user, password, totp_clock):
    secret, _, _ = enable_totp(api_client, user, password, totp_clock)
    earlier = totp_clock.code(secret)
    totp_clock.next_step()
    assert _second_step(api_client, login_body(api_client, user, password).json()["mfa_token"],
                        code=totp_clock.code(secret)).status_code == 200
    late = _second_step(api_client, login_body(api_client, user, password).json()["mfa_token"], code=earlier)
    assert status_and_code(late) == (401, "code_replayed")


@pytest.mark.parametrize(("code", "expected"), [("12345", "invalid_code_format"), ("abcdef", "invalid_code_format"),
                                                ("1" * 65, "invalid_request")])
def test_a_malformed_code_is_a_400(api_client, user, password, totp_clock, code, expected):
    enable_totp(api_client, user, password, totp_clock)
    token = login_body(api_client, user, password).json()["mfa_token"]
    assert status_and_code(_second_step(api_client, token, code=code)) == (400, expected)


def test_a_code_of_another_time_is_wrong(api_client, user, password, totp_clock):
    secret, _, _ = enable_totp(api_client, user, password, totp_clock)
    token = login_body(api_client, user, password).json()["mfa_token"]
    totp_clock.now += 600
    stale = __import__("pyotp").TOTP(secret).at(totp_clock.now - 600)
    assert status_and_code(_second_step(api_client, token, code=stale)) == (401, "invalid_code")
    event = AuthEvent.objects.filter(type="mfa_failed", user=user).latest("created_at")
    assert event.detail == {"method": "totp", "reason": "invalid_code"}


def test_the_sixth_try_on_one_mfa_token_is_refused_without_checking_the_code(
    api_client, user, password, totp_clock, authfort
):
    authfort(THROTTLE_RATES={"login_account": "100/min"})  # the token's limit, not the account's
    secret, _, _ = enable_totp(api_client, user, password, totp_clock)
    token = login_body(api_client, user, password).json()["mfa_token"]
    for _ in range(5):
        assert status_and_code(_second_step(api_client, token, code="000000"))[1] in ("invalid_code",)
    failures = AuthEvent.objects.filter(type="mfa_failed").count()
    sixth = _second_step(api_client, token, code=totp_clock.code(secret))  # even the right code
    assert status_and_code(sixth) == (401, "mfa_attempts_exceeded")
    assert AuthEvent.objects.filter(type="mfa_failed").count() == failures  # the code was not checked
    refused = AuthEvent.objects.filter(type="login_failed", user=user).latest("created_at")
    assert refused.detail["reason"] == "mfa_attempts_exceeded"  # but the refusal is audited
    assert TotpDevice.objects.get().last_used_step is not None  # the confirm's step, not this code's
    assert _second_step(api_client, login_body(api_client, user, password).json()["mfa_token"],
                        code=totp_clock.code(secret)).status_code == 200


def test_second_factor_tries_spend_the_accounts_login_budget(api_client, user, password, totp_clock, authfort):
    authfort(THROTTLE_RATES={"login_account": "5/min"})
    enable_totp(api_client, user, password, totp_clock)  # a login and a confirmation: two
    token = login_body(api_client, user, password).json()["mfa_token"]  # three
    assert _second_step(api_client, token, code="000000").status_code == 401  # four
    assert _second_step(api_client, token, code="000000").status_code == 401  # five
    assert _second_step(api_client, token, code="000000").status_code == 429
    assert login_body(api_client, user, password).status_code == 429


def test_a_forged_mfa_token_is_refused(api_client, user, password, totp_clock):
    enable_totp(api_client, user, password, totp_clock)
    real = login_body(api_client, user, password).json()["mfa_token"]
    selector, _ = real.split(".")
    for forged in ("nonsense", f"{selector}.{'A' * 43}", "0" * 32 + "." + "B" * 43, ""):
        code = status_and_code(_second_step(api_client, forged, code="123456"))
        assert code in ((401, "mfa_token_invalid"), (400, "invalid_request")), forged


def test_an_mfa_token_works_once(api_client, user, password, totp_clock):
    secret, _, _ = enable_totp(api_client, user, password, totp_clock)
    token = login_body(api_client, user, password).json()["mfa_token"]
    assert _second_step(api_client, token, code=totp_clock.code(secret)).status_code == 200
    totp_clock.next_step()
    assert status_and_code(_second_step(api_client, token, code=totp_clock.code(secret))) == (401, "mfa_token_used")


def test_an_expired_mfa_token_is_refused(api_client, user, password, totp_clock):
    secret, _, _ = enable_totp(api_client, user, password, totp_clock)
    token = login_body(api_client, user, password).json()["mfa_token"]
    from django.utils import timezone

    MFAChallenge.objects.update(expires_at=timezone.now())
    assert status_and_code(_second_step(api_client, token, code=totp_clock.code(secret))) == (401, "mfa_token_expired")


def test_an_mfa_token_of_another_user_does_not_take_this_users_code(api_client, user, password, totp_clock):
    from tests.factories import UserFactory

    other = UserFactory()
    secret, _, _ = enable_totp(api_client, user, password, totp_clock)
    other_secret, _, _ = enable_totp(api_client, other, password, totp_clock)
    token_of_other = login_body(api_client, other, password).json()["mfa_token"]
    assert status_and_code(_second_step(api_client, token_of_other, code=totp_clock.code(secret)))[0] == 401
    assert _second_step(api_client, token_of_other, code=totp_clock.code(other_secret)).status_code == 200 or \
        secret == other_secret


def test_a_recovery_code_works_once(api_client, user, password, totp_clock):
    _, codes, _ = enable_totp(api_client, user, password, totp_clock)
    assert len(codes) == 10 and len(set(codes)) == 10
    first = _second_step(api_client, login_body(api_client, user, password).json()["mfa_token"], recovery_code=codes[0])
    assert first.status_code == 200, first.content
    assert claims_of(first.json()["access_token"])["amr"] == ["pwd", "otp", "mfa"]
    again = _second_step(api_client, login_body(api_client, user, password).json()["mfa_token"],
                         recovery_code=codes[0].upper().replace("-", " "))
    assert status_and_code(again) == (401, "recovery_code_used")
    assert AuthEvent.objects.filter(type="recovery_code_used", user=user).get().detail == {"left": 9}
    status = api_client.get("/auth/mfa", **bearer(first.json()["access_token"])).json()
    assert status == {"totp": True, "passkeys": 0, "recovery_codes_left": 9}


def test_a_wrong_recovery_code_is_refused(api_client, user, password, totp_clock):
    enable_totp(api_client, user, password, totp_clock)
    token = login_body(api_client, user, password).json()["mfa_token"]
    assert status_and_code(_second_step(api_client, token, recovery_code="aaaa-bbbb-cccc-dddd")) == (
        401, "recovery_code_invalid")


def test_two_factors_at_once_or_none_is_a_400(api_client, user, password, totp_clock):
    _, codes, _ = enable_totp(api_client, user, password, totp_clock)
    token = login_body(api_client, user, password).json()["mfa_token"]
    assert status_and_code(_second_step(api_client, token)) == (400, "factor_missing")
    assert status_and_code(_second_step(api_client, token, code="123456", recovery_code=codes[0])) == (
        400, "factor_missing")


def test_confirming_twice_is_a_409(api_client, user, password, totp_clock):
    secret, _, first = enable_totp(api_client, user, password, totp_clock)
    again = api_client.post("/auth/mfa/totp/confirm", {"code": totp_clock.code(secret)}, format="json",
                            **bearer(first["access_token"]))
    assert status_and_code(again) == (409, "totp_already_enabled")
    setup = api_client.post("/auth/mfa/totp/setup", format="json", **bearer(first["access_token"]))
    assert status_and_code(setup) == (409, "totp_already_enabled")


def test_confirming_without_setup_or_with_a_wrong_code(api_client, user, password, totp_clock):
    access = login_body(api_client, user, password).json()["access_token"]
    nothing = api_client.post("/auth/mfa/totp/confirm", {"code": "123456"}, format="json", **bearer(access))
    assert status_and_code(nothing) == (409, "totp_not_pending")
    api_client.post("/auth/mfa/totp/setup", format="json", **bearer(access))
    wrong = api_client.post("/auth/mfa/totp/confirm", {"code": "000000"}, format="json", **bearer(access))
    assert status_and_code(wrong) == (403, "invalid_code")  # signed in: the token is fine, the code is not
    assert login_body(api_client, user, password).json().get("access_token")  # still no MFA


def test_the_secret_is_encrypted_at_rest_and_bound_to_the_account(api_client, user, password, totp_clock):
    from authfort_django.mfa import totp
    from tests.factories import UserFactory

    secret, _, _ = enable_totp(api_client, user, password, totp_clock)
    device = TotpDevice.objects.get()
    assert secret not in device.secret and device.secret.startswith("afk1:")
    other = UserFactory()
    enable_totp(api_client, other, password, totp_clock)
    theirs = TotpDevice.objects.get(account__user=other)
    theirs.secret = device.secret
    with pytest.raises(KeyDecryptionError):
        totp._decrypt(theirs)


def test_the_secret_is_reencrypted_under_a_new_key_on_use(api_client, user, password, totp_clock, authfort):
    from authfort_django.conf import authfort_settings

    signing = authfort_settings.KEY_ENCRYPTION_KEYS  # the signing key's, kept last throughout
    old, new = "old-key-" + "x" * 40, "new-key-" + "y" * 40
    authfort(KEY_ENCRYPTION_KEYS=[old, *signing])
    secret, _, _ = enable_totp(api_client, user, password, totp_clock)
    authfort(KEY_ENCRYPTION_KEYS=[new, old, *signing])
    token = login_body(api_client, user, password).json()["mfa_token"]
    assert _second_step(api_client, token, code=totp_clock.code(secret)).status_code == 200
    authfort(KEY_ENCRYPTION_KEYS=[new, *signing])  # the old secret is gone: the device still works
    totp_clock.next_step()
    token = login_body(api_client, user, password).json()["mfa_token"]
    assert _second_step(api_client, token, code=totp_clock.code(secret)).status_code == 200


def test_removing_totp_needs_recent_authentication_and_ends_other_sessions(api_client, user, password, totp_clock):
    secret, _, first = enable_totp(api_client, user, password, totp_clock)
    other = _second_step(api_client, login_body(api_client, user, password).json()["mfa_token"],
                         code=totp_clock.code(secret)).json()
    totp_clock.next_step()
    auth = bearer(other["access_token"])
    refused = api_client.delete("/auth/mfa/totp", {"password": "wrong"}, format="json", **auth)
    assert status_and_code(refused) == (403, "reauthentication_failed")
    assert status_and_code(api_client.delete("/auth/mfa/totp", {}, format="json", **auth)) == (
        403, "reauthentication_failed")
    removed = api_client.delete("/auth/mfa/totp", {"code": totp_clock.code(secret)}, format="json", **auth)
    assert removed.status_code == 204, removed.content
    assert Session.objects.get(pk=claims_of(first["access_token"])["sid"]).revoked_reason == "mfa_disabled"
    assert Session.objects.get(pk=claims_of(other["access_token"])["sid"]).revoked_at is None
    event = AuthEvent.objects.filter(type="mfa_disabled").get()
    assert event.detail == {"method": "totp", "sessions_revoked": 1}
    assert api_client.get("/auth/mfa", **auth).json() == {"totp": False, "passkeys": 0, "recovery_codes_left": 0}
    assert "access_token" in login_body(api_client, user, password).json()


def test_regenerating_recovery_codes_replaces_the_set(api_client, user, password, totp_clock):
    _, codes, first = enable_totp(api_client, user, password, totp_clock)
    auth = bearer(first["access_token"])
    fresh = api_client.post("/auth/mfa/recovery-codes", {"password": password}, format="json", **auth)
    assert fresh.status_code == 200
    new_codes = fresh.json()["recovery_codes"]
    assert len(new_codes) == 10 and not set(new_codes) & set(codes)
    old = _second_step(api_client, login_body(api_client, user, password).json()["mfa_token"], recovery_code=codes[1])
    assert status_and_code(old) == (401, "recovery_code_invalid")
    assert AuthEvent.objects.filter(type="recovery_codes_regenerated", user=user).count() == 1


def test_refresh_keeps_the_sessions_amr_and_auth_time(api_client, user, password, totp_clock):
    secret, _, _ = enable_totp(api_client, user, password, totp_clock)
    pair = _second_step(api_client, login_body(api_client, user, password).json()["mfa_token"],
                        code=totp_clock.code(secret)).json()
    refreshed = api_client.post("/auth/refresh", {"refresh_token": pair["refresh_token"]}, format="json").json()
    before, after = claims_of(pair["access_token"]), claims_of(refreshed["access_token"])
    assert after["amr"] == before["amr"] == ["pwd", "otp", "mfa"]
    assert after["auth_time"] == before["auth_time"]


def test_a_password_login_without_mfa_says_pwd(api_client, user, password):
    body = login_body(api_client, user, password).json()
    assert claims_of(body["access_token"])["amr"] == ["pwd"]


def test_introspection_returns_amr_and_auth_time(api_client, user, password):
    from tests.authfort_django.helpers import introspect

    access = login_body(api_client, user, password).json()["access_token"]
    answer = introspect(api_client, access)
    assert answer["amr"] == ["pwd"] and isinstance(answer["auth_time"], int)


def test_cookie_mode_the_second_step_sets_the_cookies_and_refresh_works(api_client, user, password, totp_clock, authfort):
    authfort(COOKIE={"ENABLED": True, "SECURE": False})
    secret, _, _ = enable_totp(api_client, user, password, totp_clock)
    first = login_body(api_client, user, password)
    assert "access_token" not in first.cookies or not first.cookies["access_token"].value
    done = _second_step(api_client, first.json()["mfa_token"], code=totp_clock.code(secret))
    assert done.status_code == 200
    assert done.cookies["access_token"].value and done.cookies["refresh_token"].value
    csrf = done.cookies["authfort_csrf"].value
    refreshed = api_client.post("/auth/refresh", format="json", HTTP_X_CSRF_TOKEN=csrf)
    assert refreshed.status_code == 200, refreshed.content
    assert claims_of(refreshed.cookies["access_token"].value)["amr"] == ["pwd", "otp", "mfa"]
