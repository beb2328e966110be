"""The example consumers in examples/ as real processes against a real auth server.

orders_service (Django REST framework) and notifications_service (Flask) run
under gunicorn, configured only from the environment, exactly as
examples/README.md starts them; every check goes over HTTP. They pin the
documented trade-off: ordinary endpoints verify locally and keep accepting a
token until it expires, while the sensitive ones (refund, urgent) ask the auth
server and refuse a token as soon as its session ends.
"""

from __future__ import annotations

import base64
import json
import subprocess
import sys
import time
import uuid
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest
import requests

from tests.helpers.live_server import REPO_ROOT, STRONG_PASSWORD, LiveAuthServer
from tests.helpers.service_process import ServiceProcess

pytestmark = pytest.mark.slow

EXAMPLES = REPO_ROOT / "examples"

# Every token these tests send, so the last test can prove none reached a log.
_sent_tokens: set[str] = set()


@dataclass
class Consumers:
    orders: ServiceProcess
    notifications: ServiceProcess

    def stop(self) -> None:
        self.orders.stop()
        self.notifications.stop()


def start_consumers(server: LiveAuthServer, workdir: Path, *, audience: str | None = None) -> Consumers:
    """Both example services pointed at `server`, each expecting `audience` (default: the server's)."""
    env = {
        "AUTHFORT_URL": server.url,
        "INTROSPECTION_SECRET": server.introspection_secret,
        "SECRET_KEY": "e2e-" + uuid.uuid4().hex,
        "ALLOWED_HOSTS": "127.0.0.1",
        # Ask the server on every sensitive request, so a logout shows at once.
        "INTROSPECTION_CACHE_TTL": "0",
    }
    # One worker: its JWKS cache is the one whose refetch the rotation test watches.
    gunicorn = [sys.executable, "-m", "gunicorn", "--bind", "127.0.0.1:{port}", "--workers", "1",
                "--access-logfile", "-"]
    orders = ServiceProcess(
        "orders",
        [*gunicorn, "orders_service.wsgi"],
        cwd=EXAMPLES / "orders_service",
        env={**env, "ORDERS_AUDIENCE": audience or server.audience},
        workdir=workdir,
    ).start()
    try:
        notifications = ServiceProcess(
            "notifications",
            [*gunicorn, "app:app"],
            cwd=EXAMPLES / "notifications_service",
            env={**env, "NOTIFICATIONS_AUDIENCE": audience or server.audience},
            workdir=workdir,
        ).start()
    except BaseException:
        orders.stop()
        raise
    return Consumers(orders, notifications)


@pytest.fixture(scope="module")
def consumers(auth_server, tmp_path_factory) -> Iterator[Consumers]:
    started = start_consumers(auth_server, tmp_path_factory.mktemp("consumers"))
    yield started
    started.stop()


@pytest.fixture(scope="module")
def admin_token(auth_server) -> str:
    """A staff account's access token, and the roles the examples use created on the server."""
    email = f"admin-{uuid.uuid4().hex[:8]}@example.com"
    subprocess.run(
        [sys.executable, "manage.py", "createsuperuser", "--noinput"],
        cwd=REPO_ROOT, check=True, capture_output=True, timeout=120,
        env={**auth_server.env, "DJANGO_SUPERUSER_EMAIL": email, "DJANGO_SUPERUSER_PASSWORD": STRONG_PASSWORD},
    )
    token = access_token(auth_server.login(email))
    for role in ("support", "admin"):
        created = auth_server.post("/auth/roles", {"name": role}, headers=bearer(token))
        assert created.status_code in (201, 409), created.text  # 409: another module made it first
    return token


# -- helpers --------------------------------------------------------------------------
def bearer(token: str) -> dict[str, str]:
    _sent_tokens.add(token)
    return {"Authorization": f"Bearer {token}"}


def access_token(login: requests.Response) -> str:
    assert login.status_code == 200, login.text
    return login.json()["access_token"]


def kid_of(token: str) -> str:
    header = token.split(".")[0]
    return json.loads(base64.urlsafe_b64decode(header + "=" * (-len(header) % 4)))["kid"]


def tampered(token: str) -> str:
    """The token with the end of its signature changed."""
    head, _, signature = token.rpartition(".")
    return f"{head}.{signature[:-4]}{'AAAA' if signature[-4:] != 'AAAA' else 'BBBB'}"


def grant(auth_server, admin_token: str, account: dict, role: str) -> str:
    """Give the account `role` through the admin API; returns a fresh token that carries it."""
    granted = requests.put(
        f"{auth_server.url}/auth/users/{account['user']['id']}/roles/{role}",
        headers=bearer(admin_token), timeout=30,
    )
    assert granted.status_code == 204, granted.text
    # A role change bumps token_version: only a new login carries the role.
    return access_token(auth_server.login(account["email"]))


def assert_bearer_challenge(response: requests.Response, *, error: str | None = None) -> None:
    assert response.status_code == 401, response.text
    challenge = response.headers["WWW-Authenticate"]
    assert challenge.startswith("Bearer ")
    if error is not None:
        assert f'error="{error}"' in challenge
    assert response.headers["Content-Type"].startswith("application/json")
    assert "detail" in response.json()


def assert_no_token_logged(service: ServiceProcess) -> None:
    """No token sent in this module, nor its signature alone, is in the service's log."""
    log = service.log_text()
    assert " /" in log, f"{service.name} wrote no access log"
    leaked = [token for token in _sent_tokens if token.rpartition(".")[2] in log]
    assert not leaked, f"{service.name} logged {len(leaked)} token(s)"


def eventually(check: Callable[[], bool], *, within: float = 60.0) -> bool:
    """Poll `check` until it holds or `within` seconds pass (a bound, not a measurement)."""
    deadline = time.monotonic() + within
    while not check():
        if time.monotonic() > deadline:
            return False
        time.sleep(0.2)
    return True


# The locally verified endpoint of each service: (service attribute, path).
LOCAL_ENDPOINTS = [("orders", "/orders"), ("notifications", "/inbox")]


# -- everyday use ---------------------------------------------------------------------
def test_health_is_public(consumers):
    assert consumers.orders.get("/health").json() == {"status": "ok"}
    assert consumers.notifications.get("/health").json() == {"status": "ok"}


def test_a_registered_users_token_works_at_both_services(consumers, auth_server):
    account = auth_server.register()
    headers = bearer(account["access_token"])

    orders = consumers.orders.get("/orders", headers=headers)
    inbox = consumers.notifications.get("/inbox", headers=headers)

    assert orders.status_code == 200, orders.text
    assert orders.json()["sub"] == str(account["user"]["id"])
    assert orders.json()["email"] == account["email"]
    assert orders.json()["orders"]
    assert inbox.status_code == 200, inbox.text
    assert inbox.json()["sub"] == str(account["user"]["id"])
    assert inbox.json()["email"] == account["email"]


@pytest.mark.parametrize(("service", "path"), LOCAL_ENDPOINTS)
def test_no_token_gets_a_bearer_challenge(consumers, service, path):
    assert_bearer_challenge(getattr(consumers, service).get(path))


@pytest.mark.parametrize(("service", "path"), LOCAL_ENDPOINTS)
def test_a_tampered_token_is_refused(consumers, auth_server, service, path):
    token = tampered(auth_server.register()["access_token"])

    response = getattr(consumers, service).get(path, headers=bearer(token))

    assert_bearer_challenge(response, error="invalid_token")
    assert response.json()["code"] == "invalid_signature"


@pytest.fixture(scope="module")
def consumers_of_another_audience(auth_server, tmp_path_factory) -> Iterator[Consumers]:
    started = start_consumers(auth_server, tmp_path_factory.mktemp("billing"), audience="billing")
    yield started
    started.stop()


@pytest.mark.parametrize(("service", "path"), LOCAL_ENDPOINTS)
def test_a_token_for_another_audience_is_refused(consumers_of_another_audience, auth_server, service, path):
    token = auth_server.register()["access_token"]

    response = getattr(consumers_of_another_audience, service).get(path, headers=bearer(token))

    assert_bearer_challenge(response, error="invalid_token")
    assert response.json()["code"] == "invalid_audience"


# -- roles ----------------------------------------------------------------------------
def test_refund_needs_the_support_role(consumers, auth_server, admin_token):
    account = auth_server.register()

    refused = consumers.orders.post("/orders/1001/refund", headers=bearer(account["access_token"]))
    assert refused.status_code == 403, refused.text
    assert refused.headers["Content-Type"].startswith("application/json")

    token = grant(auth_server, admin_token, account, "support")
    refunded = consumers.orders.post("/orders/1001/refund", headers=bearer(token))

    assert refunded.status_code == 200, refunded.text
    assert refunded.json() == {"order": 1001, "status": "refunded", "by": str(account["user"]["id"])}


def test_broadcast_needs_the_admin_role(consumers, auth_server, admin_token):
    account = auth_server.register()

    refused = consumers.notifications.post("/broadcast", json={"message": "hi"},
                                           headers=bearer(account["access_token"]))
    assert refused.status_code == 403, refused.text
    assert refused.json()["code"] == "missing_role"

    token = grant(auth_server, admin_token, account, "admin")
    sent = consumers.notifications.post("/broadcast", json={"message": "hi"}, headers=bearer(token))

    assert sent.status_code == 202, sent.text
    assert sent.json()["by"] == str(account["user"]["id"])


# -- revocation: local checks until exp, live checks at once --------------------------
def test_after_logout_local_checks_pass_and_live_checks_refuse(consumers, auth_server, admin_token):
    account = auth_server.register()
    token = grant(auth_server, admin_token, account, "support")
    assert consumers.orders.post("/orders/1001/refund", headers=bearer(token)).status_code == 200
    assert consumers.notifications.post("/urgent", headers=bearer(token)).status_code == 202

    logout = auth_server.post("/auth/logout", headers=bearer(token))
    assert logout.status_code == 204, logout.text

    # The documented trade-off: a token verified locally stays good until it expires...
    assert consumers.orders.get("/orders", headers=bearer(token)).status_code == 200
    assert consumers.notifications.get("/inbox", headers=bearer(token)).status_code == 200
    # ...while the endpoints that ask the auth server refuse it at once.
    for response in (
        consumers.orders.post("/orders/1001/refund", headers=bearer(token)),
        consumers.notifications.post("/urgent", headers=bearer(token)),
    ):
        assert_bearer_challenge(response, error="invalid_token")
        assert response.json()["code"] == "token_inactive"


# -- key rotation ---------------------------------------------------------------------
def test_a_key_rotation_reaches_both_services(start_auth_server, tmp_path_factory):
    # KEY_CACHE_TTL=0: the server's own workers sign with the new key as soon as it exists.
    server = start_auth_server(AUTHFORT_KEY_CACHE_TTL="0")
    services = start_consumers(server, tmp_path_factory.mktemp("rotation"))
    try:
        old = server.register()
        old_token = old["access_token"]
        for service, path in LOCAL_ENDPOINTS:  # each service now caches the old key set
            assert getattr(services, service).get(path, headers=bearer(old_token)).status_code == 200

        server.manage("rotate_keys", "--now")
        new_token = access_token(server.login(old["email"]))
        assert kid_of(new_token) != kid_of(old_token)

        # An unknown kid makes each service refetch the JWKS, at most once per
        # min_refetch_interval (5 s) after its last fetch, hence "eventually". The
        # JWKS max-age is 300 s, so within the bound only that refetch can succeed.
        for service, path in LOCAL_ENDPOINTS:
            consumer = getattr(services, service)

            def accepts_new_token(consumer: ServiceProcess = consumer, path: str = path) -> bool:
                return consumer.get(path, headers=bearer(new_token)).status_code == 200

            assert eventually(accepts_new_token), f"{service} never accepted the new key; log:\n{consumer.log_text()}"
            # The retired key is still published, so tokens it signed still verify.
            assert consumer.get(path, headers=bearer(old_token)).status_code == 200
            assert_no_token_logged(consumer)
    finally:
        services.stop()


# -- logs -----------------------------------------------------------------------------
def test_consumer_logs_hold_no_token(consumers, auth_server):
    # Every path once more, so the logs hold something whatever ran before.
    account = auth_server.register()
    token = account["access_token"]
    consumers.orders.get("/orders", headers=bearer(token))
    consumers.orders.get("/orders", headers=bearer(tampered(token)))
    consumers.orders.post("/orders/1001/refund", headers=bearer(token))
    consumers.notifications.get("/inbox", headers=bearer(token))
    consumers.notifications.post("/urgent", headers=bearer(tampered(token)))

    for service in (consumers.orders, consumers.notifications):
        assert_no_token_logged(service)
        assert auth_server.introspection_secret not in service.log_text()
