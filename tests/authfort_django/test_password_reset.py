"""POST /auth/password-reset and /auth/password-reset/confirm over the API, mail in Django's
locmem outbox: no enumeration, single-use tokens, every session and token ended by a reset."""

from __future__ import annotations

import logging

import pytest

from authfort_django.models import AccountToken, AuthEvent
from authfort_django.signals import password_reset_completed, password_reset_requested
from tests.authfort_django.helpers import (
    BEARER_CHALLENGE,
    bearer,
    is_active,
    login,
    refresh_code,
    status_and_code,
)
from tests.authfort_django.mail_helpers import (
    FRONTEND_URL,
    links_in,
    the_mail_to,
    token_in,
)
from tests.factories import DEFAULT_PASSWORD, AccountTokenFactory, UserFactory
from tests.helpers.service_process import free_port

pytestmark = pytest.mark.django_db

NEW_PASSWORD = "a fresh reset passphrase 58"


def _request(client, email: str, **extra):
    return client.post("/auth/password-reset", {"email": email}, format="json", **extra)


def _confirm(client, token: object, new_password: str = NEW_PASSWORD):
    return client.post(
        "/auth/password-reset/confirm", {"token": token, "new_password": new_password}, format="json"
    )


def _reset_token(client, outbox, user) -> str:
    outbox.clear()
    assert _request(client, user.email).status_code == 202
    return token_in(the_mail_to(outbox, user.email))


def test_the_full_reset_flow_ends_every_session_and_only_the_new_password_logs_in(
    api_client, mailoutbox, user, password
):
    before = login(api_client, user, password)
    elsewhere = login(api_client, user, password)
    version = user.token_version

    response = _request(api_client, user.email.upper())

    assert response.status_code == 202
    assert response["Cache-Control"] == "no-store"
    message = the_mail_to(mailoutbox, user.email)
    assert message.subject == "Reset your password"
    (link,) = links_in(message.body)
    assert link.startswith(f"{FRONTEND_URL}/reset-password?token=")
    confirmed = _confirm(api_client, token_in(message))
    assert confirmed.status_code == 204
    user.refresh_from_db()
    assert user.token_version == version + 1
    for earlier in (before, elsewhere):
        assert refresh_code(api_client, earlier["refresh_token"]) == "refresh_token_revoked"
        assert not is_active(api_client, earlier["access_token"])
        refused = api_client.get("/auth/me", **bearer(earlier["access_token"]))
        assert status_and_code(refused) == (401, "token_revoked")
        assert refused["WWW-Authenticate"].startswith(BEARER_CHALLENGE)
    old = api_client.post("/auth/login", {"email": user.email, "password": password}, format="json")
    new = api_client.post("/auth/login", {"email": user.email, "password": NEW_PASSWORD}, format="json")
    assert status_and_code(old) == (401, "invalid_credentials")
    assert new.status_code == 200


def test_a_reset_token_works_once(api_client, mailoutbox, user):
    token = _reset_token(api_client, mailoutbox, user)
    assert _confirm(api_client, token).status_code == 204

    again = _confirm(api_client, token, "yet another passphrase 12")

    assert again.status_code == 400
    assert again.json()["code"] == "reset_token_used"
    user.refresh_from_db()
    assert user.check_password(NEW_PASSWORD)


def _headers_but_request_id(response):
    # X-Request-ID differs per request by design; every other header must match.
    return sorted((k, v) for k, v in response.headers.items() if k.lower() != "x-request-id")


@pytest.mark.parametrize("who", ["unknown", "inactive"])
def test_an_address_without_an_active_account_gets_the_identical_202_and_no_mail(
    api_client, mailoutbox, user, who
):
    known = _request(api_client, user.email)
    mailoutbox.clear()
    if who == "inactive":
        target = UserFactory(is_active=False).email
    else:
        target = "nobody-here@example.com"

    answer = _request(api_client, target)

    assert answer.status_code == known.status_code == 202
    assert answer.content == known.content
    assert _headers_but_request_id(answer) == _headers_but_request_id(known)
    assert mailoutbox == []
    assert not AccountToken.objects.filter(user__email=target).exists()


def test_an_expired_token_is_refused_with_its_own_code(api_client, user):
    token = AccountTokenFactory(user=user, expired=True)

    response = _confirm(api_client, token.raw)

    assert response.status_code == 400
    assert response.json()["code"] == "reset_token_expired"
    assert "Request a new one" in response.json()["detail"]


def test_a_newer_request_supersedes_the_earlier_token(api_client, mailoutbox, user):
    first = _reset_token(api_client, mailoutbox, user)
    second = _reset_token(api_client, mailoutbox, user)

    stale = _confirm(api_client, first)

    assert stale.status_code == 400
    assert stale.json()["code"] == "reset_token_superseded"
    assert _confirm(api_client, second).status_code == 204


def test_a_password_change_after_the_request_invalidates_the_token(api_client, mailoutbox, user, password):
    token = _reset_token(api_client, mailoutbox, user)
    access = login(api_client, user, password)["access_token"]
    changed = api_client.post(
        "/auth/password", {"old_password": password, "new_password": "changed in between 33"},
        format="json", **bearer(access),
    )
    assert changed.status_code == 200

    response = _confirm(api_client, token)

    assert response.status_code == 400
    assert response.json()["code"] == "reset_token_superseded"


def _tampered(token: str) -> list[str]:
    selector, verifier = token.split(".")
    flip = {"A": "B"}.get(verifier[5], "A")
    return [
        f"{selector}.{verifier[:5]}{flip}{verifier[6:]}",  # one character of the secret
        f"{'A' * len(selector)}.{verifier}",  # another selector
        f"{selector}.{verifier}x",  # too long
        selector,  # half of it
        f"{selector}.{verifier}".replace(".", ""),
        "'; DROP TABLE authfort_django_accounttoken; --",
        "\u00e9" * 60,
    ]


def test_a_tampered_token_is_refused_as_invalid_and_changes_nothing(api_client, mailoutbox, user, password):
    token = _reset_token(api_client, mailoutbox, user)

    for bad in _tampered(token):
        response = _confirm(api_client, bad)
        assert response.status_code == 400, bad
        assert response.json()["code"] == "reset_token_invalid", bad

    user.refresh_from_db()
    assert user.check_password(password)
    assert _confirm(api_client, token).status_code == 204  # the genuine token was not spent


@pytest.mark.parametrize(
    "body",
    [{}, {"token": "x"}, {"new_password": NEW_PASSWORD}, {"token": ["a"], "new_password": NEW_PASSWORD},
     {"token": "t" * 300, "new_password": NEW_PASSWORD}, {"token": "a.b", "new_password": "p" * 5000}],
    ids=["empty", "no-password", "no-token", "token-list", "token-too-long", "password-too-long"],
)
def test_malformed_confirm_bodies_are_400_with_field_errors(api_client, body):
    response = api_client.post("/auth/password-reset/confirm", body, format="json")

    assert response.status_code == 400
    assert response.json()["code"] == "invalid_request"


def test_a_weak_new_password_is_refused_and_the_token_stays_usable(api_client, mailoutbox, user):
    token = _reset_token(api_client, mailoutbox, user)

    weak = _confirm(api_client, token, "password123")

    assert weak.status_code == 400
    assert weak.json()["errors"]["new_password"]
    assert _confirm(api_client, token).status_code == 204


def test_a_reset_proves_the_address_so_it_verifies_it(api_client, mailoutbox, user):
    assert user.email_verified_at is None

    _confirm(api_client, _reset_token(api_client, mailoutbox, user))

    user.refresh_from_db()
    assert user.email_verified_at is not None


def test_a_banned_users_token_is_refused(api_client, mailoutbox, user):
    token = _reset_token(api_client, mailoutbox, user)
    type(user).objects.filter(pk=user.pk).update(is_active=False)

    response = _confirm(api_client, token)

    assert response.json()["code"] == "reset_token_invalid"


def test_a_forged_host_header_does_not_change_the_link(api_client, mailoutbox, user, settings):
    settings.ALLOWED_HOSTS = ["*"]
    settings.USE_X_FORWARDED_HOST = True

    response = _request(
        api_client, user.email, HTTP_HOST="evil.example", HTTP_X_FORWARDED_HOST="evil.example",
        HTTP_ORIGIN="https://evil.example", HTTP_REFERER="https://evil.example/",
    )

    assert response.status_code == 202
    message = the_mail_to(mailoutbox, user.email)
    assert "evil" not in message.body and "evil" not in message.alternatives[0][0]
    assert links_in(message.body)[0].startswith(f"{FRONTEND_URL}/reset-password?token=")


def test_without_a_frontend_url_every_request_is_refused_alike_and_nothing_is_sent(
    api_client, mailoutbox, user, authfort
):
    authfort(FRONTEND_URL=None)

    known = _request(api_client, user.email)
    unknown = _request(api_client, "nobody-here@example.com")

    assert known.status_code == unknown.status_code == 503
    assert known.json() == unknown.json()
    assert known.json()["code"] == "email_links_not_configured"
    assert "AUTHFORT_FRONTEND_URL" in known.json()["detail"]
    assert mailoutbox == []


def test_the_link_path_is_configurable(api_client, mailoutbox, user, authfort):
    authfort(FRONTEND_URL="https://accounts.example.org/app/", PASSWORD_RESET_PATH="/#/reset/{token}")

    _request(api_client, user.email)

    body = the_mail_to(mailoutbox, user.email).body
    assert "https://accounts.example.org/app/#/reset/" in body


def test_requests_are_throttled_per_address_whatever_the_client_address(api_client, mailoutbox, user, authfort, settings):
    settings.REST_FRAMEWORK = {**settings.REST_FRAMEWORK, "NUM_PROXIES": 1}
    authfort(THROTTLE_RATES={"password_reset_email": "2/hour"})

    statuses = [
        _request(api_client, user.email, HTTP_X_FORWARDED_FOR=f"203.0.113.{n}").status_code for n in range(3)
    ]
    unknown = [
        _request(api_client, "nobody-here@example.com", HTTP_X_FORWARDED_FOR=f"203.0.113.{n}").status_code
        for n in range(3)
    ]

    assert statuses == unknown == [202, 202, 429]
    assert len(mailoutbox) == 2


def test_requests_are_throttled_per_client_address(api_client, authfort):
    authfort(THROTTLE_RATES={"password_reset": "2/hour"})

    statuses = [_request(api_client, f"someone{n}@example.com").status_code for n in range(3)]

    assert statuses == [202, 202, 429]


def test_confirmations_are_throttled(api_client, authfort):
    authfort(THROTTLE_RATES={"password_reset_confirm": "2/hour"})

    statuses = [_confirm(api_client, f"guess-{n}").status_code for n in range(3)]

    assert statuses == [400, 400, 429]


def test_a_form_encoded_request_is_refused(api_client, user):
    response = api_client.post("/auth/password-reset", f"email={user.email}", content_type="application/x-www-form-urlencoded")

    assert response.status_code == 415


def test_an_invalid_address_is_a_400(api_client):
    response = _request(api_client, "not-an-address")

    assert response.status_code == 400
    assert set(response.json()["errors"]) == {"email"}


def test_each_step_is_audited_without_the_token(api_client, mailoutbox, user, caplog, django_capture_on_commit_callbacks):
    with caplog.at_level(logging.INFO, logger="authfort.audit"):
        _request(api_client, "nobody-here@example.com")
        login(api_client, user, DEFAULT_PASSWORD)  # one live session, which the reset ends
        token = _reset_token(api_client, mailoutbox, user)
        _confirm(api_client, "garbage")
        with django_capture_on_commit_callbacks(execute=True):
            _confirm(api_client, token)
        _confirm(api_client, token)

    events = list(AuthEvent.objects.order_by("created_at", "pk").values_list("type", "user", "detail"))
    reset_events = [e for e in events if e[0].startswith("password_reset")]
    assert reset_events == [
        ("password_reset_requested", None, {"account": "none"}),
        ("password_reset_requested", user.pk, {"account": "active"}),
        ("password_reset_failed", None, {"reason": "invalid"}),
        ("password_reset_completed", user.pk, {"sessions_revoked": 1}),
        ("password_reset_failed", user.pk, {"reason": "used"}),
    ]
    logged = "\n".join(r.getMessage() for r in caplog.records)
    assert "password_reset_completed" in logged
    assert token not in logged and token.split(".")[1] not in logged


def test_signals_carry_the_token_so_a_project_can_deliver_it_another_way(
    api_client, mailoutbox, user, authfort, django_capture_on_commit_callbacks
):
    authfort(SEND_ACCOUNT_EMAILS=False)
    requested: list[dict] = []
    completed: list[object] = []

    def on_requested(sender, user, token, link, request, **kwargs):
        requested.append({"user": user, "token": token, "link": link})

    def on_completed(sender, user, request, **kwargs):
        completed.append(user)

    password_reset_requested.connect(on_requested)
    password_reset_completed.connect(on_completed)
    try:
        _request(api_client, user.email)
        (delivery,) = requested
        with django_capture_on_commit_callbacks(execute=True):
            assert _confirm(api_client, delivery["token"]).status_code == 204
    finally:
        password_reset_requested.disconnect(on_requested)
        password_reset_completed.disconnect(on_completed)

    assert mailoutbox == []
    assert delivery["user"] == user
    assert delivery["link"] == f"{FRONTEND_URL}/reset-password?token={delivery['token']}"
    assert completed == [user]


def test_a_failing_receiver_does_not_change_the_answer(api_client, mailoutbox, user):
    def broken(**kwargs):
        raise RuntimeError("delivery service down")

    password_reset_requested.connect(broken)
    try:
        response = _request(api_client, user.email)
    finally:
        password_reset_requested.disconnect(broken)

    assert response.status_code == 202
    assert len(mailoutbox) == 1


def test_an_unreachable_mail_server_does_not_change_the_answer(api_client, user, settings, caplog):
    # A real SMTP connection to a loopback port nobody listens on: refused at once.
    settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    settings.EMAIL_HOST, settings.EMAIL_PORT, settings.EMAIL_TIMEOUT = "127.0.0.1", free_port(), 5
    unknown = _request(api_client, "nobody-here@example.com")

    with caplog.at_level(logging.ERROR, logger="authfort.mail"):
        known = _request(api_client, user.email)

    assert known.status_code == 202
    assert known.content == unknown.content
    (failure,) = [r for r in caplog.records if r.name == "authfort.mail"]
    assert failure.getMessage() == f"password_reset mail to user {user.pk} could not be sent: ConnectionRefusedError"


def test_the_mail_templates_can_be_overridden_by_the_project(api_client, mailoutbox, user, settings, tmp_path):
    override = tmp_path / "authfort_django" / "email"
    override.mkdir(parents=True)
    (override / "password_reset_subject.txt").write_text("Acme: new password for {{ user.email }}\n")
    (override / "password_reset_body.txt").write_text("{% autoescape off %}Go to {{ link }} now{% endautoescape %}")
    settings.TEMPLATES = [{**settings.TEMPLATES[0], "DIRS": [str(tmp_path)]}]

    _request(api_client, user.email)

    message = the_mail_to(mailoutbox, user.email)
    assert message.subject == f"Acme: new password for {user.email}"
    assert message.body.startswith(f"Go to {FRONTEND_URL}/reset-password?token=")
    assert "Reset your password" in message.alternatives[0][0]  # the HTML part was not overridden


@pytest.mark.row_locks
@pytest.mark.django_db(transaction=True)
def test_concurrent_confirmations_of_one_token_let_exactly_one_win():
    """Real concurrent connections: the row lock makes every other attempt see the token used."""
    import threading

    from django.core import mail
    from django.db import connection
    from rest_framework.test import APIClient

    user = UserFactory()
    mail.outbox = []
    _request(APIClient(), user.email)
    token = token_in(the_mail_to(mail.outbox, user.email))
    count = 6
    barrier = threading.Barrier(count)
    answers: list[tuple[int, str | None]] = []
    lock = threading.Lock()

    def attempt(n: int) -> None:
        try:
            barrier.wait()
            response = _confirm(APIClient(), token, f"concurrent passphrase {n} xyz")
            with lock:
                answers.append((response.status_code, None if response.status_code == 204 else response.json()["code"]))
        finally:
            connection.close()

    threads = [threading.Thread(target=attempt, args=(n,)) for n in range(count)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)

    assert len(answers) == count
    assert [status for status, _ in answers].count(204) == 1
    assert {code for status, code in answers if status != 204} == {"reset_token_used"}
