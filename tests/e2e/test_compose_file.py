"""examples/docker-compose.yml stays wired to what the services actually read.

Docker is not needed: the file is parsed, the auth server's and the consumers'
settings are checked against each other, and each consumer's code is started
with exactly the environment the file gives it.
"""

from __future__ import annotations

import os
import subprocess
import sys

import pytest
import yaml

from tests.helpers.consumers import EXAMPLES

COMPOSE = yaml.safe_load((EXAMPLES / "docker-compose.yml").read_text())
SERVICES = COMPOSE["services"]
CONSUMERS = {
    "orders": (EXAMPLES / "orders_service", "import orders_service.wsgi"),
    "notifications": (EXAMPLES / "notifications_service", "import app"),
}


def env_of(name: str) -> dict[str, str]:
    return {key: str(value) for key, value in SERVICES[name]["environment"].items()}


@pytest.mark.parametrize("name", sorted(CONSUMERS))
def test_a_consumer_trusts_exactly_what_the_auth_server_issues(name):
    auth, consumer = env_of("auth"), env_of(name)

    assert consumer["AUTH_ISSUER"] == auth["AUTHFORT_ISSUER"]
    assert consumer["AUTH_JWKS_URL"] == auth["AUTHFORT_ISSUER"] + "/.well-known/jwks.json"
    assert consumer["AUTH_INTROSPECTION_URL"] == auth["AUTHFORT_ISSUER"] + "/auth/introspect"
    assert consumer["AUTH_AUDIENCE"] == auth["AUTHFORT_AUDIENCE"]
    assert consumer["AUTH_INTROSPECTION_SECRET"] in auth["AUTHFORT_INTROSPECTION_SECRETS"].split(",")


@pytest.mark.parametrize("name", sorted(CONSUMERS))
def test_a_consumer_starts_with_the_environment_the_file_gives_it(name):
    folder, statement = CONSUMERS[name]
    env = {"PATH": os.environ.get("PATH", ""), **env_of(name)}

    # The key fetch at import cannot reach http://auth:8000 here: it is logged and
    # left to the first request, so the import must still succeed.
    started = subprocess.run([sys.executable, "-c", statement], cwd=folder, env=env,
                             capture_output=True, text=True, timeout=120)

    assert started.returncode == 0, started.stderr


ONE_SHOT = {
    dependency
    for service in SERVICES.values()
    for dependency, condition in (service.get("depends_on") or {}).items()
    if condition.get("condition") == "service_completed_successfully"
}


def test_every_long_running_service_has_a_healthcheck():
    for name, service in SERVICES.items():
        if "maintenance" in service.get("profiles", []) or name in ONE_SHOT:
            continue
        assert service.get("healthcheck", {}).get("test"), f"{name} has no healthcheck"


def test_the_maintenance_job_rotates_keys_and_purges_expired_sessions():
    maintenance = SERVICES["maintenance"]
    command = " ".join(maintenance["command"])

    assert "rotate_keys --if-older-than" in command
    assert "purge_expired" in command
    assert env_of("maintenance") == {key: value for key, value in env_of("auth").items() if key != "GUNICORN_WORKERS"}


def test_the_demo_auth_server_keeps_the_admin_off():
    auth = env_of("auth")

    # Off by default without DEBUG (config/settings.py); the demo turns neither on.
    assert auth.get("DEBUG", "false") == "false"
    assert auth.get("ADMIN_ENABLED", "false") == "false"


def test_the_orders_client_is_created_with_the_scope_notifications_requires():
    orders, job = env_of("orders"), SERVICES["orders-client"]
    command = " ".join(job["command"])

    assert "create_client" in command and "--scope notifications:write" in command
    assert f"--audience {env_of('auth')['AUTHFORT_AUDIENCE']}" in command
    assert orders["AUTH_TOKEN_URL"] == env_of("auth")["AUTHFORT_ISSUER"] + "/auth/token"
    assert orders["ORDERS_CLIENT_FILE"].startswith("/clients/")
    assert '@auth.scopes_required("notifications:write")' in (EXAMPLES / "notifications_service" / "app.py").read_text()
