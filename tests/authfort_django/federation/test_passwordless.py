"""Magic links and email codes, through the mail outbox."""

from __future__ import annotations

import re
from datetime import timedelta

import pytest
from django.utils import timezone

from authfort_django.models import AuthEvent, SignInCode
from tests.authfort_django.mail_helpers import links_in
from tests.authfort_django.mfa_helpers import totp_clock  # noqa: F401
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db

_TOKEN = re.compile(r"[?&]token=([A-Za-z0-9_.-]+)")
_CODE = re.compile(r"^\s*(\d{6,8})\s*$", re.M)


def post(client, path, body):
    return client.post(path, body, content_type="application/json")


def magic_token(mailoutbox, address) -> str:
    (message,) = [m for m in mailoutbox if m.to == [address]]
    (link,) = links_in(message.body)
    assert link.startswith("https://app.example.com/magic-link?token=")
    return _TOKEN.search(link)[1]


def mailed_code(mailoutbox, address) -> str:
    message = [m for m in mailoutbox if m.to == [address]][-1]
    return _CODE.search(message.body)[1]


def test_a_magic_link_signs_in_once(client, mailoutbox):
    UserFactory(email="amy@example.com")
    assert post(client, "/auth/magic-link", {"email": "amy@example.com"}).status_code == 202
    token = magic_token(mailoutbox, "amy@example.com")
    response = post(client, "/auth/magic-link/verify", {"token": token})
    assert response.status_code == 200 and response.json()["user"]["email"] == "amy@example.com"
    assert response.json()["user"]["email"]
    again = post(client, "/auth/magic-link/verify", {"token": token})
    assert again.status_code == 400 and again.json()["code"] == "magic_link_used"
    assert AuthEvent.objects.filter(type="login_succeeded", detail__method="magic_link").count() == 1


def test_an_expired_magic_link_is_refused(client, mailoutbox):
    UserFactory(email="ben@example.com")
    post(client, "/auth/magic-link", {"email": "ben@example.com"})
    SignInCode.objects.update(expires_at=timezone.now() - timedelta(seconds=1))
    response = post(client, "/auth/magic-link/verify", {"token": magic_token(mailoutbox, "ben@example.com")})
    assert response.status_code == 400 and response.json()["code"] == "magic_link_expired"


def test_a_newer_magic_link_supersedes_the_older(client, mailoutbox):
    UserFactory(email="cat@example.com")
    post(client, "/auth/magic-link", {"email": "cat@example.com"})
    first = magic_token(mailoutbox, "cat@example.com")
    mailoutbox.clear()
    post(client, "/auth/magic-link", {"email": "cat@example.com"})
    response = post(client, "/auth/magic-link/verify", {"token": first})
    assert response.status_code == 400 and response.json()["code"] == "magic_link_superseded"


def test_an_altered_magic_link_is_invalid(client):
    response = post(client, "/auth/magic-link/verify", {"token": "A" * 16 + "." + "B" * 43})
    assert response.status_code == 400 and response.json()["code"] == "magic_link_invalid"


def test_unknown_addresses_get_the_same_answer_and_no_mail(client, mailoutbox):
    UserFactory(email="dan@example.com")
    known = post(client, "/auth/magic-link", {"email": "dan@example.com"})
    unknown = post(client, "/auth/magic-link", {"email": "nobody@example.com"})
    assert (known.status_code, known.json()) == (unknown.status_code, unknown.json())
    assert [m.to for m in mailoutbox] == [["dan@example.com"]]
    assert not SignInCode.objects.filter(email="nobody@example.com").exists()
    code_known = post(client, "/auth/email-code", {"email": "dan@example.com"})
    code_unknown = post(client, "/auth/email-code", {"email": "nobody@example.com"})
    assert (code_known.status_code, code_known.json()) == (code_unknown.status_code, code_unknown.json())


def test_passwordless_signup_makes_an_account_without_a_password(client, mailoutbox, settings):
    settings.AUTHFORT = {**settings.AUTHFORT, "PASSWORDLESS_SIGNUP": True}
    post(client, "/auth/magic-link", {"email": "eve@example.com"})
    response = post(client, "/auth/magic-link/verify", {"token": magic_token(mailoutbox, "eve@example.com")})
    assert response.status_code == 200 and response.json()["user"]["email"] == "eve@example.com"
    from authfort_django.accounts.users import user_for_email  # noqa: PLC0415

    user = user_for_email("eve@example.com")
    assert not user.has_usable_password()
    assert user.authfort_account.email_verified_at is not None


def test_an_email_code_signs_in_once(client, mailoutbox):
    UserFactory(email="fay@example.com")
    assert post(client, "/auth/email-code", {"email": "fay@example.com"}).status_code == 202
    code = mailed_code(mailoutbox, "fay@example.com")
    response = post(client, "/auth/email-code/verify", {"email": "fay@example.com", "code": code})
    assert response.status_code == 200 and response.json()["user"]["email"] == "fay@example.com"
    again = post(client, "/auth/email-code/verify", {"email": "fay@example.com", "code": code})
    assert again.status_code == 401 and again.json()["code"] == "email_code_invalid"


def test_a_code_is_stored_only_as_a_keyed_digest(client, mailoutbox):
    UserFactory(email="gus@example.com")
    post(client, "/auth/email-code", {"email": "gus@example.com"})
    code = mailed_code(mailoutbox, "gus@example.com")
    record = SignInCode.objects.get(kind="email_code")
    assert code not in record.secret_hash and len(record.secret_hash) == 64


def test_the_sixth_guess_is_refused_even_when_right(client, mailoutbox):
    UserFactory(email="hal@example.com")
    post(client, "/auth/email-code", {"email": "hal@example.com"})
    code = mailed_code(mailoutbox, "hal@example.com")
    wrong = "000000" if code != "000000" else "111111"
    answers = [post(client, "/auth/email-code/verify", {"email": "hal@example.com", "code": wrong}).json()["code"] for _ in range(5)]
    assert answers == ["email_code_invalid"] * 4 + ["email_code_attempts_exceeded"]
    sixth = post(client, "/auth/email-code/verify", {"email": "hal@example.com", "code": code})
    assert sixth.status_code == 400 and sixth.json()["code"] == "email_code_attempts_exceeded"


def test_an_expired_code_is_refused(client, mailoutbox):
    UserFactory(email="ida@example.com")
    post(client, "/auth/email-code", {"email": "ida@example.com"})
    SignInCode.objects.update(expires_at=timezone.now() - timedelta(seconds=1))
    response = post(client, "/auth/email-code/verify", {"email": "ida@example.com", "code": mailed_code(mailoutbox, "ida@example.com")})
    assert response.status_code == 401 and response.json()["code"] == "email_code_invalid"


def test_code_guesses_share_the_accounts_login_budget(client, mailoutbox, settings):
    settings.AUTHFORT = {**settings.AUTHFORT, "THROTTLE_RATES": {"login_account": "3/min"}}
    UserFactory(email="jon@example.com")
    statuses = [
        post(client, "/auth/email-code/verify", {"email": "jon@example.com", "code": "123456"}).status_code for _ in range(4)
    ]
    assert statuses[-1] == 429


def test_a_magic_link_for_a_user_with_totp_asks_for_the_second_factor(client, mailoutbox, totp_clock):
    """A mailed link is one factor (amr otp): with TOTP enabled the answer is mfa_required, no token."""
    from authfort_django.mfa import state, totp  # noqa: PLC0415

    user = UserFactory(email="kim@example.com")
    secret = totp.start_setup(user).secret
    state.enable_totp(user, totp_clock.code(secret))
    totp_clock.next_step()
    post(client, "/auth/magic-link", {"email": "kim@example.com"})
    answer = post(client, "/auth/magic-link/verify", {"token": magic_token(mailoutbox, "kim@example.com")})
    assert answer.status_code == 200 and answer.json()["mfa_required"] is True
    assert "access_token" not in answer.json() and "totp" in answer.json()["methods"]


def test_an_email_code_answers_in_cookies_when_asked(client, mailoutbox, settings):
    """token_delivery "cookie" on a cookie-mode server: cookies, and no token in the body."""
    settings.AUTHFORT = {**settings.AUTHFORT, "COOKIE": {"ENABLED": True, "SECURE": False}}
    UserFactory(email="lee@example.com")
    post(client, "/auth/email-code", {"email": "lee@example.com"})
    code = mailed_code(mailoutbox, "lee@example.com")
    answer = post(client, "/auth/email-code/verify", {"email": "lee@example.com", "code": code, "token_delivery": "cookie"})
    assert answer.status_code == 200 and answer.cookies["access_token"].value
    assert "access_token" not in answer.json() and "refresh_token" not in answer.json()
