"""Section 3: the auth server on PostgreSQL, each figure beside its floor.

    .venv/bin/python bench/server.py [--seconds 3] [--rounds 3] [--logins 15]

Starts a real auth server (gunicorn, 2 sync workers, bench.settings = the
reference settings plus a trivial view) on a throw-away PostgreSQL database
created next to BENCH_DATABASE_URL's (default postgres://postgres@127.0.0.1:5432/postgres)
and dropped at the end, then measures:

- login latency against the configured password hasher alone (check_password in
  this process), for a right password, a wrong one and an unknown user;
- refresh and introspection requests/s (bench/sessions.py);
- JWKS requests/s against a plain Django view in the same server (bench/load.py);
- database queries per request for each of them (bench/sessions.py).
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from bench import load  # noqa: E402
from bench.report import Row, Section, emit, median_ratio  # noqa: E402
from bench.sessions import count_queries, refresh_and_introspection  # noqa: E402
from bench.timing import timed_post  # noqa: E402
from tests.helpers.live_server import STRONG_PASSWORD, LiveAuthServer  # noqa: E402

DEFAULT_ADMIN_DATABASE_URL = "postgres://postgres@127.0.0.1:5432/postgres"


def _setup_django_like(server: LiveAuthServer) -> None:
    """This process gets the server's settings: same hasher, same database."""
    os.environ.update({k: v for k, v in server.env.items()
                       if k.startswith(("AUTHFORT_", "DATABASE_URL", "SECRET_KEY", "ALLOWED_HOSTS"))})
    os.environ["DJANGO_SETTINGS_MODULE"] = "bench.settings"
    os.environ["LOG_LEVEL"] = "WARNING"  # the audit lines of this process would bury the table
    import django

    django.setup()


def _login(port: int, email: str, password: str) -> int:
    return timed_post(port, "/auth/login", {"email": email, "password": password})[0]


def login_medians(port: int, email: str, rounds: int) -> tuple[str, float, dict[str, float]]:
    """Median latency of the hasher alone and of each login case, interleaved round by round."""
    from django.contrib.auth.hashers import check_password, get_hasher, make_password

    encoded = make_password(STRONG_PASSWORD)
    cases = {
        "login, right password": (email, STRONG_PASSWORD, 200),
        "login, wrong password": (email, "not the password", 401),
        "login, unknown user": ("nobody@example.com", STRONG_PASSWORD, 401),
    }
    timings: dict[str, list[float]] = {name: [] for name in cases}
    hasher: list[float] = []
    for _ in range(rounds):
        start = time.perf_counter()
        check_password(STRONG_PASSWORD, encoded)
        hasher.append(time.perf_counter() - start)
        for name, (user, password, expect) in cases.items():
            start = time.perf_counter()
            status = _login(port, user, password)
            timings[name].append(time.perf_counter() - start)
            assert status == expect, (name, status)
    return get_hasher().algorithm, statistics.median(hasher), {k: statistics.median(v) for k, v in timings.items()}


def _queries(count: int) -> str:
    return f"{count} {'query' if count == 1 else 'queries'}"


def run(seconds: float, rounds: int, logins: int, threads: int) -> Section:
    admin_url = os.environ.get("BENCH_DATABASE_URL", DEFAULT_ADMIN_DATABASE_URL)
    if not admin_url.startswith(("postgres://", "postgresql://")):
        sys.exit("bench/server.py measures PostgreSQL: set BENCH_DATABASE_URL=postgres://...")
    os.environ["DATABASE_URL"] = admin_url  # LiveAuthServer creates its own database beside it

    with tempfile.TemporaryDirectory() as workdir:
        server = LiveAuthServer(Path(workdir), workers=2, env={"DJANGO_SETTINGS_MODULE": "bench.settings"})
        with server:
            _setup_django_like(server)
            account = server.register()
            algorithm, hasher, login_times = login_medians(server.port, account["email"], logins)
            sessions = [refresh_and_introspection(server, threads, seconds) for _ in range(rounds)]
            trivial_rates, jwks_rates = [], []
            for _ in range(rounds):  # alternate so drift on a shared machine hits both
                trivial_rates.append(load.requests_per_second(f"{server.url}/bench/trivial", seconds))
                jwks_rates.append(load.requests_per_second(server.jwks_url, seconds))
            queries = count_queries(server)
            database = server.env["DATABASE_URL"].rsplit("/", 1)[-1]

    section = Section(
        3, "Server (PostgreSQL)",
        [
            f"auth server: gunicorn, 2 sync workers, bench.settings, on a throw-away PostgreSQL database "
            f"({database}, dropped afterwards); client and server share the machine's 2 cores",
            f"login: median of {logins} rounds, each round = {algorithm} check_password alone in this process, "
            "then one login of each kind over HTTP (a new connection each)",
            f"refresh / introspection: {threads} client threads (keep-alive sessions), {seconds:g} s per run, "
            f"median of {rounds} runs; failures counted, not timed",
            f"JWKS vs trivial view: {load.tool()} (1 thread, 4 connections), {rounds} alternating rounds x "
            f"{seconds:g} s; median rate, ratio = median of per-round ratios",
            "queries per request: Django test client in this process on the same database, second call "
            "of each (warm key store); absolute figures are noisy on a shared machine, ratios less so",
        ],
    )
    section.rows.append(Row(f"{algorithm} check_password alone", hasher * 1000, "ms", 1.0, "hasher", "in process"))
    for name, value in login_times.items():
        section.rows.append(Row(f"POST /auth/login: {name.split(', ', 1)[1]}", value * 1000, "ms",
                                value / hasher, "hasher", _queries(queries["login"]) if "right" in name else ""))
    for name in ("refresh", "introspection"):
        rate = statistics.median(run[name][0] for run in sessions)
        failed = sum(run[name][2] for run in sessions)
        path = "/auth/refresh" if name == "refresh" else "/auth/introspect"
        section.rows.append(Row(f"POST {path}", rate, "req/s", None, "",
                                f"{_queries(queries[name])}; {failed} failed"))
    section.rows.append(Row("GET /bench/trivial (plain Django view)", statistics.median(trivial_rates), "req/s",
                            1.0, "trivial view", _queries(queries["trivial"])))
    section.rows.append(Row("GET /.well-known/jwks.json", statistics.median(jwks_rates), "req/s",
                            median_ratio(jwks_rates, trivial_rates), "trivial view", _queries(queries["jwks"])))
    return section


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--seconds", type=float, default=3.0, help="per throughput run")
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--logins", type=int, default=15)
    parser.add_argument("--threads", type=int, default=4, help="client threads for refresh and introspection")
    parser.add_argument("--json", help="write the section here for bench/run.py instead of printing it")
    args = parser.parse_args()
    emit(run(args.seconds, args.rounds, args.logins, args.threads), args.json)


if __name__ == "__main__":
    main()
