"""Section 5: service-to-service tokens. POST /auth/token per second, and what
verifier_client's ClientCredentials adds to each call once its token is cached.

    .venv/bin/python bench/client_credentials.py [--seconds 2] [--rounds 3] [--calls 300]

Starts a real auth server (SQLite, 2 gunicorn workers, throttles out of the way) and
a client made with `manage.py create_client`. Token rate: 4 threads, each with its
own keep-alive session, POST client_credentials with HTTP Basic for `--seconds`;
every answer is checked to be a 200. Overhead: `--calls` GETs of the JWKS (no
database once warm) with a plain `requests.Session`, and the same with
`auth=ClientCredentials(...)` (the cached token: no fetch after the first), rounds
interleaved; reported per call and as the median ratio to the plain call.
"""

from __future__ import annotations

import argparse
import json
import statistics
import sys
import tempfile
import threading
import time
from pathlib import Path

import requests

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from bench.report import Row, Section, emit, median_ratio  # noqa: E402
from tests.helpers.live_server import LiveAuthServer  # noqa: E402
from verifier_client import ClientCredentials  # noqa: E402

THREADS = 4


def _token_rate(server: LiveAuthServer, client: dict, seconds: float) -> float:
    url, done, failures = f"{server.url}/auth/token", [0] * THREADS, []
    deadline = time.monotonic() + seconds

    def worker(index: int) -> None:
        with requests.Session() as session:
            session.auth = (client["client_id"], client["client_secret"])
            while time.monotonic() < deadline:
                answer = session.post(url, data={"grant_type": "client_credentials"}, timeout=30)
                if answer.status_code != 200:
                    failures.append(answer.status_code)
                    return
                done[index] += 1

    started = time.monotonic()
    threads = [threading.Thread(target=worker, args=(i,)) for i in range(THREADS)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    if failures:
        raise SystemExit(f"bench: /auth/token answered {failures[0]}")
    return sum(done) / (time.monotonic() - started)


def _per_call(session: requests.Session, url: str, calls: int, auth: object = None) -> float:
    started = time.perf_counter()
    for _ in range(calls):
        session.get(url, auth=auth, timeout=30).raise_for_status()
    return (time.perf_counter() - started) / calls


def run(seconds: float, rounds: int, calls: int) -> Section:
    with tempfile.TemporaryDirectory() as tmp, LiveAuthServer(Path(tmp)) as server:
        result = server.manage("create_client", "bench", "--scope", "bench:call", "--json")
        client = json.loads(result.stdout.strip().splitlines()[-1])
        tokens = ClientCredentials(f"{server.url}/auth/token", client["client_id"], client["client_secret"])
        rates, plain, cached = [], [], []
        with requests.Session() as session:
            _per_call(session, server.jwks_url, 20, tokens)  # warm: keys loaded, token fetched
            for _ in range(rounds):
                rates.append(_token_rate(server, client, seconds))
                plain.append(_per_call(session, server.jwks_url, calls))
                cached.append(_per_call(session, server.jwks_url, calls, tokens))
        fetched = tokens.fetch_count
    return Section(
        number=5,
        title="Service-to-service tokens (client credentials)",
        method=[
            f"Live auth server (SQLite, 2 gunicorn workers); POST /auth/token with HTTP Basic from {THREADS} "
            f"threads for {seconds} s, {rounds} rounds (median): signing (RS256) and one audit row per token.",
            f"{calls} GETs of the JWKS per round with a plain requests.Session, and with "
            "auth=ClientCredentials (token cached: fetched once for the whole run); interleaved rounds.",
        ],
        rows=[
            Row("POST /auth/token", statistics.median(rates), "req/s"),
            Row("GET, plain requests", statistics.median(plain) * 1e6, "µs/call"),
            Row("GET, auth=ClientCredentials (cached)", statistics.median(cached) * 1e6, "µs/call",
                ratio=median_ratio(cached, plain), against="plain requests",
                note=f"{fetched} token fetch(es) for {rounds * calls + 20} calls"),
        ],
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--seconds", type=float, default=2.0)
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--calls", type=int, default=300)
    parser.add_argument("--json", help="write the section here (for bench/run.py)")
    args = parser.parse_args()
    emit(run(args.seconds, args.rounds, args.calls), args.json)


if __name__ == "__main__":
    main()
