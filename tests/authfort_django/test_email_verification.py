"""POST /auth/verify-email/request and /auth/verify-email, the `email_verified` claim and
REQUIRE_VERIFIED_EMAIL, over the API with mail in Django's locmem outbox."""

from __future__ import annotations

import logging

import pytest
from django.utils import timezone

from authfort_django.models import Account, AuthEvent, User
from authfort_django.signals import email_verification_requested, email_verified
from authfort_django.tokens.verification import verify_access_token
from tests.authfort_django.helpers import (
    BEARER_CHALLENGE,
    bearer,
    login,
    status_and_code,
)
from tests.authfort_django.mail_helpers import (
    FRONTEND_URL,
    links_in,
    the_mail_to,
    token_in,
)
from tests.factories import DEFAULT_PASSWORD, AccountTokenFactory, UserFactory

pytestmark = pytest.mark.django_db


def _request(client, access_token: str | None = None, **body):
    extra = bearer(access_token) if access_token else {}
    return client.post("/auth/verify-email/request", body, format="json", **extra)


def _verify(client, token: object):
    return client.post("/auth/verify-email", {"token": token}, format="json")


def _verification_token(client, outbox, user, password=DEFAULT_PASSWORD) -> str:
    outbox.clear()
    access = login(client, user, password)["access_token"]
    assert _request(client, access).status_code == 202
    return token_in(the_mail_to(outbox, user.email))


def _claims(client, user, password=DEFAULT_PASSWORD):
    return verify_access_token(login(client, user, password)["access_token"])


def test_the_full_verification_flow_marks_the_address_and_the_next_tokens(api_client, mailoutbox, user, password):
    assert _claims(api_client, user, password)["email_verified"] is False
    access = login(api_client, user, password)["access_token"]

    requested = _request(api_client, access)

    assert requested.status_code == 202
    message = the_mail_to(mailoutbox, user.email)
    assert message.subject == "Confirm your email address"
    assert links_in(message.body)[0].startswith(f"{FRONTEND_URL}/verify-email?token=")
    assert _verify(api_client, token_in(message)).status_code == 204
    user.refresh_from_db()
    assert user.email_verified_at is not None
    assert _claims(api_client, user, password)["email_verified"] is True
    # Verifying ends nothing: the earlier token still works (its claim says false until refreshed).
    assert api_client.get("/auth/me", **bearer(access)).status_code == 200


def test_a_verification_token_works_once(api_client, mailoutbox, user):
    token = _verification_token(api_client, mailoutbox, user)
    assert _verify(api_client, token).status_code == 204

    again = _verify(api_client, token)

    assert again.status_code == 400
    assert again.json()["code"] == "verification_token_used"


def test_an_authenticated_request_for_a_verified_address_is_a_409(api_client, mailoutbox, user, password):
    Account.objects.filter(user=user).update(email_verified_at=timezone.now())

    response = _request(api_client, login(api_client, user, password)["access_token"])

    assert response.status_code == 409
    assert response.json()["code"] == "email_already_verified"
    assert mailoutbox == []


def test_a_request_by_address_is_the_way_back_for_an_account_that_cannot_log_in(api_client, mailoutbox, user, authfort):
    authfort(REQUIRE_VERIFIED_EMAIL=True)

    response = _request(api_client, email=user.email)

    assert response.status_code == 202
    assert _verify(api_client, token_in(the_mail_to(mailoutbox, user.email))).status_code == 204


@pytest.mark.parametrize("who", ["unknown", "inactive", "verified"])
def test_a_request_by_address_answers_identically_and_mails_only_an_unverified_account(
    api_client, mailoutbox, user, who
):
    known = _request(api_client, email=user.email)
    mailoutbox.clear()
    if who == "unknown":
        target = "nobody-here@example.com"
    elif who == "inactive":
        target = UserFactory(is_active=False).email
    else:
        target = UserFactory(email_verified_at=timezone.now()).email

    answer = _request(api_client, email=target)

    assert (answer.status_code, answer.content) == (known.status_code, known.content) == (202, known.content)
    assert mailoutbox == []


def test_a_request_without_a_token_needs_an_address(api_client):
    response = _request(api_client)

    assert response.status_code == 400
    assert set(response.json()["errors"]) == {"email"}


def test_a_request_with_a_bad_access_token_is_a_401(api_client, mailoutbox):
    response = _request(api_client, "not.a.token", email="someone@example.com")

    assert status_and_code(response) == (401, "malformed_token")
    assert response["WWW-Authenticate"].startswith(BEARER_CHALLENGE)
    assert mailoutbox == []


def test_require_verified_email_refuses_login_only_after_the_right_password(api_client, user, password, authfort):
    authfort(REQUIRE_VERIFIED_EMAIL=True)

    wrong = api_client.post("/auth/login", {"email": user.email, "password": "not it at all"}, format="json")
    right = api_client.post("/auth/login", {"email": user.email, "password": password}, format="json")

    assert wrong.status_code == 401
    assert wrong.json()["code"] == "invalid_credentials"
    assert right.status_code == 403
    assert right.json()["code"] == "email_not_verified"
    assert "/auth/verify-email/request" in right.json()["detail"]
    assert AuthEvent.objects.filter(type="login_failed", user=user, detail={"reason": "email_not_verified"}).exists()
    assert not user.authfort_sessions.exists()


def test_require_verified_email_lets_a_verified_account_in(api_client, mailoutbox, user, password, authfort):
    token = _verification_token(api_client, mailoutbox, user, password)
    authfort(REQUIRE_VERIFIED_EMAIL=True)
    refused = api_client.post("/auth/login", {"email": user.email, "password": password}, format="json")
    assert status_and_code(refused) == (403, "email_not_verified")

    _verify(api_client, token)

    assert api_client.post("/auth/login", {"email": user.email, "password": password}, format="json").status_code == 200


def test_require_verified_email_registers_without_tokens_and_mails_the_link(api_client, mailoutbox, authfort):
    authfort(REQUIRE_VERIFIED_EMAIL=True)

    response = api_client.post(
        "/auth/register", {"email": "new@example.com", "password": DEFAULT_PASSWORD}, format="json"
    )

    assert response.status_code == 201
    body = response.json()
    assert set(body) == {"user", "detail"}  # no access or refresh token
    assert body["user"]["email"] == "new@example.com"
    assert response["Cache-Control"] == "no-store"
    new = User.objects.get(email="new@example.com")
    assert not new.authfort_sessions.exists()
    assert _verify(api_client, token_in(the_mail_to(mailoutbox, "new@example.com"))).status_code == 204
    login_ = api_client.post("/auth/login", {"email": "new@example.com", "password": DEFAULT_PASSWORD}, format="json")
    assert login_.status_code == 200


def test_require_verified_email_ends_an_unverified_accounts_session_at_refresh(api_client, user, password, authfort):
    # A session from before the setting was turned on.
    pair = login(api_client, user, password)
    authfort(REQUIRE_VERIFIED_EMAIL=True)

    response = api_client.post("/auth/refresh", {"refresh_token": pair["refresh_token"]}, format="json")

    assert response.status_code == 403
    assert response.json()["code"] == "email_not_verified"
    assert not user.authfort_sessions.filter(revoked_at__isnull=True).exists()


def test_an_expired_token_is_refused(api_client, user):
    token = AccountTokenFactory(user=user, purpose="verify_email", expired=True)

    response = _verify(api_client, token.raw)

    assert response.status_code == 400
    assert response.json()["code"] == "verification_token_expired"


def test_a_newer_request_supersedes_the_earlier_token(api_client, mailoutbox, user):
    first = _verification_token(api_client, mailoutbox, user)
    second = _verification_token(api_client, mailoutbox, user)

    assert _verify(api_client, first).json()["code"] == "verification_token_superseded"
    assert _verify(api_client, second).status_code == 204


def test_a_token_for_an_address_the_account_no_longer_has_verifies_nothing(api_client, mailoutbox, user):
    token = _verification_token(api_client, mailoutbox, user)
    user.email = "changed@example.com"
    user.save()

    response = _verify(api_client, token)

    assert response.json()["code"] == "verification_token_superseded"
    user.refresh_from_db()
    assert user.email_verified_at is None


def test_a_tampered_token_is_refused_as_invalid(api_client, mailoutbox, user):
    token = _verification_token(api_client, mailoutbox, user)
    selector, verifier = token.split(".")
    flip = {"A": "B"}.get(verifier[0], "A")

    for bad in (f"{selector}.{flip}{verifier[1:]}", f"{selector}.{verifier[:-1]}", "x" * 59):
        response = _verify(api_client, bad)
        assert response.status_code == 400, bad
        assert response.json()["code"] == "verification_token_invalid", bad
    assert _verify(api_client, "").json()["code"] == "invalid_request"  # refused by the body check
    user.refresh_from_db()
    assert user.email_verified_at is None


def test_a_password_reset_token_does_not_verify_and_vice_versa(api_client, mailoutbox, user):
    api_client.post("/auth/password-reset", {"email": user.email}, format="json")
    reset_token = token_in(the_mail_to(mailoutbox, user.email))
    verification_token = _verification_token(api_client, mailoutbox, user)

    assert _verify(api_client, reset_token).json()["code"] == "verification_token_invalid"
    wrong_kind = api_client.post(
        "/auth/password-reset/confirm", {"token": verification_token, "new_password": "some passphrase 7781"},
        format="json",
    )
    assert wrong_kind.json()["code"] == "reset_token_invalid"


def test_requests_are_throttled_per_account(api_client, mailoutbox, user, password, authfort):
    access = login(api_client, user, password)["access_token"]
    authfort(THROTTLE_RATES={"verify_email_account": "2/hour"})

    statuses = [_request(api_client, access).status_code for _ in range(3)]

    assert statuses == [202, 202, 429]
    assert len(mailoutbox) == 2


def test_requests_by_address_are_throttled_per_address(api_client, authfort, settings):
    # Per address, whatever the client address and however the address is spelt.
    settings.REST_FRAMEWORK = {**settings.REST_FRAMEWORK, "NUM_PROXIES": 1}
    authfort(THROTTLE_RATES={"verify_email_account": "1/hour"})

    def ask(email, client_address):
        return api_client.post(
            "/auth/verify-email/request", {"email": email}, format="json", HTTP_X_FORWARDED_FOR=client_address
        )

    statuses = [
        ask(spelling, f"203.0.113.{n}").status_code
        for n, spelling in enumerate(["Someone@example.com", "someone@EXAMPLE.com "])
    ]
    other = ask("someone-else@example.com", "203.0.113.9")

    assert statuses == [202, 429]
    assert other.status_code == 202


def test_confirmations_are_throttled(api_client, authfort):
    authfort(THROTTLE_RATES={"verify_email_confirm": "1/hour"})

    assert [_verify(api_client, "guess").status_code for _ in range(2)] == [400, 429]


def test_each_step_is_audited_and_signalled(
    api_client, mailoutbox, user, caplog, django_capture_on_commit_callbacks
):
    requested: list[str] = []
    verified: list[User] = []

    def on_requested(sender, user, token, link, request, **kwargs):
        requested.append(token)

    def on_verified(sender, user, request, **kwargs):
        verified.append(user)

    email_verification_requested.connect(on_requested)
    email_verified.connect(on_verified)
    try:
        with caplog.at_level(logging.INFO, logger="authfort.audit"):
            token = _verification_token(api_client, mailoutbox, user)
            _verify(api_client, "garbage")
            with django_capture_on_commit_callbacks(execute=True):
                _verify(api_client, token)
    finally:
        email_verification_requested.disconnect(on_requested)
        email_verified.disconnect(on_verified)

    assert requested == [token]
    assert verified == [user]
    types = list(
        AuthEvent.objects.filter(type__startswith="email_").order_by("created_at", "pk").values_list("type", "detail")
    )
    assert types == [
        ("email_verification_requested", {"account": "active"}),
        ("email_verification_failed", {"reason": "invalid"}),
        ("email_verified", {}),
    ]
    logged = "\n".join(r.getMessage() for r in caplog.records)
    assert token.split(".")[1] not in logged
