"""Does the answer time of a reset or verification request tell whether an account exists?

For POST /auth/password-reset and POST /auth/verify-email/request: median time for an
address with an active account against one without, over N interleaved pairs (known,
unknown, known, unknown...) so that load from elsewhere on a shared machine falls on
both alike, and their ratio. Exits 1 when a ratio strays beyond --tolerance (10 %).

It runs against a real gunicorn process of the reference project (one sync worker, a
real database, mail through Django's file backend: a fast local delivery, like a
queueing backend in production) over loopback HTTP, because that is what an attacker
times.

    .venv/bin/python bench/reset_timing.py [--pairs 40] [--tolerance 0.10]

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

ENDPOINTS = ("/auth/password-reset", "/auth/verify-email/request")


def timed_request(port: int, path: str, email: str) -> float:
    """Seconds for one POST of `{email}` to `path`; it must answer 202."""
    status, body, elapsed = timed_post(port, path, {"email": email})
    if status != 202:
        raise SystemExit(f"expected 202 from {path}, got {status}: {body[:200]!r}")
    return elapsed


def measure(port: int, path: str, known: str, pairs: int) -> tuple[list[float], list[float]]:
    """(known, unknown) timings of `pairs` interleaved requests; each unknown address is new."""
    for _ in range(3):  # first-request costs (imports, connections, templates) fall on neither
        timed_request(port, path, known)
        timed_request(port, path, "warm-up@example.com")
    known_times, unknown_times = [], []
    for n in range(pairs):
        known_times.append(timed_request(port, path, known))
        unknown_times.append(timed_request(port, path, f"nobody-{n}@example.com"))
    return known_times, unknown_times


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--pairs", type=int, default=40, help="interleaved known/unknown pairs per endpoint")
    parser.add_argument("--tolerance", type=float, default=0.10, help="largest accepted |known/unknown - 1|")
    parser.add_argument(
        "--mail", choices=("file", "off"), default="file",
        help="file: Django's file backend delivers; off: AUTHFORT_SEND_ACCOUNT_EMAILS=false (a signal receiver would queue it)",
    )
    args = parser.parse_args()

    results = {}
    with tempfile.TemporaryDirectory() as workdir:
        mail_dir = Path(workdir) / "mail"
        mail_dir.mkdir()
        env = {  # LiveAuthServer lifts every throttle
            "EMAIL_BACKEND": "django.core.mail.backends.filebased.EmailBackend",
            "EMAIL_FILE_PATH": str(mail_dir),
            "AUTHFORT_FRONTEND_URL": "https://app.example.com",
            "AUTHFORT_SEND_ACCOUNT_EMAILS": "true" if args.mail == "file" else "false",
        }
        with LiveAuthServer(Path(workdir) / "server", workers=1, env=env) as server:
            # A new account is unverified: both endpoints mail it.
            known = server.register()["email"]
            for path in ENDPOINTS:
                results[path] = measure(server.port, path, known, args.pairs)

    database = "PostgreSQL" if os.environ.get("DATABASE_URL", "").startswith("postgres") else "SQLite"
    mail = "file email backend" if args.mail == "file" else "SEND_ACCOUNT_EMAILS off"
    print(f"POST -> 202, gunicorn 1 sync worker, {mail}, {database}")
    print(f"{args.pairs} interleaved pairs per endpoint; tolerance {args.tolerance:.0%}\n")
    print(f"{'endpoint':<30}{'known ms':>10}{'unknown ms':>12}{'ratio':>8}")
    failed = []
    for path, (known_times, unknown_times) in results.items():
        known_ms = statistics.median(known_times) * 1000
        unknown_ms = statistics.median(unknown_times) * 1000
        ratio = known_ms / unknown_ms
        print(f"{path:<30}{known_ms:>10.2f}{unknown_ms:>12.2f}{ratio:>8.3f}")
        if abs(ratio - 1) > args.tolerance:
            failed.append(path)
    if failed:
        print(f"\nFAIL: known and unknown differ by more than {args.tolerance:.0%} at {', '.join(failed)}")
        return 1
    print("\nOK: within tolerance")
    return 0


if __name__ == "__main__":
    sys.exit(main())
