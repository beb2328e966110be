"""schemathesis against a real server process: no 5xx, and every answer matches /api/schema.

The error responses are derived from the views (authfort_django/api/openapi.py), so
this is where the derivation meets real answers: a status the schema does not
document, or a body that does not match it, fails here.

Bounded (a fixed number of examples per operation, a fixed seed) so it fits in `make
test`. Four runs, because one Authorization header serves all requests of a run, and
no operation runs twice to the same effect: as an admin (what reads a caller's
credentials, but the endpoints that would end that admin's session), as an admin again
for the operations that can end the admin's own token, as an introspection client, and
anonymously (what a caller without credentials can use, what the admin runs leave out,
and one operation for the 401 of all that need a token).
"""

from __future__ import annotations

import json
import re
import subprocess
import sys
from collections.abc import Iterable
from pathlib import Path

import pytest

from tests.helpers.openapi import schema_operations

pytestmark = pytest.mark.slow

SCHEMATHESIS = str(Path(sys.executable).parent / "schemathesis")
ADMIN_EMAIL = "schema-admin@example.com"
ADMIN_PASSWORD = "schema admin passphrase 7"
CHECKS = ",".join(
    (
        "not_a_server_error",
        "status_code_conformance",
        "content_type_conformance",
        "response_schema_conformance",
        # Found that GET-only plain views answered other methods with the CSRF 403 page.
        "unsupported_method",
        # Not negative_data_rejection: DRF coerces 0 to "0" for a string field, and an
        # unusable introspection `token` is {"active": false} by design (RFC 7662).
    )
)
MAX_EXAMPLES = 12
# The admin run leaves out what would end its own session, and introspection (which takes
# the introspection secret, not a user's token).
ADMIN_RUN_EXCLUDES = "^/auth/(logout|logout-all|password|introspect)$"
SEED = 7


@pytest.fixture(scope="module")
def server(tmp_path_factory):
    from tests.helpers.live_server import LiveAuthServer

    # Configured as a deployment with mail would be, so the recovery endpoints do their
    # real work (unconfigured, they answer 503 by design); mail stays in memory.
    mail = {
        "AUTHFORT_FRONTEND_URL": "https://app.example.test",
        "EMAIL_BACKEND": "django.core.mail.backends.locmem.EmailBackend",
    }
    live = LiveAuthServer(tmp_path_factory.mktemp("schema_server"), workers=2, env=mail).start()
    live.env.update(DJANGO_SUPERUSER_EMAIL=ADMIN_EMAIL, DJANGO_SUPERUSER_PASSWORD=ADMIN_PASSWORD)
    live.manage("createsuperuser", "--noinput")
    yield live
    live.stop()


def _run(server, *options: str) -> subprocess.CompletedProcess[str]:
    command = [
        SCHEMATHESIS, "run", f"{server.url}/api/schema",
        "--checks", CHECKS,
        "--max-examples", str(MAX_EXAMPLES),
        "--seed", str(SEED),
        "--workers", "1",
        "--generation-database", "none",
        "--no-color",
        *options,
    ]
    # In the server's scratch directory: schemathesis leaves a .schemathesis/ folder behind.
    return subprocess.run(command, cwd=server.workdir, capture_output=True, text=True, timeout=900)


def _assert_passed(result: subprocess.CompletedProcess[str]) -> None:
    assert result.returncode == 0, result.stdout[-20000:] + result.stderr[-5000:]


@pytest.fixture(scope="module")
def operations(server) -> list[tuple[str, str, list | None]]:
    """(operationId, path, security) of every operation /api/schema describes."""
    schema = server.get("/api/schema", params={"format": "json"}).json()
    described = [
        (operation["operationId"], path, operation.get("security"))
        for _, path, operation in schema_operations(schema)
    ]
    # A renamed operation would otherwise drop out of a run unnoticed.
    assert set(SELF_ENDING) | {"auth_me_retrieve"} <= {operation_id for operation_id, _, _ in described}
    return described


def _each(option: str, operation_ids: Iterable[str]) -> list[str]:
    """`option` once per operation id, as schemathesis takes them: --exclude-operation-id a --exclude-operation-id b."""
    return [word for operation_id in operation_ids for word in (option, operation_id)]


def _token_refusals(har: Path) -> list[str]:
    """'METHOD url' of every answer in the run's HAR report that refused the caller's token
    as no longer valid (401 token_revoked): a run whose own token died tests nothing after."""
    entries = json.loads(har.read_text())["log"]["entries"]
    return [
        f"{entry['request']['method']} {entry['request']['url']}"
        for entry in entries
        if entry["response"]["status"] == 401
        and '"token_revoked"' in (entry["response"]["content"].get("text") or "")
    ]


def _ignores_credentials(security: list | None) -> bool:
    """No security requirement at all: the view has no authentication, so a token changes nothing."""
    return security is None


def _needs_a_token(security: list | None) -> bool:
    return bool(security) and {} not in security


# Operations that end the caller's own token when schemathesis aims them at the caller
# (it learns the admin's user and session ids from earlier answers): a role change bumps
# the token version, and ending one's own session ends its tokens. After that every
# request of the run is a 401, so they run on their own, after the rest. A ban is not
# among them: banning oneself is refused (cannot_ban_yourself).
SELF_ENDING = ("auth_users_roles_update", "auth_users_roles_destroy", "auth_sessions_destroy")


def _admin_token(server) -> str:
    return server.login(ADMIN_EMAIL, ADMIN_PASSWORD).json()["access_token"]


def test_as_an_admin(server, operations, tmp_path):
    """Every operation that reads a caller's credentials, but those that would end this
    admin's session and introspection. Those that ignore credentials answer alike with or
    without a token: the anonymous run covers them. The admin's token lives to the end."""
    ignoring = [operation_id for operation_id, _, security in operations if _ignores_credentials(security)]
    assert "auth_login_create" in ignoring and "auth_me_retrieve" not in ignoring
    har = tmp_path / "admin.har"

    _assert_passed(
        _run(
            server,
            "--header", f"Authorization: Bearer {_admin_token(server)}",
            "--exclude-path-regex", ADMIN_RUN_EXCLUDES,
            *_each("--exclude-operation-id", [*ignoring, *SELF_ENDING]),
            "--report", "har", "--report-har-path", str(har),
        )
    )
    assert _token_refusals(har) == []


def test_as_an_admin_the_operations_that_can_end_the_admins_own_token(server, operations):
    _assert_passed(
        _run(
            server,
            "--header", f"Authorization: Bearer {_admin_token(server)}",
            *_each("--include-operation-id", SELF_ENDING),
        )
    )


def test_as_an_introspection_client(server):
    _assert_passed(
        _run(
            server,
            "--header", f"Authorization: Bearer {server.introspection_secret}",
            "--include-path", "/auth/introspect",
        )
    )


def test_anonymously(server, operations):
    """Every operation a caller without credentials can use, and those the admin run leaves
    out. An operation that needs a token answers an anonymous caller only with the 401 of
    one authentication class: GET /auth/me stands for them all."""
    covered_by_the_admin = [
        operation_id
        for operation_id, path, security in operations
        if _needs_a_token(security) and not re.match(ADMIN_RUN_EXCLUDES, path) and operation_id != "auth_me_retrieve"
    ]
    assert "auth_roles_list" in covered_by_the_admin and "auth_login_create" not in covered_by_the_admin

    _assert_passed(_run(server, *_each("--exclude-operation-id", covered_by_the_admin)))
