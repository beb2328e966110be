"""Section 2: what authentication costs an HTTP request, verifier_client beside simplejwt.

    .venv/bin/python bench/http_overhead.py [--seconds 3] [--rounds 5]

Starts a real auth server (SQLite; it only issues the token and serves JWKS),
then the orders example (examples/orders_service) under gunicorn with 2 sync
workers and bench.orders_settings, which adds /api/whoami-simplejwt to the same
project. Load comes from bench/load.py (`wrk`, or a Python generator in its own
process). Each round measures GET /api/ping (AllowAny, no token read), GET
/api/whoami (verifier_client's JWKSAuthentication) and GET /api/whoami-simplejwt
(simplejwt's JWTStatelessUserAuthentication), the order rotating every round;
each whoami is reported as the median of its per-round ratios to ping.

All requests carry one token, as a client reusing its access token does. That
favours verifier_client, which caches verified tokens (simplejwt does not), so a
second orders process with VERIFIED_CACHE_SIZE=0 measures a fresh verification.
"""

from __future__ import annotations

import argparse
import secrets
import statistics
import sys
import tempfile
from pathlib import Path

import jwt
import requests
from cryptography.hazmat.primitives import serialization

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from bench import load  # noqa: E402
from bench.report import Row, Section, emit, median_ratio  # noqa: E402
from tests.helpers.live_server import LiveAuthServer  # noqa: E402
from tests.helpers.service_process import ServiceProcess  # noqa: E402

PING, WHOAMI, SIMPLEJWT = "/api/ping", "/api/whoami", "/api/whoami-simplejwt"


def _verifying_key_pem(server: LiveAuthServer) -> str:
    """simplejwt takes a PEM, not a JWKS URL: the server's one signing key, converted."""
    (jwk,) = requests.get(server.jwks_url, timeout=10).json()["keys"]
    public = jwt.PyJWK(jwk).key
    return public.public_bytes(serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo).decode()


def _orders_env(server: LiveAuthServer, pem: str, verified_cache_size: str = "") -> dict[str, str]:
    return {
        "AUTH_JWKS_URL": server.jwks_url,
        "AUTH_ISSUER": server.issuer,
        "AUTH_AUDIENCE": server.audience,
        "AUTH_INTROSPECTION_URL": server.introspection_url,
        "AUTH_INTROSPECTION_SECRET": server.introspection_secret,
        "SECRET_KEY": secrets.token_urlsafe(40),
        "DEBUG": "false",
        "ALLOWED_HOSTS": "127.0.0.1",
        "DJANGO_SETTINGS_MODULE": "bench.orders_settings",
        "PYTHONPATH": str(ROOT),
        "BENCH_SIMPLEJWT_VERIFYING_KEY": pem,
        "BENCH_VERIFIED_CACHE_SIZE": verified_cache_size,
    }


def _start_orders(server: LiveAuthServer, workdir: Path, pem: str, *, verified_cache_size: str = "") -> ServiceProcess:
    env = _orders_env(server, pem, verified_cache_size)
    command = [
        sys.executable, "-m", "gunicorn", "orders_service.wsgi",
        "--bind", "127.0.0.1:{port}", "--workers", "2", "--preload",
        "--graceful-timeout", "2", "--no-control-socket",  # no access log: it would be measured too
    ]
    return ServiceProcess("orders-bench", command, cwd=ROOT / "examples" / "orders_service", env=env,
                          workdir=workdir, health_path=PING).start()


def _check(orders: ServiceProcess, token: str, paths: list[str]) -> None:
    """Both authenticated views must answer the token's claims, and refuse a request without it."""
    for path in paths[1:]:
        answer = orders.get(path, headers={"Authorization": f"Bearer {token}"})
        assert answer.status_code == 200 and answer.json()["sub"], (path, answer.status_code, answer.text)
        assert orders.get(path).status_code == 401, path


def _measure(orders: ServiceProcess, token: str, paths: list[str], rounds: int, seconds: float) -> dict[str, list[float]]:
    _check(orders, token, paths)
    headers = {"Authorization": f"Bearer {token}"}
    for path in paths:  # warm-up: imports, caches, the kernel's accept queue
        load.requests_per_second(orders.url + path, 1, headers=headers)
    rates: dict[str, list[float]] = {path: [] for path in paths}
    for index in range(rounds):
        shift = index % len(paths)
        for path in paths[shift:] + paths[:shift]:
            rates[path].append(load.requests_per_second(orders.url + path, seconds, headers=headers))
    return rates


def _in_process(server: LiveAuthServer, pem: str, token: str, rounds: int, requests_per_round: int = 300) -> dict[str, list[float]]:
    """Requests/s of each view through Django's test client in this process: the
    server's own work without HTTP, sockets or the load generator; rounds interleaved."""
    import os
    import time

    os.environ.update(_orders_env(server, pem))
    sys.path.insert(0, str(ROOT / "examples" / "orders_service"))
    import django

    django.setup()
    from django.test import Client

    client = Client(HTTP_HOST="127.0.0.1", HTTP_AUTHORIZATION=f"Bearer {token}")
    paths = [PING, WHOAMI, SIMPLEJWT]
    for path in paths:
        assert client.get(path).status_code == 200, path
    rates: dict[str, list[float]] = {path: [] for path in paths}
    for _ in range(rounds):
        for path in paths:
            start = time.perf_counter()
            for _ in range(requests_per_round):
                client.get(path)
            rates[path].append(requests_per_round / (time.perf_counter() - start))
    return rates


def run(seconds: float, rounds: int) -> Section:
    with tempfile.TemporaryDirectory() as tmp:
        workdir = Path(tmp)
        with LiveAuthServer(workdir / "auth", workers=1) as server:
            token = server.register()["access_token"]
            pem = _verifying_key_pem(server)
            orders = _start_orders(server, workdir, pem)
            try:
                cached = _measure(orders, token, [PING, WHOAMI, SIMPLEJWT], rounds, seconds)
            finally:
                orders.stop()
            orders = _start_orders(server, workdir, pem, verified_cache_size="0")
            try:
                fresh = _measure(orders, token, [PING, WHOAMI], rounds, seconds)
            finally:
                orders.stop()
            direct = _in_process(server, pem, token, rounds)

    def ratio(rates: dict[str, list[float]], path: str) -> float:
        # Each round's whoami against the ping of the same round: a neighbour's burst
        # on this shared machine then moves both sides of one ratio, not one median.
        return median_ratio(rates[path], rates[PING])

    section = Section(
        2, "HTTP overhead of authentication (orders example)",
        [
            "orders example under gunicorn, 2 sync workers, --preload, no access log; auth server (SQLite) "
            "in its own gunicorn process serving JWKS; all on the machine's 2 shared cores",
            f"load: {load.tool()}, 1 thread, 4 connections; {rounds} rounds x {seconds:g} s per endpoint after a "
            "1 s warm-up each, order rotating per round; figure = median rate, ratio = median of the per-round "
            "whoami/ping ratios",
            "one RS256 access token (RSA-2048) issued by the auth server, sent on every request; both whoami "
            "views return the token's claims; each is checked to answer 200 with it and 401 without",
            "verifier_client caches verified tokens, simplejwt does not: the second orders process runs with "
            "VERIFIED_CACHE_SIZE=0 so every request pays a full verification",
            "in process: the same three views through Django's test client in the bench process (one core, no "
            f"sockets), {rounds} interleaved rounds of 300 requests: the server's own cost, far less noisy",
        ],
    )
    base = statistics.median(cached[PING])
    section.rows.append(Row("GET /api/ping (AllowAny)", base, "req/s", 1.0, "ping", "baseline"))
    ours = ratio(cached, WHOAMI)
    section.rows.append(Row("GET /api/whoami, verifier_client JWKSAuthentication", statistics.median(cached[WHOAMI]),
                            "req/s", ours, "ping", "target >= 0.90"))
    peer = ratio(cached, SIMPLEJWT)
    section.rows.append(Row("GET /api/whoami-simplejwt, simplejwt stateless", statistics.median(cached[SIMPLEJWT]),
                            "req/s", peer, "ping", "issue measured 0.72"))
    section.rows.append(Row("GET /api/ping (second process, cache off)", statistics.median(fresh[PING]), "req/s",
                            1.0, "ping", "baseline"))
    uncached = ratio(fresh, WHOAMI)
    section.rows.append(Row("GET /api/whoami, verified-token cache off", statistics.median(fresh[WHOAMI]),
                            "req/s", uncached, "ping", "every request verifies"))
    for path, name in ((PING, "in process: /api/ping"), (WHOAMI, "in process: /api/whoami, verifier_client"),
                       (SIMPLEJWT, "in process: /api/whoami-simplejwt")):
        section.rows.append(Row(name, statistics.median(direct[path]), "req/s", median_ratio(direct[path], direct[PING]),
                                "ping", "Django test client, no HTTP" if path == PING else ""))
    if round(ours, 2) < 0.9:  # as the table shows it
        added_us = (1 / statistics.median(cached[WHOAMI]) - 1 / base) * 1e6
        section.findings.append(
            f"/api/whoami keeps {ours:.2f} of ping's rate, under the 0.90 target: {added_us:.0f} µs a request "
            "(server time over 2 workers) for what ping skips, DRF's authentication and permission steps and "
            "rendering the claims rather than a 16-byte body; with the token cached, verification itself is ~1 µs."
        )
    if peer > ours:
        section.findings.append(f"simplejwt keeps {peer:.2f} of ping's rate, more than verifier_client's {ours:.2f}.")
    if uncached < peer:
        section.findings.append(
            f"with its verified-token cache off, verifier_client keeps {uncached:.2f} of ping's rate against "
            f"simplejwt's {peer:.2f}: a fresh RSA verification is the bulk of either path, and the difference is "
            "within what this shared machine moves between rounds unless it repeats across runs."
        )
    return section


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--seconds", type=float, default=2.0, help="per endpoint and round (whole seconds with wrk)")
    parser.add_argument("--rounds", type=int, default=7)
    parser.add_argument("--json", help="write the section here for bench/run.py instead of printing it")
    args = parser.parse_args()
    emit(run(args.seconds, args.rounds), args.json)


if __name__ == "__main__":
    main()
