"""The post-deploy smoke suite (`python -m smoke`) run as an operator runs it, against a real
server over HTTP: every check passes on a healthy deployment, and a broken promise gives one
clear FAIL line and exit status 1."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
from typing import Any

import pytest
import requests

from tests.helpers.live_server import REPO_ROOT
from tests.smoke.doctored_proxy import DoctoredJWKSProxy

pytestmark = pytest.mark.slow

CHECKS = (
    "health", "metadata", "jwks", "jwks-cache", "register", "login", "token", "me",
    "introspection", "refresh", "reuse", "logout", "cleanup",
)
ADMIN_EMAIL = "smoke-admin@example.com"
ADMIN_PASSWORD = "smoke admin correct horse 42"


def smoke(base_url: str, **env: str) -> subprocess.CompletedProcess[str]:
    clean = {k: v for k, v in os.environ.items() if k not in ("INTROSPECTION_SECRET", "SMOKE_ADMIN_EMAIL", "SMOKE_ADMIN_PASSWORD", "BASE_URL")}
    return subprocess.run(
        [sys.executable, "-m", "smoke", base_url],
        cwd=REPO_ROOT, env={**clean, **env}, capture_output=True, text=True, timeout=120, check=False,
    )


def lines(result: subprocess.CompletedProcess[str], prefix: str) -> list[str]:
    return [line for line in result.stdout.splitlines() if line.startswith(prefix)]


def with_private_member(jwks: dict[str, Any]) -> dict[str, Any]:
    first, *rest = jwks["keys"]
    return {"keys": [{**first, "d": "AQAB"}, *rest]}


def test_every_check_passes_against_a_live_server(auth_server) -> None:
    result = smoke(auth_server.url, INTROSPECTION_SECRET=auth_server.introspection_secret)

    assert result.returncode == 0, result.stdout + result.stderr
    assert [line.split(":")[0] for line in result.stdout.splitlines()] == [f"ok {check}" for check in CHECKS]
    assert "eyJ" not in result.stdout + result.stderr  # no token is ever printed
    assert auth_server.introspection_secret not in result.stdout + result.stderr


def test_without_an_introspection_secret_that_check_is_skipped_and_the_run_passes(auth_server) -> None:
    result = smoke(auth_server.url)

    assert result.returncode == 0, result.stdout
    assert "skip introspection: INTROSPECTION_SECRET not given" in result.stdout.splitlines()


def test_a_jwks_publishing_a_private_member_fails_with_one_clear_line(auth_server) -> None:
    kid = requests.get(auth_server.jwks_url, timeout=30).json()["keys"][0]["kid"]

    with DoctoredJWKSProxy(auth_server.url, with_private_member) as proxy:
        result = smoke(proxy.url)

    assert result.returncode == 1, result.stdout
    assert lines(result, "FAIL") == [f"FAIL jwks: key '{kid}' carries private member 'd'"]
    assert "ok token" in result.stdout.splitlines()  # the other promises still hold
    assert "Traceback" not in result.stderr


def test_an_empty_jwks_fails_and_the_token_check_that_needs_it_is_skipped(auth_server) -> None:
    with DoctoredJWKSProxy(auth_server.url, lambda jwks: {"keys": []}) as proxy:
        result = smoke(proxy.url)

    assert result.returncode == 1, result.stdout
    assert lines(result, "FAIL") == ["FAIL jwks: the key set is empty: no consumer can verify a token"]
    assert "skip token: an earlier check failed" in result.stdout.splitlines()


def test_a_jwks_whose_keys_lack_members_names_each_missing_one(auth_server) -> None:
    def stripped(jwks: dict[str, Any]) -> dict[str, Any]:
        return {"keys": [{k: v for k, v in key.items() if k not in ("use", "alg")} for key in jwks["keys"]]}

    kid = requests.get(auth_server.jwks_url, timeout=30).json()["keys"][0]["kid"]
    with DoctoredJWKSProxy(auth_server.url, stripped) as proxy:
        result = smoke(proxy.url)

    assert result.returncode == 1
    assert f"FAIL jwks: key '{kid}' lacks 'alg'" in lines(result, "FAIL")
    assert f"FAIL jwks: key '{kid}' lacks 'use'" in lines(result, "FAIL")


def test_no_server_fails_every_check_that_can_run_and_exits_1() -> None:
    with socket.socket() as sock:  # a port nobody listens on once closed
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]

    result = smoke(f"http://127.0.0.1:{port}")

    assert result.returncode == 1
    assert lines(result, "FAIL health: no answer from http://127.0.0.1:")
    assert "skip login: an earlier check failed" in result.stdout.splitlines()
    assert "Traceback" not in result.stderr


def test_with_admin_credentials_the_throwaway_account_is_banned(auth_server) -> None:
    subprocess.run(
        [sys.executable, "manage.py", "createsuperuser", "--noinput"],
        cwd=REPO_ROOT, check=True, capture_output=True, timeout=120,
        env={**auth_server.env, "DJANGO_SUPERUSER_EMAIL": ADMIN_EMAIL, "DJANGO_SUPERUSER_PASSWORD": ADMIN_PASSWORD},
    )

    result = smoke(auth_server.url, SMOKE_ADMIN_EMAIL=ADMIN_EMAIL, SMOKE_ADMIN_PASSWORD=ADMIN_PASSWORD)

    assert result.returncode == 0, result.stdout
    cleanup = lines(result, "ok cleanup: banned ")
    assert cleanup, result.stdout
    email = cleanup[0].removeprefix("ok cleanup: banned ")
    assert ADMIN_PASSWORD not in result.stdout + result.stderr
    # Banned means deactivated: read it from the server's database, as the admin would.
    shown = subprocess.run(
        [sys.executable, "manage.py", "shell", "-c",
         "from django.contrib.auth import get_user_model; "
         f"print(get_user_model().objects.get(email={email!r}).is_active)"],
        cwd=REPO_ROOT, env=auth_server.env, check=True, capture_output=True, text=True, timeout=120,
    )
    assert shown.stdout.splitlines()[-1] == "False"  # after the shell's auto-import notice
