"""Password-reset request latency: an address with an account against one without, side by side.

Both answer 202 with the same body; this shows how far the answer *time* still
differs (the known address also stores a token and writes a mail). Requests
alternate known/unknown against one real gunicorn process whose mail goes to
the file backend (a fast local delivery, like a queueing backend in production).

    .venv/bin/python bench/recovery.py [--rounds 60]

Uses SQLite in a temporary directory unless DATABASE_URL names PostgreSQL.
"""

from __future__ import annotations

import argparse
import statistics
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from bench.timing import timed_post  # noqa: E402
from tests.helpers.live_server import LiveAuthServer  # noqa: E402


def reset_request(port: int, email: str) -> tuple[int, bytes, float]:
    return timed_post(port, "/auth/password-reset", {"email": email})


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=60)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        mail_dir = Path(tmp) / "mail"
        mail_dir.mkdir()
        env = dict(  # LiveAuthServer lifts every throttle
            EMAIL_BACKEND="django.core.mail.backends.filebased.EmailBackend",
            EMAIL_FILE_PATH=str(mail_dir),
            AUTHFORT_FRONTEND_URL="https://app.example.com",
        )
        with LiveAuthServer(Path(tmp) / "server", workers=1, env=env) as server:
            email = server.register()["email"]
            timings: dict[str, list[float]] = {"known": [], "unknown": []}
            bodies = set()
            for _ in range(3):  # warm up both paths
                reset_request(server.port, email)
                reset_request(server.port, "nobody-here@example.com")
            for n in range(args.rounds):
                for case, address in (("known", email), ("unknown", f"nobody-{n}@example.com")):
                    status, body, seconds = reset_request(server.port, address)
                    assert status == 202, (status, body)
                    bodies.add(body)
                    timings[case].append(seconds)
    known = statistics.median(timings["known"]) * 1000
    unknown = statistics.median(timings["unknown"]) * 1000
    print(f"password-reset request, {args.rounds} rounds alternating, 1 gunicorn worker, file email backend")
    print(f"  distinct response bodies:  {len(bodies)}")
    print(f"  known address   median {known:7.2f} ms")
    print(f"  unknown address median {unknown:7.2f} ms")
    print(f"  known / unknown        {known / unknown:7.2f}x")


if __name__ == "__main__":
    main()
