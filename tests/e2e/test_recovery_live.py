"""Password reset and email verification across a real auth-server process (gunicorn, two
workers): the mail goes through Django's file-based email backend into a directory the
test reads, as an operator's mail server would receive it."""

from __future__ import annotations

import re
from email import message_from_string
from pathlib import Path

import jwt
import pytest

pytestmark = pytest.mark.slow

FRONTEND_URL = "https://app.example.com"
NEW_PASSWORD = "a passphrase chosen after a reset 61"
_LINK = re.compile(r"https://app\.example\.com/(reset-password|verify-email)\?token=([A-Za-z0-9_.-]+)")


@pytest.fixture
def server(start_auth_server, tmp_path):
    mail_dir = tmp_path / "mail"
    mail_dir.mkdir()
    live = start_auth_server(
        EMAIL_BACKEND="django.core.mail.backends.filebased.EmailBackend",
        EMAIL_FILE_PATH=str(mail_dir),
        AUTHFORT_FRONTEND_URL=FRONTEND_URL,
        # Any Host is let through, so a forged one reaches the view (Django would refuse it first).
        ALLOWED_HOSTS="*",
    )
    live.mail_dir = mail_dir
    return live


def _mails_to(mail_dir: Path, address: str) -> list[str]:
    """Text bodies of the mails to `address`; the file backend separates messages with a rule."""
    bodies = []
    for path in sorted(mail_dir.iterdir()):
        for raw in path.read_text().split("-" * 79):
            if not raw.strip():
                continue
            message = message_from_string(raw.strip())
            if message["To"] == address:
                text = next(p for p in message.walk() if p.get_content_type() == "text/plain")
                bodies.append(text.get_payload(decode=True).decode())
    return bodies


def _token(mail_dir: Path, address: str, kind: str) -> str:
    links = [m for body in _mails_to(mail_dir, address) for m in _LINK.findall(body) if m[0] == kind]
    assert links, f"no {kind} mail to {address}"
    return links[-1][1]


def _introspect(server, token: str) -> dict:
    response = server.post(
        "/auth/introspect", {"token": token}, headers={"Authorization": f"Bearer {server.introspection_secret}"}
    )
    assert response.status_code == 200, response.text
    return response.json()


def test_a_reset_across_processes_ends_every_token_and_the_host_header_cannot_redirect_the_link(server):
    account = server.register()
    email = account["email"]

    unknown = server.post("/auth/password-reset", {"email": "nobody-here@example.com"})
    requested = server.post(
        "/auth/password-reset", {"email": email},
        headers={"Host": "evil.example", "X-Forwarded-Host": "evil.example"},
    )

    assert requested.status_code == unknown.status_code == 202
    assert requested.json() == unknown.json()
    assert _mails_to(server.mail_dir, "nobody-here@example.com") == []
    (body,) = _mails_to(server.mail_dir, email)
    assert "evil" not in body
    token = _token(server.mail_dir, email, "reset-password")

    confirmed = server.post("/auth/password-reset/confirm", {"token": token, "new_password": NEW_PASSWORD})

    assert confirmed.status_code == 204, confirmed.text
    refreshed = server.post("/auth/refresh", {"refresh_token": account["refresh_token"]})
    assert (refreshed.status_code, refreshed.json()["code"]) == (401, "refresh_token_revoked")
    assert _introspect(server, account["access_token"]) == {"active": False}
    reused = server.post("/auth/password-reset/confirm", {"token": token, "new_password": "again " + NEW_PASSWORD})
    assert (reused.status_code, reused.json()["code"]) == (400, "reset_token_used")
    old = server.login(email, account["password"])
    assert (old.status_code, old.json()["code"]) == (401, "invalid_credentials")
    assert server.login(email, NEW_PASSWORD).status_code == 200
    log = server.log_text()
    assert token not in log and NEW_PASSWORD not in log


def test_verification_across_processes_sets_the_claim_of_the_next_tokens(server):
    account = server.register()
    email = account["email"]
    access = account["access_token"]

    requested = server.post("/auth/verify-email/request", headers={"Authorization": f"Bearer {access}"})
    assert requested.status_code == 202, requested.text
    token = _token(server.mail_dir, email, "verify-email")

    assert server.post("/auth/verify-email", {"token": token}).status_code == 204
    assert server.post("/auth/verify-email", {"token": token}).json()["code"] == "verification_token_used"
    refreshed = server.post("/auth/refresh", {"refresh_token": account["refresh_token"]})
    assert _introspect(server, refreshed.json()["access_token"])["active"] is True
    # Signature and liveness were checked by introspection above; here only the claim is read.
    assert jwt.decode(refreshed.json()["access_token"], options={"verify_signature": False})["email_verified"] is True
    assert jwt.decode(access, options={"verify_signature": False})["email_verified"] is False
