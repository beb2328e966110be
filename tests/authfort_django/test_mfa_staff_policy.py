"""REQUIRE_MFA_FOR_STAFF (issue 17, "Policy and operations"): a staff user without a
second factor may only set one up.

API: the login still answers tokens, but the token reaches only the MFA setup
endpoints, /auth/me and the logouts; everything else is 403 `mfa_setup_required`.
Admin: the sign-in form refuses them with an error that says what to do (audited),
and a session they already hold stops opening admin pages. Once a factor is
confirmed, both doors open.
"""

from __future__ import annotations

import pytest
from django.urls import reverse

from authfort_django.models import Account, AuthEvent, Passkey
from tests.authfort_django.helpers import bearer
from tests.authfort_django.mfa_helpers import admin_login, enable_totp, signed_in, staff, totp_clock  # noqa: F401

pytestmark = pytest.mark.django_db



@pytest.fixture
def policy_on(authfort):
    authfort(REQUIRE_MFA_FOR_STAFF=True)


def token_of(api_client, user, password) -> str:
    answer = api_client.post(
        "/auth/login", {"email": user.email, "password": password, "token_delivery": "body"}, format="json"
    )
    assert answer.status_code == 200 and "access_token" in answer.json(), answer.content
    return answer.json()["access_token"]


# -- API ----------------------------------------------------------------------------------


def test_off_by_default_staff_without_mfa_reach_admin_endpoints(api_client, staff, password):
    token = token_of(api_client, staff, password)
    assert api_client.get("/auth/roles", **bearer(token)).status_code == 200


def test_staff_without_mfa_get_403_mfa_setup_required_elsewhere(api_client, staff, password, policy_on):
    token = token_of(api_client, staff, password)  # the login itself still works

    for method, path in [("get", "/auth/roles"), ("get", "/auth/sessions"), ("post", "/auth/step-up")]:
        answer = getattr(api_client, method)(path, {}, format="json", **bearer(token))
        assert answer.status_code == 403, (path, answer.content)
        body = answer.json()
        assert body["code"] == "mfa_setup_required"
        assert "POST /auth/mfa/totp/setup" in body["detail"] and "REQUIRE_MFA_FOR_STAFF" in body["detail"]


def test_staff_without_mfa_reach_setup_me_and_logout(api_client, staff, password, policy_on):
    token = token_of(api_client, staff, password)
    auth = bearer(token)
    assert api_client.get("/auth/me", **auth).status_code == 200
    assert api_client.get("/auth/mfa", **auth).status_code == 200
    assert api_client.get("/auth/passkeys", **auth).status_code == 200
    assert api_client.post("/auth/passkeys/register/options", format="json", **auth).status_code == 200
    assert api_client.post("/auth/mfa/totp/setup", format="json", **auth).status_code == 200
    assert api_client.post("/auth/logout", format="json", **auth).status_code == 204


def test_once_totp_is_confirmed_the_same_token_reaches_everything(api_client, staff, password, policy_on, totp_clock):
    token = token_of(api_client, staff, password)
    auth = bearer(token)
    assert api_client.get("/auth/roles", **auth).status_code == 403
    secret = api_client.post("/auth/mfa/totp/setup", format="json", **auth).json()["secret"]
    confirmed = api_client.post("/auth/mfa/totp/confirm", {"code": totp_clock.code(secret)}, format="json", **auth)
    assert confirmed.status_code == 200, confirmed.content
    assert api_client.get("/auth/roles", **auth).status_code == 200


def test_a_passkey_is_a_second_factor_for_the_policy(api_client, staff, password, policy_on):
    token = token_of(api_client, staff, password)
    Passkey.objects.create(
        account=Account.objects.of(staff), credential_id="AQEBAQEBAQEBAQEBAQEBAQ", public_key=b"\x02" * 32,
        sign_count=0, name="test key",
    )
    assert api_client.get("/auth/roles", **bearer(token)).status_code == 200


def test_users_who_are_not_staff_are_not_restricted(api_client, user, password, policy_on):
    token = token_of(api_client, user, password)
    assert api_client.get("/auth/sessions", **bearer(token)).status_code == 200


def test_anonymous_callers_still_get_401_not_403(api_client, policy_on):
    assert api_client.get("/auth/sessions").status_code == 401


def test_staff_without_mfa_cannot_link_a_provider(api_client, staff, password, policy_on):
    token = token_of(api_client, staff, password)
    answer = api_client.get("/auth/oauth/anything/authorize?link=1", **bearer(token))
    assert answer.status_code == 403 and answer.json()["code"] == "mfa_setup_required"


# -- Django admin ---------------------------------------------------------------------------




def test_admin_refuses_staff_without_mfa_with_a_clear_error_and_audits_it(client, staff, password, policy_on):
    response = admin_login(client, staff, password)
    assert response.status_code == 200 and not signed_in(response)
    assert b"requires staff accounts to use two-step sign-in" in response.content
    assert b"/auth/mfa/totp/setup" in response.content
    assert "_auth_user_id" not in client.session
    failure = AuthEvent.objects.filter(type=AuthEvent.Type.LOGIN_FAILED, user=staff).latest("created_at")
    assert failure.detail == {"reason": "mfa_setup_required", "via": "admin"}
    assert not AuthEvent.objects.filter(type=AuthEvent.Type.LOGIN_SUCCEEDED, user=staff).exists()


def test_admin_signs_them_in_once_totp_is_set_up(client, api_client, staff, password, policy_on, totp_clock):
    secret, _, _ = enable_totp(api_client, staff, password, totp_clock)
    assert signed_in(admin_login(client, staff, password, totp_clock.code(secret)))


def test_without_the_policy_the_admin_signs_them_in(client, staff, password):
    assert signed_in(admin_login(client, staff, password))


def test_an_admin_session_from_before_the_policy_stops_working(client, staff, password, authfort):
    client.force_login(staff)
    assert client.get(reverse("admin:index")).status_code == 200
    authfort(REQUIRE_MFA_FOR_STAFF=True)
    page = client.get(reverse("admin:index"))
    assert page.status_code == 302 and page["Location"].startswith(reverse("admin:login"))


def test_the_setting_is_read_from_the_environment(monkeypatch):
    from config import settings as project_settings

    monkeypatch.setenv("AUTHFORT_REQUIRE_MFA_FOR_STAFF", "true")
    assert project_settings._authfort_from_env()["REQUIRE_MFA_FOR_STAFF"] is True
    monkeypatch.setenv("AUTHFORT_REQUIRE_MFA_FOR_STAFF", "false")
    assert project_settings._authfort_from_env()["REQUIRE_MFA_FOR_STAFF"] is False
