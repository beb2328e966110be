"""The example consumers in examples/ as real processes against a real auth server.

orders_service (Django REST framework) and notifications_service (Flask) run
under gunicorn with two workers, configured only from the environment exactly as
examples/README.md starts them; every check goes over HTTP. This is the README's
flow (register, log in, call both services), the roles flow (grant `admin`
through the API, log in again) and the documented trade-off: ordinary endpoints
verify locally and keep accepting a token until it expires, while the refund
asks the auth server and refuses a token as soon as its session ends. The refund
also requires multi-factor authentication no older than 10 minutes, so its callers
sign in with a TOTP code first (tests/helpers/mfa.py; the step-up challenge itself is
tested in test_step_up_live.py).
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import uuid
from collections.abc import Iterator

import pytest
import requests

from tests.helpers.consumers import (
    EXAMPLES,
    Consumers,
    consumer_env,
    gunicorn_command,
    start_consumers,
)
from tests.helpers.e2e_http import (
    access_token,
    assert_bearer_challenge,
    bearer,
    eventually,
    sent_tokens,
    tampered,
)
from tests.helpers.live_server import REPO_ROOT, STRONG_PASSWORD
from tests.helpers.mfa import mfa_tokens
from tests.helpers.service_process import ServiceProcess

pytestmark = pytest.mark.slow

# The locally verified read of each service: (service attribute, path).
READS = [("orders", "/api/orders"), ("notifications", "/api/unread")]


@pytest.fixture(scope="module")
def consumers(auth_server, tmp_path_factory) -> Iterator[Consumers]:
    started = start_consumers(auth_server, tmp_path_factory.mktemp("consumers"))
    yield started
    started.stop()


@pytest.fixture(scope="module")
def admin_token(auth_server) -> str:
    """A staff account's access token; the `admin` role exists on the server."""
    email = f"staff-{uuid.uuid4().hex[:8]}@example.com"
    subprocess.run(
        [sys.executable, "manage.py", "createsuperuser", "--noinput"],
        cwd=REPO_ROOT, check=True, capture_output=True, timeout=120,
        env={**auth_server.env, "DJANGO_SUPERUSER_EMAIL": email, "DJANGO_SUPERUSER_PASSWORD": STRONG_PASSWORD},
    )
    token = access_token(auth_server.login(email))
    created = auth_server.post("/auth/roles", {"name": "admin"}, headers=bearer(token))
    assert created.status_code in (201, 409), created.text  # 409: another module made it first
    return token


def grant(auth_server, admin_token: str, account: dict, role: str) -> str:
    """Give the account `role` through the admin API; returns a fresh token that carries it."""
    granted = requests.put(
        f"{auth_server.url}/auth/users/{account['user']['id']}/roles/{role}",
        headers=bearer(admin_token), timeout=30,
    )
    assert granted.status_code == 204, granted.text
    # A role change bumps token_version: only a new login carries the role.
    return access_token(auth_server.login(account["email"]))


def assert_no_token_logged(service: ServiceProcess) -> None:
    """No token sent by these tests, nor its signature alone, is in the service's log."""
    log = service.log_text()
    assert " /api/" in log, f"{service.name} wrote no access log"
    leaked = [token for token in sent_tokens if token.rpartition(".")[2] in log]
    assert not leaked, f"{service.name} logged {len(leaked)} token(s)"


# -- start-up -------------------------------------------------------------------------
@pytest.mark.parametrize(("name", "app", "missing"), [
    ("orders", "orders_service.wsgi", "AUTH_ISSUER"),
    ("orders", "orders_service.wsgi", "AUTH_INTROSPECTION_SECRET"),
    ("notifications", "app:app", "AUTH_JWKS_URL"),
    ("notifications", "app:app", "AUTH_AUDIENCE"),
])
def test_a_service_without_a_variable_refuses_to_start_and_names_it(auth_server, tmp_path, name, app, missing):
    env = consumer_env(auth_server)
    del env[missing]
    folder = "orders_service" if name == "orders" else "notifications_service"
    service = ServiceProcess(name, gunicorn_command(app, workers=1), cwd=EXAMPLES / folder, env=env,
                             workdir=tmp_path, health_path="/api/ping")

    with pytest.raises(RuntimeError, match="exited early") as failed:
        service.start(timeout=60)

    assert f"Set the {missing} environment variable" in str(failed.value)


def manage_check(env: dict[str, str]) -> subprocess.CompletedProcess[str]:
    """`manage.py check` of the orders example, with only the environment it is given."""
    return subprocess.run(
        [sys.executable, "manage.py", "check"], cwd=EXAMPLES / "orders_service", capture_output=True, text=True,
        timeout=120, env={"PATH": os.environ.get("PATH", ""), **env},
    )


def test_orders_manage_py_check_passes_with_the_documented_environment(auth_server):
    result = manage_check(consumer_env(auth_server))

    assert result.returncode == 0, result.stderr
    assert "System check identified no issues" in result.stdout


def test_orders_manage_py_check_refuses_a_plain_http_key_set_on_another_host(auth_server):
    result = manage_check(consumer_env(auth_server, AUTH_JWKS_URL="http://auth.example.com/.well-known/jwks.json"))

    assert result.returncode != 0
    assert "verifier_client.E005" in result.stderr
    assert "VERIFIER_CLIENT['JWKS_URL']" in result.stderr and "https://" in result.stderr


def test_ping_is_public_and_needs_no_token(consumers):
    for service in consumers:
        response = service.get("/api/ping", headers={"Authorization": "Bearer not-even-a-token"})
        assert response.status_code == 200, response.text
        assert response.json() == {"status": "ok"}


# -- the README flow ------------------------------------------------------------------
def test_register_log_in_and_call_both_services(consumers, auth_server):
    account = auth_server.register()
    token = access_token(auth_server.login(account["email"]))
    user_id = str(account["user"]["id"])

    orders = consumers.orders.get("/api/orders", headers=bearer(token))
    whoami = consumers.orders.get("/api/whoami", headers=bearer(token))
    unread = consumers.notifications.get("/api/unread", headers=bearer(token))

    assert orders.status_code == 200, orders.text
    assert orders.json()["user"] == user_id
    assert [order["id"] for order in orders.json()["orders"]] == [1001, 1002]
    assert whoami.status_code == 200, whoami.text
    assert whoami.json()["sub"] == user_id
    assert whoami.json()["email"] == account["email"]
    assert whoami.json()["aud"] == auth_server.audience
    assert whoami.json()["iss"] == auth_server.issuer
    assert unread.status_code == 200, unread.text
    assert unread.json()["user"] == user_id
    assert unread.json()["unread"]


@pytest.mark.parametrize(("service", "path"), READS)
def test_no_token_is_a_401_challenge(consumers, service, path):
    assert_bearer_challenge(getattr(consumers, service).get(path), code="not_authenticated")


@pytest.mark.parametrize(("service", "path"), READS)
def test_a_tampered_token_is_a_401(consumers, auth_server, service, path):
    token = tampered(auth_server.register()["access_token"])

    response = getattr(consumers, service).get(path, headers=bearer(token))

    assert_bearer_challenge(response, code="invalid_signature")


@pytest.fixture(scope="module")
def short_lived(tmp_path_factory):
    """A server whose access tokens live one second, and both consumers in front of it."""
    from tests.helpers.live_server import LiveAuthServer

    with LiveAuthServer(tmp_path_factory.mktemp("short_lived_auth"), env={"AUTHFORT_ACCESS_TOKEN_TTL": "1"}) as server:
        services = start_consumers(server, tmp_path_factory.mktemp("short_lived"))
        yield server, services
        services.stop()


def test_an_expired_token_is_a_401_at_both_services(short_lived):
    server, services = short_lived
    token = server.register()["access_token"]

    # Expiry is the consumers' verdict, not a timing claim of this test: poll
    # until the second has passed, then every read must refuse with token_expired.
    def expired_everywhere() -> bool:
        return all(getattr(services, service).get(path, headers=bearer(token)).status_code == 401
                   for service, path in READS)

    assert eventually(expired_everywhere, within=30)
    for service, path in READS:
        assert_bearer_challenge(getattr(services, service).get(path, headers=bearer(token)), code="token_expired")


# -- roles ----------------------------------------------------------------------------
def test_admin_endpoints_need_the_admin_role_granted_through_the_api(consumers, auth_server, admin_token):
    account = auth_server.register()
    plain = account["access_token"]

    refused = requests.delete(f"{consumers.orders.url}/api/orders/1001", headers=bearer(plain), timeout=30)
    assert refused.status_code == 403, refused.text
    assert refused.json()["code"] == "missing_role"

    admin = grant(auth_server, admin_token, account, "admin")

    # The token issued before the grant still lacks the role (roles are read when a token is
    # issued), and the 403 says how to get one that has it.
    stale = requests.delete(f"{consumers.orders.url}/api/orders/1001", headers=bearer(plain), timeout=30)
    assert stale.status_code == 403 and stale.json()["code"] == "missing_role"
    assert "log in again" in stale.json()["detail"]
    deleted = requests.delete(f"{consumers.orders.url}/api/orders/1001", headers=bearer(admin), timeout=30)
    assert deleted.status_code == 204, deleted.text


def test_sending_a_notification_needs_the_scope_not_a_role(consumers, auth_server, admin_token):
    """POST /api/notifications is for services (scope notifications:write): a user token,
    even an admin's, has no scopes (tests/e2e/test_client_credentials_live.py sends one)."""
    refused = consumers.notifications.post("/api/notifications", json={"text": "hi"}, headers=bearer(admin_token))

    assert refused.status_code == 403
    assert refused.json()["code"] == "insufficient_scope"


def test_an_admin_endpoint_still_answers_401_without_a_token(consumers):
    assert_bearer_challenge(requests.delete(f"{consumers.orders.url}/api/orders/1001", timeout=30),
                            code="not_authenticated")
    assert_bearer_challenge(consumers.notifications.post("/api/notifications", json={"text": "hi"}),
                            code="not_authenticated")


# -- introspection: local checks until exp, the live check at once --------------------
@pytest.fixture(scope="module")
def one_worker(auth_server, tmp_path_factory) -> Iterator[Consumers]:
    """Both services with their default settings and one worker each, so every request
    of a test reaches the process that answered the one before: had it kept the earlier
    "active" answer, the test would see it."""
    started = start_consumers(auth_server, tmp_path_factory.mktemp("one_worker"), workers=1)
    yield started
    started.stop()


def test_with_the_defaults_the_refund_right_after_a_logout_is_a_401(one_worker, auth_server):
    account = mfa_tokens(auth_server)  # the refund requires MFA: a fresh one passes it
    token = account.access_token
    refunded = one_worker.orders.post("/api/orders/1001/refund", headers=bearer(token))
    assert refunded.status_code == 200, refunded.text
    assert refunded.json() == {"order": 1001, "status": "refunded", "by": account.user_id,
                              "notified": False}  # no NOTIFICATIONS_URL here

    logout = auth_server.post("/auth/logout", headers=bearer(token))
    assert logout.status_code == 204, logout.text

    # No wait: the live check asks the auth server on every request by default. The token
    # still says a fresh MFA (checked locally), so the refusal is the live check's.
    assert_bearer_challenge(one_worker.orders.post("/api/orders/1001/refund", headers=bearer(token)),
                            code="token_inactive")
    assert_bearer_challenge(one_worker.notifications.post("/api/unsubscribe", headers=bearer(token)),
                            code="token_inactive")
    # The documented trade-off: a token verified locally stays good until it expires.
    for service, path in READS:
        assert getattr(one_worker, service).get(path, headers=bearer(token)).status_code == 200


def test_with_the_defaults_a_flask_live_check_right_after_a_ban_is_a_401(one_worker, auth_server, admin_token):
    account = auth_server.register()
    token = account["access_token"]
    allowed = one_worker.notifications.post("/api/unsubscribe", headers=bearer(token))
    assert allowed.status_code == 200, allowed.text

    banned = auth_server.post(f"/auth/users/{account['user']['id']}/ban", headers=bearer(admin_token))
    assert banned.status_code == 204, banned.text

    assert_bearer_challenge(one_worker.notifications.post("/api/unsubscribe", headers=bearer(token)),
                            code="token_inactive")
    assert one_worker.notifications.get("/api/unread", headers=bearer(token)).status_code == 200


def test_unsubscribe_is_checked_live_with_the_auth_server(consumers, auth_server):
    account = auth_server.register()

    response = consumers.notifications.post("/api/unsubscribe", headers=bearer(account["access_token"]))

    assert response.status_code == 200, response.text
    assert response.json() == {"user": str(account["user"]["id"]), "subscribed": False}


def test_refund_of_an_unknown_order_is_a_404_with_a_reason(consumers, auth_server):
    token = mfa_tokens(auth_server).access_token

    response = consumers.orders.post("/api/orders/9999/refund", headers=bearer(token))

    assert response.status_code == 404, response.text
    assert response.json()["code"] == "not_found"
    assert "9999" in response.json()["detail"]


# -- errors outside the views: JSON too -------------------------------------------------
@pytest.mark.parametrize("service", ["orders", "notifications"])
def test_an_unknown_path_is_a_json_404(consumers, service):
    response = getattr(consumers, service).get("/no/such/path")

    assert response.status_code == 404, response.text
    assert response.headers["Content-Type"].startswith("application/json")
    assert set(response.json()) == {"detail", "code"} and response.json()["code"] == "not_found"


def test_a_wrong_method_is_a_json_405_that_names_the_allowed_ones(consumers, auth_server):
    flask_405 = consumers.notifications.get("/api/notifications")
    # DRF authenticates and checks permissions before it looks at the method: with a token
    # that meets the refund's (MFA, active), so the 405 is what is left.
    drf_405 = consumers.orders.get("/api/orders/1001/refund", headers=bearer(mfa_tokens(auth_server).access_token))

    for response in (flask_405, drf_405):
        assert response.status_code == 405, response.text
        assert response.json()["code"] == "method_not_allowed" and response.json()["detail"]
        assert "POST" in response.headers["Allow"]


RENDER_DJANGO_ERRORS = """
import json
import django
from django.test import RequestFactory
from django.urls import get_resolver

django.setup()
resolver, request = get_resolver(), RequestFactory().get("/")
answers = {
    "400": resolver.resolve_error_handler(400)(request, Exception("Invalid HTTP_HOST header: 'evil'")),
    "403": resolver.resolve_error_handler(403)(request, Exception("no")),
    "500": resolver.resolve_error_handler(500)(request),
}
print(json.dumps({status: [r.status_code, r["Content-Type"], json.loads(r.content)] for status, r in answers.items()}))
"""

RENDER_FLASK_500 = """
import json
from app import app

@app.get("/boom")
def boom():
    raise RuntimeError("internal detail")

response = app.test_client().get("/boom")
print(json.dumps([response.status_code, response.headers["Content-Type"], response.get_json()]))
"""


def test_django_error_handlers_of_the_orders_example_answer_json(auth_server):
    # handler400/403/500 have no route that reaches them on purpose: Django's own resolver calls them here.
    result = subprocess.run(
        [sys.executable, "-c", RENDER_DJANGO_ERRORS], cwd=EXAMPLES / "orders_service", capture_output=True,
        text=True, timeout=120, env={**os.environ, **consumer_env(auth_server), "DJANGO_SETTINGS_MODULE": "orders_service.settings"},
    )
    assert result.returncode == 0, result.stderr
    answers = json.loads(result.stdout)

    for status, code in (("400", "bad_request"), ("403", "permission_denied"), ("500", "server_error")):
        got_status, content_type, body = answers[status]
        assert got_status == int(status) and content_type == "application/json"
        assert set(body) == {"detail", "code"} and body["code"] == code
    assert "evil" not in answers["400"][2]["detail"]  # the request is not echoed


def test_an_unhandled_flask_error_is_a_json_500_without_its_message(auth_server):
    result = subprocess.run(
        [sys.executable, "-c", RENDER_FLASK_500], cwd=EXAMPLES / "notifications_service", capture_output=True,
        text=True, timeout=120, env={**os.environ, **consumer_env(auth_server)},
    )
    assert result.returncode == 0, result.stderr
    status, content_type, body = json.loads(result.stdout.strip().splitlines()[-1])

    assert status == 500 and content_type == "application/json"
    assert body == {"detail": "Something went wrong on our side; try again later.", "code": "server_error"}


# -- logs -----------------------------------------------------------------------------
def test_consumer_logs_hold_no_token_or_secret(consumers, auth_server):
    # Every path once more, so the logs hold something whatever ran before.
    token = auth_server.register()["access_token"]
    consumers.orders.get("/api/orders", headers=bearer(token))
    consumers.orders.get("/api/whoami", headers=bearer(tampered(token)))
    consumers.orders.post("/api/orders/1001/refund", headers=bearer(token))  # 401 mfa_required
    consumers.orders.post("/api/orders/1001/refund", headers=bearer(mfa_tokens(auth_server).access_token))  # 200
    consumers.notifications.get("/api/unread", headers=bearer(token))
    consumers.notifications.post("/api/notifications", json={"text": "x"}, headers=bearer(tampered(token)))

    for service in consumers:
        assert_no_token_logged(service)
        assert auth_server.introspection_secret not in service.log_text()
