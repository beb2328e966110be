"""A real OpenID Provider (npm oidc-provider, tests/oidc_provider/) in its own process,
and a browser that signs in through its login and consent pages.

The provider is installed by `npm ci --prefix tests/oidc_provider` (.ci/run does it).
Missing, these tests fail in CI (CI=true) and are skipped with that command elsewhere.
Our server is driven with Django's test client; every request between our server and
the provider (discovery, JWKS, token endpoint) and between the browser and the
provider is real HTTP over loopback.
"""

from __future__ import annotations

import html
import json
import os
import re
import shutil
from collections.abc import Iterator
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, urlencode, urljoin, urlsplit

import pytest
import requests

from authfort_django.federation import discovery, id_tokens
from tests.helpers.service_process import ServiceProcess

REPO_ROOT = Path(__file__).resolve().parents[3]
PROVIDER_DIR = REPO_ROOT / "tests" / "oidc_provider"

CLIENT_ID = "authfort-web"
CLIENT_SECRET = "authfort-web-secret-0123456789abcdef"
OTHER_CLIENT_ID = "other-app"
OTHER_CLIENT_SECRET = "other-app-secret-0123456789abcdef"
CALLBACK = "http://testserver/auth/oauth/local/callback"
OTHER_CALLBACK = "http://127.0.0.1:9/other/callback"
APP = "https://app.example.com/after-sign-in"


class OpenIDProvider:
    def __init__(self, service: ServiceProcess) -> None:
        self.service = service
        self.issuer = service.url

    def set_account(self, login: str, **claims: Any) -> None:
        response = requests.post(
            f"{self.issuer}/__test/accounts", json={"id": login, "claims": claims}, timeout=5
        )
        response.raise_for_status()

    def rotate_keys(self) -> str:
        response = requests.post(f"{self.issuer}/__test/rotate", timeout=5)
        response.raise_for_status()
        return response.json()["kid"]


@pytest.fixture(scope="session")
def oidc_provider(tmp_path_factory: pytest.TempPathFactory) -> Iterator[OpenIDProvider]:
    if not (PROVIDER_DIR / "node_modules" / "oidc-provider").is_dir() or shutil.which("node") is None:
        message = "the test OpenID Provider is not installed: run `npm ci --prefix tests/oidc_provider` (needs node)"
        if os.environ.get("CI"):
            pytest.fail(message)
        pytest.skip(message)
    clients = [
        {
            "client_id": CLIENT_ID,
            "client_secret": CLIENT_SECRET,
            "redirect_uris": [CALLBACK],
            "grant_types": ["authorization_code"],
            "response_types": ["code"],
            "token_endpoint_auth_method": "client_secret_basic",
        },
        {
            "client_id": OTHER_CLIENT_ID,
            "client_secret": OTHER_CLIENT_SECRET,
            "redirect_uris": [OTHER_CALLBACK],
            "grant_types": ["authorization_code"],
            "response_types": ["code"],
            "token_endpoint_auth_method": "client_secret_basic",
        },
    ]
    service = ServiceProcess(
        "oidc-provider",
        ["node", "server.js"],
        cwd=PROVIDER_DIR,
        env={"CLIENTS": json.dumps(clients)},
        workdir=tmp_path_factory.mktemp("oidc-provider"),
        health_path="/__test/health",
    )
    service.env["PORT"] = str(service.port)
    service.start()
    try:
        yield OpenIDProvider(service)
    finally:
        service.stop()


class FakeClocks:
    """The federation package's clocks, moved by hand (ID-token expiry, JWKS refetch spacing)."""

    def __init__(self) -> None:
        import time

        self.offset = 0.0
        self._time = time

    def advance(self, seconds: float) -> None:
        self.offset += seconds

    def wall(self) -> float:
        return self._time.time() + self.offset

    def monotonic(self) -> float:
        return self._time.monotonic() + self.offset


@pytest.fixture
def clocks(monkeypatch: pytest.MonkeyPatch) -> FakeClocks:
    fake = FakeClocks()
    monkeypatch.setattr(id_tokens, "wall_clock", fake.wall)
    monkeypatch.setattr(id_tokens, "monotonic_clock", fake.monotonic)
    monkeypatch.setattr(discovery, "clock", fake.monotonic)
    return fake


@pytest.fixture(autouse=True)
def fresh_provider_caches() -> Iterator[None]:
    """Each test discovers and fetches keys anew (providers differ between tests)."""
    discovery.forget()
    id_tokens.forget()
    yield
    discovery.forget()
    id_tokens.forget()


@pytest.fixture
def federation(settings, oidc_provider: OpenIDProvider, clocks: FakeClocks):
    """AUTHFORT with the local provider as `local`; returns an override function for more keys."""

    def override(**values: Any) -> None:
        settings.AUTHFORT = {**settings.AUTHFORT, **values}

    override(
        PROVIDERS={
            "local": {
                "ISSUER": oidc_provider.issuer,
                "CLIENT_ID": CLIENT_ID,
                "CLIENT_SECRET": CLIENT_SECRET,
                "TRUST_EMAIL": True,
            }
        },
        REDIRECT_ALLOWLIST=[APP],
    )
    return override


# -- the browser -------------------------------------------------------------------------

_FORM = re.compile(r'<form[^>]*action="([^"]+)"[^>]*method="post"[^>]*>(.*?)</form>', re.S)
_HIDDEN = re.compile(r'<input type="hidden" name="([^"]+)" value="([^"]*)"')


class Browser:
    """Follows redirects like a browser: requests to `testserver` go to Django's test
    client, everything else over real HTTP; fills in the provider's login and consent forms."""

    def __init__(self, client: Any) -> None:
        self.client = client
        self.http = requests.Session()

    def _ours(self, url: str) -> bool:
        return urlsplit(url).netloc == "testserver"

    def get_ours(self, url: str) -> Any:
        parts = urlsplit(url)
        return self.client.get(parts.path, parse_qs(parts.query))

    def start(self, provider: str = "local", **params: str) -> Any:
        """GET our authorize endpoint; its response (302 to the provider, or an error)."""
        query = {"redirect_to": APP, **params}
        return self.client.get(f"/auth/oauth/{provider}/authorize", query)

    def to_callback(self, provider_url: str, login: str, stop_at: str = "http://testserver/") -> str:
        """From the provider's authorization URL to the callback URL it sends the browser to
        (through its login and consent pages): the callback is not called."""
        url = provider_url
        for _ in range(20):
            response = self.http.get(url, allow_redirects=False, timeout=10)
            while response.status_code == 200 and "<form" in response.text:
                response = self._submit(url, response.text, login)
            if response.status_code not in (302, 303):
                raise AssertionError(f"the provider answered {response.status_code}: {response.text[:500]}")
            url = urljoin(url, response.headers["Location"])
            if url.startswith(stop_at):
                return url
        raise AssertionError("too many redirects at the provider")

    def _submit(self, page_url: str, page: str, login: str) -> requests.Response:
        action, inner = _FORM.search(page).groups()
        fields = {name: html.unescape(value) for name, value in _HIDDEN.findall(inner)}
        if fields.get("prompt") == "login":
            fields.update(login=login, password="any password")
        return self.http.post(urljoin(page_url, html.unescape(action)), data=fields, allow_redirects=False, timeout=10)

    def sign_in(self, login: str, provider: str = "local", **params: str) -> Any:
        """The whole flow; our callback's response."""
        started = self.start(provider, **params)
        assert started.status_code == 302, started.content
        return self.get_ours(self.to_callback(started["Location"], login))


@pytest.fixture
def browser(client: Any) -> Browser:
    return Browser(client)


def query_of(url: str) -> dict[str, str]:
    return {k: v[0] for k, v in parse_qs(urlsplit(url).query).items()}


def with_query(url: str, **changes: str) -> str:
    parts = urlsplit(url)
    query = {**query_of(url), **changes}
    return parts._replace(query=urlencode(query)).geturl()


def id_token_from(
    provider: OpenIDProvider, browser: Browser, login: str, *, client_id: str = CLIENT_ID, nonce: str | None = "n-0S6_WzA2Mj"
) -> str:
    """An ID token the provider issues to `client_id` (as a native app's SDK would get one):
    its own authorization-code flow with PKCE, outside our server."""
    import base64
    import hashlib
    import secrets

    secret, callback = {
        CLIENT_ID: (CLIENT_SECRET, CALLBACK),
        OTHER_CLIENT_ID: (OTHER_CLIENT_SECRET, OTHER_CALLBACK),
    }[client_id]
    verifier = secrets.token_urlsafe(32)
    challenge = base64.urlsafe_b64encode(hashlib.sha256(verifier.encode()).digest()).rstrip(b"=").decode()
    params = {
        "client_id": client_id, "response_type": "code", "scope": "openid email profile", "redirect_uri": callback,
        "state": secrets.token_urlsafe(8), "code_challenge": challenge, "code_challenge_method": "S256",
    }
    if nonce is not None:
        params["nonce"] = nonce
    landed = browser.to_callback(f"{provider.issuer}/auth?{urlencode(params)}", login, stop_at=callback)
    code = query_of(landed)["code"]
    response = requests.post(
        f"{provider.issuer}/token",
        data={"grant_type": "authorization_code", "code": code, "redirect_uri": callback, "code_verifier": verifier},
        auth=(client_id, secret),
        timeout=10,
    )
    response.raise_for_status()
    return response.json()["id_token"]


def returned_with_error(response: Any) -> str:
    """The `error` code of a callback that sent the browser back to the app (302 to the
    allowed `redirect_to`, no token, no exchange code); fails the test otherwise."""
    assert response.status_code == 302, getattr(response, "content", response)
    location = response["Location"]
    assert location.startswith(APP), location
    query = query_of(location)
    assert "code" not in query and not any(name.endswith("access_token") for name in response.cookies)
    return query["error"]
