"""Passkeys over the API with a software authenticator: registration (attestation none and
packed), passwordless sign-in, second factor, and every way an assertion is refused."""

from __future__ import annotations

import pytest

from authfort_django.models import AuthEvent, Passkey, Session
from tests.authfort_django.helpers import bearer, status_and_code
from tests.authfort_django.mfa_helpers import claims_of, login_body
from tests.authfort_django.software_authenticator import SoftwareAuthenticator, b64url

pytestmark = pytest.mark.django_db

RP_ID, ORIGIN = "app.example.com", "https://app.example.com"


@pytest.fixture(autouse=True)
def _relying_party(authfort):
    authfort(WEBAUTHN_RP_ID=RP_ID, WEBAUTHN_ORIGINS=[ORIGIN])


@pytest.fixture
def signed_in(api_client, user, password):
    return login_body(api_client, user, password).json()


def _register(client, access, device, **kwargs):
    options = client.post("/auth/passkeys/register/options", format="json", **bearer(access)).json()["publicKey"]
    credential = device.create(options, **kwargs)
    return client.post("/auth/passkeys/register", {"credential": credential, "name": "laptop"}, format="json",
                       **bearer(access))


def _login_options(client, **body):
    return client.post("/auth/passkeys/login/options", body, format="json").json()


def _passwordless(client, device, **assertion):
    options = _login_options(client)
    credential = device.get(options["publicKey"], **assertion)
    return client.post("/auth/passkeys/login", {"challenge_token": options["challenge_token"],
                                                "credential": credential}, format="json")


@pytest.mark.parametrize("fmt", ["none", "packed"])
def test_register_then_sign_in_without_a_password(api_client, signed_in, fmt):
    device = SoftwareAuthenticator(rp_id=RP_ID, origin=ORIGIN)
    added = _register(api_client, signed_in["access_token"], device, fmt=fmt)
    assert added.status_code == 201, added.content
    assert len(added.json()["recovery_codes"]) == 10
    response = _passwordless(api_client, device)
    assert response.status_code == 200, response.content
    assert claims_of(response.json()["access_token"])["amr"] == ["hwk", "mfa"]
    assert Passkey.objects.get().sign_count == 1


def test_the_passkey_is_a_second_factor_of_a_password_login(api_client, user, password, signed_in):
    device = SoftwareAuthenticator(rp_id=RP_ID, origin=ORIGIN)
    _register(api_client, signed_in["access_token"], device)
    first = login_body(api_client, user, password).json()
    assert first["methods"] == ["passkey", "recovery_code"]
    credential = device.get(first["passkey_options"]["publicKey"])
    done = api_client.post("/auth/login/mfa", {"mfa_token": first["mfa_token"], "passkey": credential}, format="json")
    assert done.status_code == 200, done.content
    assert claims_of(done.json()["access_token"])["amr"] == ["pwd", "hwk", "mfa"]


@pytest.mark.parametrize(("assertion", "code"), [
    ({"origin": "https://evil.example.net"}, "passkey_wrong_origin"),
    ({"rp_id": "evil.example.net"}, "passkey_wrong_rp"),
    ({"counter": 0}, "passkey_counter_regressed"),
    ({"user_verified": False}, "passkey_invalid"),
])
def test_a_bad_assertion_is_refused(api_client, signed_in, assertion, code):
    device = SoftwareAuthenticator(rp_id=RP_ID, origin=ORIGIN)
    _register(api_client, signed_in["access_token"], device)
    assert _passwordless(api_client, device).status_code == 200  # the counter is now 1
    assert status_and_code(_passwordless(api_client, device, **assertion)) == (401, code)
    assert AuthEvent.objects.filter(type="login_failed", detail__reason=code).exists()


def test_a_tampered_signature_is_refused(api_client, signed_in):
    device = SoftwareAuthenticator(rp_id=RP_ID, origin=ORIGIN)
    _register(api_client, signed_in["access_token"], device)
    options = _login_options(api_client)
    credential = device.get(options["publicKey"])
    credential["response"]["signature"] = credential["response"]["signature"][:-4] + "AAAA"
    response = api_client.post("/auth/passkeys/login", {"challenge_token": options["challenge_token"],
                                                        "credential": credential}, format="json")
    assert status_and_code(response) == (401, "passkey_invalid")


def test_an_unknown_passkey_and_another_users_passkey_are_refused(api_client, signed_in, password):
    from tests.factories import UserFactory

    mine = SoftwareAuthenticator(rp_id=RP_ID, origin=ORIGIN)
    _register(api_client, signed_in["access_token"], mine)
    stranger = SoftwareAuthenticator(rp_id=RP_ID, origin=ORIGIN, user_handle=b"x" * 16)
    assert status_and_code(_passwordless(api_client, stranger)) == (401, "passkey_unknown")
    other = UserFactory()
    first = login_body(api_client, other, password).json()  # no MFA: a pair
    theirs = SoftwareAuthenticator(rp_id=RP_ID, origin=ORIGIN)
    _register(api_client, first["access_token"], theirs)
    their_login = login_body(api_client, other, password).json()
    with_mine = api_client.post("/auth/login/mfa", {
        "mfa_token": their_login["mfa_token"], "passkey": mine.get(their_login["passkey_options"]["publicKey"])},
        format="json")
    assert status_and_code(with_mine) == (401, "passkey_unknown")


@pytest.mark.parametrize("credential", [
    "not an object", {"id": "x"}, {"id": "abc", "rawId": "abd", "response": {}},
    {"id": "a" * 2000, "rawId": "a" * 2000, "response": {}},
    {"id": "abc", "rawId": "abc", "response": {"blob": "x" * 40_000}},
])
def test_a_hostile_credential_is_a_400(api_client, signed_in, credential):
    options = _login_options(api_client)
    response = api_client.post("/auth/passkeys/login", {"challenge_token": options["challenge_token"],
                                                        "credential": credential}, format="json")
    assert status_and_code(response) == (400, "passkey_malformed")


def test_bad_cbor_and_an_unknown_algorithm_do_not_register(api_client, signed_in):
    device = SoftwareAuthenticator(rp_id=RP_ID, origin=ORIGIN)
    options = api_client.post("/auth/passkeys/register/options", format="json",
                              **bearer(signed_in["access_token"])).json()["publicKey"]
    credential = device.create(options)
    credential["response"]["attestationObject"] = "oWNmbXRkbm9uZQ"  # truncated CBOR
    refused = api_client.post("/auth/passkeys/register", {"credential": credential}, format="json",
                              **bearer(signed_in["access_token"]))
    assert status_and_code(refused) == (400, "passkey_registration_failed")
    odd = SoftwareAuthenticator(rp_id=RP_ID, origin=ORIGIN, alg=-999)
    assert status_and_code(_register(api_client, signed_in["access_token"], odd)) == (400, "passkey_registration_failed")
    wrong_origin = _register(api_client, signed_in["access_token"], device, origin="https://evil.example.net")
    assert status_and_code(wrong_origin) == (400, "passkey_registration_failed")
    assert not Passkey.objects.exists()


def test_a_challenge_token_works_once(api_client, signed_in):
    device = SoftwareAuthenticator(rp_id=RP_ID, origin=ORIGIN)
    _register(api_client, signed_in["access_token"], device)
    options = _login_options(api_client)
    body = {"challenge_token": options["challenge_token"], "credential": device.get(options["publicKey"])}
    assert api_client.post("/auth/passkeys/login", body, format="json").status_code == 200
    assert status_and_code(api_client.post("/auth/passkeys/login", body, format="json")) == (
        401, "challenge_token_invalid")


def test_listing_and_removing_a_passkey_ends_other_sessions(api_client, user, password, signed_in):
    device = SoftwareAuthenticator(rp_id=RP_ID, origin=ORIGIN)
    _register(api_client, signed_in["access_token"], device)
    other = _passwordless(api_client, device).json()
    listing = api_client.get("/auth/passkeys", **bearer(other["access_token"])).json()
    assert [p["name"] for p in listing] == ["laptop"]
    assert status_and_code(api_client.delete("/auth/passkeys/not-a-uuid", **bearer(other["access_token"]))) == (
        404, "passkey_not_found")
    removed = api_client.delete(f"/auth/passkeys/{listing[0]['id']}", **bearer(other["access_token"]))
    assert removed.status_code == 204
    assert Session.objects.get(pk=claims_of(signed_in["access_token"])["sid"]).revoked_reason == "passkey_removed"
    assert AuthEvent.objects.filter(type="passkey_removed").count() == 1
    assert "access_token" in login_body(api_client, user, password).json()  # no factor left: no MFA


def test_step_up_with_a_passkey(api_client, user, password, signed_in, authfort):
    device = SoftwareAuthenticator(rp_id=RP_ID, origin=ORIGIN)
    _register(api_client, signed_in["access_token"], device)
    options = api_client.post(
        "/auth/passkeys/login/options", {}, format="json", **bearer(signed_in["access_token"])
    ).json()
    assert [c["id"] for c in options["publicKey"]["allowCredentials"]] == [b64url(device.credential_id)]
    stepped = api_client.post("/auth/step-up", {"challenge_token": options["challenge_token"],
                                                "passkey": device.get(options["publicKey"])},
                              format="json", **bearer(signed_in["access_token"]))
    assert stepped.status_code == 200, stepped.content
    claims = claims_of(stepped.json()["access_token"])
    assert claims["amr"] == ["pwd", "hwk", "mfa"] and claims["sid"] == claims_of(signed_in["access_token"])["sid"]


def test_anonymous_options_name_no_account(api_client, user, password, signed_in):
    device = SoftwareAuthenticator(rp_id=RP_ID, origin=ORIGIN)
    _register(api_client, signed_in["access_token"], device)
    options = _login_options(api_client)
    assert options["publicKey"].get("allowCredentials", []) == []


def test_an_origin_outside_the_rp_id_is_a_system_check_error(authfort):
    from authfort_django.checks import check_webauthn

    assert check_webauthn() == []
    authfort(WEBAUTHN_RP_ID="example.com", WEBAUTHN_ORIGINS=["https://app.example.com", "https://evil.example.net"])
    errors = check_webauthn()
    assert [e.id for e in errors] == ["authfort.E014"] and "evil.example.net" in errors[0].msg
    authfort(WEBAUTHN_ORIGINS="https://app.example.com")
    assert [e.id for e in check_webauthn()] == ["authfort.E014"]
