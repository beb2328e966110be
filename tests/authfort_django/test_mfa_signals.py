"""Every MFA event sends its own signal (authfort_django/signals.py), after its change
commits, with the arguments its declaration lists and never a code or a secret."""

from __future__ import annotations

import pytest
from django.db import transaction

from authfort_django import signals
from authfort_django.mfa import state
from authfort_django.models import User
from tests.authfort_django.helpers import bearer
from tests.authfort_django.mfa_helpers import claims_of, enable_totp, login_body, totp_clock  # noqa: F401
from tests.authfort_django.software_authenticator import SoftwareAuthenticator

pytestmark = pytest.mark.django_db

MFA_SIGNALS = (
    "mfa_verified", "mfa_failed", "mfa_enabled", "mfa_disabled", "mfa_reset", "mfa_step_up",
    "passkey_added", "passkey_removed", "recovery_codes_regenerated", "recovery_code_used",
)
RP_ID, ORIGIN = "app.example.com", "https://app.example.com"


class Recorder:
    def __init__(self) -> None:
        self.sent: list[tuple[str, dict]] = []

    def names(self) -> list[str]:
        return [name for name, _ in self.sent]

    def last(self, name: str) -> dict:
        return [kwargs for sent, kwargs in self.sent if sent == name][-1]

    def clear(self) -> None:
        self.sent.clear()


@pytest.fixture
def received():
    """Every MFA signal sent while the test runs, in order."""
    recorder = Recorder()

    def receiver_for(name):
        def receive(sender, **kwargs):
            assert sender is User
            recorder.sent.append((name, kwargs))
        return receive

    for name in MFA_SIGNALS:
        getattr(signals, name).connect(receiver_for(name), weak=False, dispatch_uid=f"test-{name}")
    yield recorder
    for name in MFA_SIGNALS:
        getattr(signals, name).disconnect(dispatch_uid=f"test-{name}")


@pytest.fixture
def committed(django_capture_on_commit_callbacks, authfort):
    """`with committed():` runs the block's on-commit callbacks at its end, as a real commit would.
    (The budgets are out of the way: these tests sign in many times.)"""
    authfort(THROTTLE_RATES={"login_account": "1000/min", "login": "1000/min"})
    return lambda: django_capture_on_commit_callbacks(execute=True)


def second_step(client, user, password, **factor):
    token = login_body(client, user, password).json()["mfa_token"]
    return client.post("/auth/login/mfa", {"mfa_token": token, **factor}, format="json")


def test_the_totp_lifecycle_sends_a_signal_for_each_event(api_client, user, password, totp_clock, received,
                                                          committed):
    recorder = received
    with committed():
        secret, recovery_codes, _ = enable_totp(api_client, user, password, totp_clock)
    assert recorder.names() == ["mfa_enabled"] and recorder.last("mfa_enabled")["method"] == "totp"
    assert recorder.last("mfa_enabled")["user"] == user and recorder.last("mfa_enabled")["request"] is not None

    right = totp_clock.code(secret)
    wrong = f"{(int(right) + 1) % 1_000_000:06d}"
    recorder.clear()
    with committed():
        assert second_step(api_client, user, password, code=wrong).status_code == 401
        signed_in = second_step(api_client, user, password, code=right)
        assert signed_in.status_code == 200
        assert second_step(api_client, user, password, code=right).status_code == 401
    assert recorder.names() == ["mfa_failed", "mfa_verified", "mfa_failed"]
    failed, verified, replayed = (kwargs for _, kwargs in recorder.sent)
    assert (failed["method"], failed["reason"]) == ("totp", "invalid_code")
    assert (verified["method"], verified["amr"]) == ("totp", ["otp"])
    assert (replayed["method"], replayed["reason"]) == ("totp", "code_replayed")

    recorder.clear()
    with committed():
        assert second_step(api_client, user, password, recovery_code=recovery_codes[0]).status_code == 200
    assert recorder.names() == ["recovery_code_used", "mfa_verified"]
    assert recorder.last("recovery_code_used")["left"] == 9
    assert recorder.last("mfa_verified")["method"] == "recovery_code"

    access = bearer(signed_in.json()["access_token"])
    totp_clock.next_step()
    recorder.clear()
    with committed():
        stepped = api_client.post("/auth/step-up", {"code": totp_clock.code(secret)}, format="json", **access)
        assert stepped.status_code == 200, stepped.content
    assert recorder.names() == ["mfa_verified", "mfa_step_up"]
    assert recorder.last("mfa_step_up")["amr"] == ["pwd", "otp", "mfa"]
    assert str(recorder.last("mfa_step_up")["session"].pk) == claims_of(stepped.json()["access_token"])["sid"]

    access = bearer(stepped.json()["access_token"])
    recorder.clear()
    with committed():
        assert api_client.post("/auth/mfa/recovery-codes", {"password": "wrong"}, format="json",
                               **access).status_code == 403
        assert api_client.post("/auth/mfa/recovery-codes", {"password": password}, format="json",
                               **access).status_code == 200
        assert api_client.delete("/auth/mfa/totp", {"password": password}, format="json",
                                 **access).status_code == 204
    assert recorder.names() == ["mfa_failed", "recovery_codes_regenerated", "mfa_disabled"]
    assert (recorder.last("mfa_failed")["method"], recorder.last("mfa_failed")["reason"]) == (
        "password", "reauthentication_failed")
    assert recorder.last("mfa_disabled")["method"] == "totp"
    assert isinstance(recorder.last("mfa_disabled")["sessions_revoked"], int)

    sent_values = repr([kwargs for _, kwargs in recorder.sent])
    assert secret not in sent_values and password not in sent_values


def test_adding_using_and_removing_a_passkey_send_their_signals(api_client, user, password, authfort, received,
                                                               committed):
    authfort(WEBAUTHN_RP_ID=RP_ID, WEBAUTHN_ORIGINS=[ORIGIN])
    access = bearer(login_body(api_client, user, password).json()["access_token"])
    device = SoftwareAuthenticator(rp_id=RP_ID, origin=ORIGIN)
    with committed():
        options = api_client.post("/auth/passkeys/register/options", format="json", **access).json()["publicKey"]
        added = api_client.post("/auth/passkeys/register", {"credential": device.create(options)}, format="json",
                                **access)
        assert added.status_code == 201, added.content
        challenge = api_client.post("/auth/passkeys/login/options", {}, format="json", **access).json()
        stepped = api_client.post("/auth/step-up", {"challenge_token": challenge["challenge_token"],
                                                    "passkey": device.get(challenge["publicKey"])},
                                  format="json", **access)
        assert stepped.status_code == 200, stepped.content
        access = bearer(stepped.json()["access_token"])
        passkey_id = api_client.get("/auth/passkeys", **access).json()[0]["id"]
        assert api_client.delete(f"/auth/passkeys/{passkey_id}", **access).status_code == 204
    assert received.names() == ["passkey_added", "mfa_verified", "mfa_step_up", "passkey_removed"]
    assert str(received.last("passkey_added")["passkey"].pk) == passkey_id
    assert received.last("mfa_verified")["method"] == "passkey"
    assert received.last("passkey_removed")["passkey_id"] == passkey_id


def test_a_signal_is_not_sent_for_a_change_that_rolls_back(user, received, committed):
    with committed():
        with pytest.raises(RuntimeError), transaction.atomic():
            state.reset_mfa(user)
            raise RuntimeError("rolled back")
    assert received.names() == []
    with committed():
        state.reset_mfa(user)
    assert received.names() == ["mfa_reset"] and received.last("mfa_reset")["by"] is None
