"""A provider that misbehaves gets the caller a clear error with a code, never a 500,
and a GitHub-style OAuth 2.0 provider. Both are loopback stand-ins (tests/helpers/http_fixtures):
GitHub cannot run here, and a real provider cannot be made to answer HTML on demand.
The GitHub stand-in implements only what we call, in the shapes of GitHub's docs
(/login/oauth/authorize, /login/oauth/access_token, GET /user, GET /user/emails)."""

from __future__ import annotations

import json
from urllib.parse import parse_qs, urlencode, urlsplit

import pytest

from authfort_django.models import Identity
from tests.authfort_django.federation.conftest import APP, query_of, returned_with_error
from tests.helpers.http_fixtures import CannedResponse, LoopbackHTTPServer

pytestmark = pytest.mark.django_db


@pytest.fixture
def standin():
    with LoopbackHTTPServer() as server:
        yield server


@pytest.mark.parametrize(
    ("answer", "status", "code"),
    [
        ({"body": "<html><body>Service maintenance</body></html>", "headers": {"Content-Type": "text/html"}}, 502, "provider_bad_response"),
        ({"body": b"{" + b" " * (400 * 1024) + b"}"}, 502, "provider_bad_response"),
        ({"body": "{}", "status": 500}, 503, "provider_unavailable"),
        ({"body": "{}", "delay": 3.0}, 503, "provider_unavailable"),  # beyond PROVIDER_TIMEOUT=1
    ],
    ids=["html", "huge-body", "server-error", "timeout"],
)
def test_a_misbehaving_provider_gets_a_clear_error(federation, client, standin, answer, status, code):
    standin.set_response(**answer)
    federation(PROVIDER_TIMEOUT=1, PROVIDERS={"flaky": {"ISSUER": standin.url("").rstrip("/"), "CLIENT_ID": "x"}})
    response = client.get("/auth/oauth/flaky/authorize", {"redirect_to": APP})
    assert response.status_code == status and response.json()["code"] == code


def test_a_discovery_document_naming_another_issuer_is_refused(federation, client, standin):
    standin.set_json({"issuer": "https://accounts.google.com", "authorization_endpoint": "https://x/a",
                      "token_endpoint": "https://x/t", "jwks_uri": "https://x/j"})
    federation(PROVIDERS={"mixup": {"ISSUER": standin.url("").rstrip("/"), "CLIENT_ID": "x"}})
    response = client.get("/auth/oauth/mixup/authorize", {"redirect_to": APP})
    assert response.status_code == 502 and response.json()["code"] == "provider_bad_response"


class GitHubStandIn:
    def __init__(self, server: LoopbackHTTPServer, emails: list[dict]) -> None:
        self.server = server
        self.emails = emails
        self.codes: dict[str, str] = {}
        server.set_handler(self.answer)

    def answer(self, request) -> CannedResponse:
        path, _, query = request.path.partition("?")
        if path == "/login/oauth/access_token":
            form = {k: v[0] for k, v in parse_qs(request.body.decode()).items()}
            if form.get("client_id") != "gh-client" or form.get("client_secret") != "gh-secret" or form.get("code") != "gh-code":
                # GitHub answers a bad code with 200 and an error member.
                return CannedResponse(200, json.dumps({"error": "bad_verification_code"}).encode(), {"Content-Type": "application/json"})
            return CannedResponse(200, json.dumps({"access_token": "gho_standin", "token_type": "bearer", "scope": "read:user,user:email"}).encode(), {"Content-Type": "application/json"})
        if request.headers.get("Authorization") != "Bearer gho_standin":
            return CannedResponse(401, b'{"message": "Requires authentication"}', {"Content-Type": "application/json"})
        if path == "/user":
            return CannedResponse(200, json.dumps({"id": 583231, "login": "octocat", "name": "The Octocat"}).encode(), {"Content-Type": "application/json"})
        if path == "/user/emails":
            return CannedResponse(200, json.dumps(self.emails).encode(), {"Content-Type": "application/json"})
        return CannedResponse(404, b"{}")


def _github(federation, standin, emails) -> GitHubStandIn:
    base = standin.url("").rstrip("/")
    federation(PROVIDERS={"github": {
        "PRESET": "github", "CLIENT_ID": "gh-client", "CLIENT_SECRET": "gh-secret",
        "AUTHORIZATION_ENDPOINT": base + "/login/oauth/authorize", "TOKEN_ENDPOINT": base + "/login/oauth/access_token",
        "API_URL": base,
    }})
    return GitHubStandIn(standin, emails)


def _github_callback(client, code: str = "gh-code"):
    started = client.get("/auth/oauth/github/authorize", {"redirect_to": APP})
    assert started.status_code == 302, started.content
    query = query_of(started["Location"])
    assert query["code_challenge_method"] == "S256" and "nonce" not in query
    assert query["scope"] == "read:user user:email"
    return client.get("/auth/oauth/github/callback", {"code": code, "state": query["state"]})


def test_github_sign_in_uses_the_primary_verified_address(federation, client, standin):
    _github(federation, standin, [
        {"email": "octo-old@example.com", "primary": False, "verified": True},
        {"email": "octocat@example.com", "primary": True, "verified": True},
    ])
    response = _github_callback(client)
    assert response.status_code == 302, response.content
    code = query_of(response["Location"])["code"]
    pair = client.post("/auth/oauth/exchange", {"code": code}, content_type="application/json").json()
    assert pair["user"]["email"] == "octocat@example.com"
    identity = Identity.objects.get()
    assert (identity.provider, identity.subject) == ("github", "583231")


def test_github_without_a_verified_primary_address_cannot_make_an_account(federation, client, standin):
    _github(federation, standin, [{"email": "octocat@example.com", "primary": True, "verified": False}])
    response = _github_callback(client)
    assert returned_with_error(response) == "provider_email_missing"


def test_github_refusing_the_code_is_provider_code_rejected(federation, client, standin):
    _github(federation, standin, [])
    response = _github_callback(client, code="not-the-code")
    assert returned_with_error(response) == "provider_code_rejected"


def test_the_reference_project_reads_providers_from_the_environment(monkeypatch):
    from config import settings as reference  # noqa: PLC0415

    monkeypatch.setenv("AUTHFORT_PROVIDER_CORP_ISSUER", "https://idp.example.com")
    monkeypatch.setenv("AUTHFORT_PROVIDER_CORP_CLIENT_ID", "corp-client")
    monkeypatch.setenv("AUTHFORT_PROVIDER_CORP_CLIENT_SECRET", "corp-secret")
    monkeypatch.setenv("AUTHFORT_PROVIDER_CORP_SCOPES", "openid,email")
    monkeypatch.setenv("AUTHFORT_PROVIDER_GITHUB_PRESET", "github")
    monkeypatch.setenv("AUTHFORT_PROVIDER_GITHUB_CLIENT_ID", "gh")
    assert reference._providers_from_env() == {
        "corp": {"ISSUER": "https://idp.example.com", "CLIENT_ID": "corp-client", "CLIENT_SECRET": "corp-secret",
                 "SCOPES": ["openid", "email"]},
        "github": {"PRESET": "github", "CLIENT_ID": "gh"},
    }
