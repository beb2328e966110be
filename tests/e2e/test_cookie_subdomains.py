"""Cookie mode across subdomains: a browser-like client that keeps only cookies.

The auth server runs with `AUTHFORT_COOKIE_ENABLED` and the parent domain
`.example.test`; the consumers read the `access_token` cookie
(AUTH_COOKIE_NAME). The client reaches `auth.example.test`,
`orders.example.test` and `notifications.example.test`, all served on
127.0.0.1 (tests/helpers/loopback_hosts.py), so its cookie jar applies the real
domain rules. It never reads a token from a response body, and checks that no
body handed to it holds one; a Bearer client (token_delivery "body") uses the
same server beside it.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass

import pytest
import requests

from tests.helpers.consumers import Consumers, start_consumers
from tests.helpers.e2e_http import assert_bearer_challenge
from tests.helpers.live_server import STRONG_PASSWORD, LiveAuthServer
from tests.helpers.loopback_hosts import LoopbackHostsAdapter
from tests.helpers.mfa import mfa_tokens

pytestmark = pytest.mark.slow

TOKEN_MEMBERS = {"access_token", "refresh_token", "token_type"}


def assert_no_token_in(response: requests.Response) -> None:
    assert not TOKEN_MEMBERS & set(response.json()), response.text

PARENT = "example.test"
HOSTS = {f"auth.{PARENT}", f"orders.{PARENT}", f"notifications.{PARENT}"}


@dataclass
class Site:
    server: LiveAuthServer
    services: Consumers

    @property
    def auth(self) -> str:
        return f"http://auth.{PARENT}:{self.server.port}"

    @property
    def orders(self) -> str:
        return f"http://orders.{PARENT}:{self.services.orders.port}"

    @property
    def notifications(self) -> str:
        return f"http://notifications.{PARENT}:{self.services.notifications.port}"


@pytest.fixture(scope="module")
def site(tmp_path_factory) -> Iterator[Site]:
    """One auth server and both consumers for the module; each test logs in a new user."""
    env = {
        "AUTHFORT_COOKIE_ENABLED": "true",
        "AUTHFORT_COOKIE_DOMAIN": f".{PARENT}",
        "AUTHFORT_COOKIE_SECURE": "false",  # plain http on loopback; Secure in production
        "ALLOWED_HOSTS": f"127.0.0.1,localhost,auth.{PARENT}",
    }
    with LiveAuthServer(tmp_path_factory.mktemp("cookie_auth"), env=env) as server:
        services = start_consumers(server, tmp_path_factory.mktemp("cookie_consumers"),
                                   AUTH_COOKIE_NAME="access_token", ALLOWED_HOSTS=f"127.0.0.1,orders.{PARENT}")
        try:
            yield Site(server, services)
        finally:
            services.stop()


@pytest.fixture
def browser() -> requests.Session:
    session = requests.Session()
    session.mount("http://", LoopbackHostsAdapter(HOSTS))
    return session


def log_in(site: Site, browser: requests.Session, *, with_mfa: bool = False) -> str:
    """Log in at the auth server (with a TOTP code as well when `with_mfa`, as the refund
    requires); returns the user's id (the body is not otherwise used)."""
    if with_mfa:
        login = mfa_tokens(site.server, browser=browser, auth_url=site.auth).signed_in
    else:
        email = site.server.register()["email"]
        answer = browser.post(f"{site.auth}/auth/login", json={"email": email, "password": STRONG_PASSWORD}, timeout=30)
        assert answer.status_code == 200, answer.text
        login = answer.json()
    assert not TOKEN_MEMBERS & set(login), login
    domains = {cookie.name: cookie.domain for cookie in browser.cookies}
    assert domains == {"access_token": f".{PARENT}", "refresh_token": f".{PARENT}", "authfort_csrf": f".{PARENT}"}
    return login["user"]["id"]


def test_a_cookie_login_at_the_auth_server_is_accepted_by_both_consumers(site, browser):
    user_id = log_in(site, browser)

    whoami = browser.get(f"{site.orders}/api/whoami", timeout=30)
    unread = browser.get(f"{site.notifications}/api/unread", timeout=30)

    assert whoami.status_code == 200, whoami.text
    assert whoami.json()["sub"] == user_id
    assert unread.status_code == 200, unread.text
    assert unread.json()["user"] == user_id


def test_unsafe_requests_by_cookie_need_the_csrf_header(site, browser):
    log_in(site, browser, with_mfa=True)
    csrf = {"X-CSRF-Token": browser.cookies.get("authfort_csrf", domain=f".{PARENT}")}

    refused = [
        browser.post(f"{site.orders}/api/orders/1001/refund", timeout=30),
        browser.delete(f"{site.orders}/api/orders/1001", timeout=30),
        browser.post(f"{site.notifications}/api/notifications", json={"text": "hi"}, timeout=30),
        browser.post(f"{site.orders}/api/orders/1001/refund", headers={"X-CSRF-Token": "not-the-cookie"}, timeout=30),
    ]
    for response in refused:
        assert response.status_code == 403, response.text
        assert response.json()["code"] == "csrf_failed"
        assert "X-CSRF-Token" in response.json()["detail"]

    refunded = browser.post(f"{site.orders}/api/orders/1001/refund", headers=csrf, timeout=30)
    assert refunded.status_code == 200, refunded.text  # CSRF header, and the server confirms the token live


def test_logout_clears_the_cookies_and_the_consumers_then_ask_for_a_token(site, browser):
    log_in(site, browser)
    csrf = {"X-CSRF-Token": browser.cookies.get("authfort_csrf", domain=f".{PARENT}")}

    logout = browser.post(f"{site.auth}/auth/logout", headers=csrf, timeout=30)

    assert logout.status_code == 204, logout.text
    assert {cookie.name for cookie in browser.cookies} == set()
    assert_bearer_challenge(browser.get(f"{site.orders}/api/whoami", timeout=30), code="not_authenticated")
    assert_bearer_challenge(browser.get(f"{site.notifications}/api/unread", timeout=30), code="not_authenticated")


def test_a_cookie_refresh_renews_the_cookies_and_its_body_holds_no_token(site, browser):
    log_in(site, browser)
    csrf = {"X-CSRF-Token": browser.cookies.get("authfort_csrf", domain=f".{PARENT}")}
    before = browser.cookies.get("refresh_token", domain=f".{PARENT}")

    refreshed = browser.post(f"{site.auth}/auth/refresh", headers=csrf, timeout=30)

    assert refreshed.status_code == 200, refreshed.text
    assert_no_token_in(refreshed)
    assert browser.cookies.get("refresh_token", domain=f".{PARENT}") != before
    assert browser.get(f"{site.orders}/api/whoami", timeout=30).status_code == 200
    asked_for_body = browser.post(f"{site.auth}/auth/refresh", json={"token_delivery": "body"}, headers=csrf, timeout=30)
    assert asked_for_body.status_code == 400 and asked_for_body.json()["code"] == "token_delivery_refused"


def test_a_csrf_value_planted_from_another_session_is_refused_by_the_auth_server(site, browser):
    log_in(site, browser)
    other = requests.Session()
    other.mount("http://", LoopbackHostsAdapter(HOSTS))
    log_in(site, other)
    planted = other.cookies.get("authfort_csrf", domain=f".{PARENT}")
    browser.cookies.set("authfort_csrf", planted, domain=f".{PARENT}", path="/")

    refused = browser.post(f"{site.auth}/auth/logout", headers={"X-CSRF-Token": planted}, timeout=30)

    assert refused.status_code == 403, refused.text
    assert refused.json()["code"] == "csrf_failed"


def test_a_bearer_client_on_the_same_server_gets_its_tokens_in_the_body(site):
    email = site.server.register()["email"]
    mobile = requests.Session()  # keeps no cookies: it sends the token itself

    login = mobile.post(
        f"http://127.0.0.1:{site.server.port}/auth/login",
        json={"email": email, "password": STRONG_PASSWORD, "token_delivery": "body"},
        timeout=30,
    )

    assert login.status_code == 200, login.text
    assert not login.cookies
    tokens = login.json()
    whoami = requests.get(f"http://127.0.0.1:{site.services.orders.port}/api/whoami",
                          headers={"Authorization": f"Bearer {tokens['access_token']}"}, timeout=30)
    assert whoami.status_code == 200, whoami.text
    refreshed = requests.post(f"http://127.0.0.1:{site.server.port}/auth/refresh",
                              json={"refresh_token": tokens["refresh_token"]}, timeout=30)
    assert refreshed.status_code == 200 and "access_token" in refreshed.json()
