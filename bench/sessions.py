"""Refresh and introspection load on a live auth server, and queries per request.

Helpers of bench/server.py (section 3), which starts the server on PostgreSQL:

- refresh requests/s: client threads, each rotating its own session's refresh
  token as fast as it can (every request is a real rotation: row lock, insert,
  two updates, an audit row, a signature);
- introspection requests/s: the same clients introspecting a live access token;
- queries per login, refresh, introspection, JWKS and trivial request, counted
  with CaptureQueriesContext through Django's test client (steady state: warm).
"""

from __future__ import annotations

import sys
import threading
import time
from collections.abc import Callable
from pathlib import Path

import requests

REPO_ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO_ROOT))

from tests.helpers.live_server import STRONG_PASSWORD, LiveAuthServer  # noqa: E402


def _throughput(threads: int, duration: float, setup: Callable[[], object], step: Callable[[requests.Session, object], object]) -> tuple[float, int, int]:
    """Run `step` in `threads` threads for `duration` seconds; (requests/s, ok, failed).

    `setup` prepares per-thread state before the clock starts; `step` returns the
    next state or raises AssertionError for a failed request.
    """
    states = [setup() for _ in range(threads)]
    barrier = threading.Barrier(threads + 1)
    counts = [[0, 0] for _ in range(threads)]
    deadline = [0.0]

    def worker(index: int) -> None:
        state = states[index]
        with requests.Session() as http:
            barrier.wait()
            while time.monotonic() < deadline[0]:
                try:
                    state = step(http, state)
                    counts[index][0] += 1
                except AssertionError:
                    counts[index][1] += 1

    pool = [threading.Thread(target=worker, args=(i,)) for i in range(threads)]
    for thread in pool:
        thread.start()
    deadline[0] = time.monotonic() + duration
    started = time.monotonic()
    barrier.wait()
    for thread in pool:
        thread.join()
    elapsed = time.monotonic() - started
    ok = sum(c[0] for c in counts)
    failed = sum(c[1] for c in counts)
    return ok / elapsed, ok, failed


def refresh_and_introspection(server: LiveAuthServer, threads: int, duration: float) -> dict[str, tuple[float, int, int]]:
    refresh_url = f"{server.url}/auth/refresh"
    introspect_url = server.introspection_url
    secret_header = {"Authorization": f"Bearer {server.introspection_secret}"}

    def new_session() -> str:
        return server.register()["refresh_token"]

    def rotate(http: requests.Session, refresh_token: object) -> str:
        response = http.post(refresh_url, json={"refresh_token": refresh_token}, timeout=30)
        if response.status_code != 200:
            raise AssertionError(response.status_code)
        return response.json()["refresh_token"]

    def new_access_token() -> str:
        return server.register()["access_token"]

    def introspect(http: requests.Session, token: object) -> object:
        response = http.post(introspect_url, data={"token": token}, headers=secret_header, timeout=30)
        if response.status_code != 200 or response.json().get("active") is not True:
            raise AssertionError(response.status_code)
        return token

    return {
        "refresh": _throughput(threads, duration, new_session, rotate),
        "introspection": _throughput(threads, duration, new_access_token, introspect),
    }


def count_queries(server: LiveAuthServer) -> dict[str, int]:
    """Queries per request, counted in this process on the server's own database.

    The caller has set up Django with the server's settings (bench/server.py does);
    each request runs once to warm the key store and verifier, then once counted.
    """
    from django.db import connection
    from django.test.utils import CaptureQueriesContext
    from rest_framework.test import APIClient

    client = APIClient(HTTP_HOST="127.0.0.1")
    email = f"bench-queries-{time.time_ns()}@example.com"
    assert client.post("/auth/register", {"email": email, "password": STRONG_PASSWORD}, format="json").status_code == 201
    secret = {"HTTP_AUTHORIZATION": f"Bearer {server.introspection_secret}"}

    def measured(call: Callable[[], object]) -> tuple[int, object]:
        call()  # warm: key store, verifier, content types
        with CaptureQueriesContext(connection) as captured:
            result = call()
        return len(captured.captured_queries), result

    def login() -> dict:
        response = client.post("/auth/login", {"email": email, "password": STRONG_PASSWORD}, format="json")
        assert response.status_code == 200, response.content
        return response.json()

    login_queries, pair = measured(login)
    chain = [pair["refresh_token"]]

    def refresh() -> dict:
        response = client.post("/auth/refresh", {"refresh_token": chain[-1]}, format="json")
        assert response.status_code == 200, response.content
        chain.append(response.json()["refresh_token"])
        return response.json()

    refresh_queries, refreshed = measured(refresh)

    def introspect() -> dict:
        response = client.post("/auth/introspect", {"token": refreshed["access_token"]}, format="json", **secret)
        assert response.json()["active"] is True
        return response.json()

    introspection_queries, _ = measured(introspect)

    def get(path: str) -> Callable[[], object]:
        def call() -> object:
            response = client.get(path)
            assert response.status_code == 200, (path, response.status_code)
            return response
        return call

    jwks_queries, _ = measured(get("/.well-known/jwks.json"))
    trivial_queries, _ = measured(get("/bench/trivial"))
    connection.close()
    return {"login": login_queries, "refresh": refresh_queries, "introspection": introspection_queries,
            "jwks": jwks_queries, "trivial": trivial_queries}
