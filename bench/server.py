"""Auth-server figures, measured side by side in one run.

1. Login latency against the password hasher alone: the configured hasher's
   check_password in this process, then logins over HTTP against a real gunicorn
   process (known user, wrong password, unknown user). The ratio shows what the
   server adds to the unavoidable hashing cost, and the unknown-user median shows
   that the answer time does not reveal whether an account exists.
2. JWKS requests/s against a trivial Django view in the same server process.

    .venv/bin/python bench/server.py [--seconds 5] [--logins 15] [--clients 2]

Uses SQLite in a temporary directory unless DATABASE_URL names PostgreSQL.
"""

from __future__ import annotations

import argparse
import http.client
import json
import os
import statistics
import sys
import tempfile
import threading
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from tests.helpers.live_server import STRONG_PASSWORD, LiveAuthServer  # noqa: E402


def password_checker() -> tuple[str, object]:
    """The configured hasher's check_password on a fresh hash, in this process."""
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
    import django

    django.setup()
    from django.contrib.auth.hashers import check_password, get_hasher, make_password

    encoded = make_password(STRONG_PASSWORD)
    return get_hasher().algorithm, lambda: check_password(STRONG_PASSWORD, encoded)


def request(port: int, method: str, path: str, body: dict | None = None) -> tuple[int, bytes]:
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
    try:
        payload = json.dumps(body).encode() if body is not None else None
        headers = {"Content-Type": "application/json"} if body is not None else {}
        conn.request(method, path, body=payload, headers=headers)
        response = conn.getresponse()
        return response.status, response.read()
    finally:
        conn.close()


def login_medians(
    port: int, hasher: object, cases: dict[str, tuple[str, str, int]], rounds: int
) -> tuple[float, dict[str, float]]:
    """Median latency of the hasher alone and of each login case, interleaved round by
    round so that load from elsewhere on a shared machine falls on all of them alike."""
    timings: dict[str, list[float]] = {name: [] for name in cases}
    hasher_timings = []
    for _ in range(rounds):
        start = time.perf_counter()
        hasher()
        hasher_timings.append(time.perf_counter() - start)
        for name, (email, password, expect) in cases.items():
            start = time.perf_counter()
            status, _ = request(port, "POST", "/auth/login", {"email": email, "password": password})
            timings[name].append(time.perf_counter() - start)
            assert status == expect, (name, status)
    medians = {name: statistics.median(values) for name, values in timings.items()}
    return statistics.median(hasher_timings), medians


def requests_per_second(port: int, path: str, seconds: float, clients: int) -> float:
    done = [0] * clients
    stop_at = time.perf_counter() + seconds

    def client(index: int) -> None:
        while time.perf_counter() < stop_at:
            status, _ = request(port, "GET", path)
            assert status == 200, status
            done[index] += 1

    threads = [threading.Thread(target=client, args=(i,)) for i in range(clients)]
    start = time.perf_counter()
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return sum(done) / (time.perf_counter() - start)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seconds", type=float, default=5.0, help="per throughput round")
    parser.add_argument("--rounds", type=int, default=3, help="alternating throughput rounds")
    parser.add_argument("--logins", type=int, default=15)
    parser.add_argument("--clients", type=int, default=2)
    args = parser.parse_args()

    with tempfile.TemporaryDirectory() as workdir:
        server = LiveAuthServer(
            Path(workdir), workers=1, env={"DJANGO_SETTINGS_MODULE": "bench.settings"}
        ).start()
        try:
            account = server.register()
            port = server.port
            algorithm, checker = password_checker()
            hasher, logins = login_medians(
                port,
                checker,
                {
                    "POST /auth/login, right password": (account["email"], STRONG_PASSWORD, 200),
                    "POST /auth/login, wrong password": (account["email"], "not the password", 401),
                    "POST /auth/login, unknown user": ("nobody@example.com", STRONG_PASSWORD, 401),
                },
                args.logins,
            )

            jwks_rates, trivial_rates = [], []
            for _ in range(args.rounds):  # alternate so drift on a shared machine hits both
                trivial_rates.append(requests_per_second(port, "/bench/trivial", args.seconds, args.clients))
                jwks_rates.append(requests_per_second(port, "/.well-known/jwks.json", args.seconds, args.clients))
        finally:
            server.stop()

    database = "PostgreSQL" if os.environ.get("DATABASE_URL", "").startswith("postgres") else "SQLite"
    print(f"auth server: gunicorn, 1 sync worker, {database}; {args.clients} client threads on loopback\n")
    print(f"{'login latency (median of %d)' % args.logins:<44}{'ms':>10}{'x hasher':>10}")
    rows = [(f"{algorithm} check_password alone (in process)", hasher), *logins.items()]
    for label, seconds in rows:
        print(f"{label:<44}{seconds * 1000:>10.1f}{seconds / hasher:>10.2f}")
    jwks, trivial = statistics.median(jwks_rates), statistics.median(trivial_rates)
    print(f"\n{'throughput (median of %d rounds of %.0f s)' % (args.rounds, args.seconds):<44}{'req/s':>10}{'x trivial':>10}")
    print(f"{'GET /bench/trivial (plain Django view)':<44}{trivial:>10.0f}{1.0:>10.2f}")
    print(f"{'GET /.well-known/jwks.json':<44}{jwks:>10.0f}{jwks / trivial:>10.2f}")


if __name__ == "__main__":
    main()
