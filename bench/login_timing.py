"""Does the login answer time tell whether an account exists?

Median time of a failed login for an unknown email against a wrong password for a
real account, 50 each, alternating request by request so that load from elsewhere
on a shared machine falls on both alike, and their ratio (1.00 = indistinguishable).

It runs against a real gunicorn process of the reference project (config.settings:
Argon2id first in PASSWORD_HASHERS, the deployed middleware, a real database) over
loopback HTTP, because that is what an attacker times; the in-process test client
would skip the WSGI server and the test settings use a fast hasher.

    .venv/bin/python bench/login_timing.py [--rounds 50]

SQLite in a temporary directory unless DATABASE_URL names PostgreSQL.
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from bench.timing import timed_post  # noqa: E402
from tests.helpers.live_server import LiveAuthServer  # noqa: E402

WRONG_PASSWORD = "not the password at all"


def timed_login(port: int, email: str) -> float:
    """Seconds for one POST /auth/login with WRONG_PASSWORD; it must answer 401."""
    status, _, elapsed = timed_post(port, "/auth/login", {"email": email, "password": WRONG_PASSWORD})
    if status != 401:
        raise SystemExit(f"expected 401 from a failed login, got {status}")
    return elapsed


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=50, help="logins of each kind")
    args = parser.parse_args()

    with tempfile.TemporaryDirectory() as workdir:
        server = LiveAuthServer(Path(workdir), workers=1).start()
        try:
            account = server.register()["user"]["email"]
            # One untimed call of each kind: first-request costs (imports, connections) fall on neither.
            timed_login(server.port, account)
            timed_login(server.port, "warm-up@example.com")
            unknown, wrong = [], []
            for n in range(args.rounds):
                unknown.append(timed_login(server.port, f"nobody-{n}@example.com"))
                wrong.append(timed_login(server.port, account))
        finally:
            server.stop()

    database = "PostgreSQL" if os.environ.get("DATABASE_URL", "").startswith("postgres") else "SQLite"
    unknown_ms, wrong_ms = statistics.median(unknown) * 1000, statistics.median(wrong) * 1000
    print(f"POST /auth/login -> 401, gunicorn 1 sync worker, config.settings (Argon2id), {database}")
    print(f"{args.rounds} of each, alternating\n")
    print(f"{'case':<36}{'median ms':>10}{'p10 ms':>10}{'p90 ms':>10}")
    for label, values in (("unknown email", unknown), ("existing email, wrong password", wrong)):
        deciles = statistics.quantiles(values, n=10)
        print(f"{label:<36}{statistics.median(values) * 1000:>10.1f}{deciles[0] * 1000:>10.1f}{deciles[-1] * 1000:>10.1f}")
    print(f"\nratio unknown / wrong password: {unknown_ms / wrong_ms:.3f}")


if __name__ == "__main__":
    main()
