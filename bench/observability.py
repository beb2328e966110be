"""What observability costs, measured side by side in one run.

1. A log line: the structured pipeline (context filter, secret redaction, JSON)
   against the plain `%(asctime)s %(levelname)s %(name)s %(message)s` formatter it
   replaced, on a typical audit line, in this process.
2. A request: GET /metrics (two workers' metric files merged plus the key-state
   query) against GET /health (one trivial query), over HTTP on one gunicorn server.

    .venv/bin/python bench/observability.py [--lines 20000] [--requests 200]
"""

from __future__ import annotations

import argparse
import io
import logging
import os
import statistics
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))


def _lines_per_second(handler: logging.Handler, lines: int) -> float:
    logger = logging.Logger("authfort.audit.bench")
    logger.addHandler(handler)
    started = time.perf_counter()
    for _ in range(lines):
        logger.info(
            "%s user=%s session=%s ip=%s %s", "login_succeeded", "0f5c6f2e-8b1d-4f59-9b0e-3d1e2f4a5b6c",
            "9523193f-eba0-4f48-b7dc-28f565e8b6cc", "127.0.0.1", "",
            extra={"event": "login_succeeded", "user_id": "0f5c6f2e-8b1d-4f59-9b0e-3d1e2f4a5b6c"},
        )
    return lines / (time.perf_counter() - started)


def log_lines(lines: int) -> None:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
    os.environ.setdefault("SECRET_KEY", "bench-secret-key-0123456789abcdef")
    import django

    django.setup()
    from authfort_django.observability.logging import (
        ContextFilter,
        JsonFormatter,
        RedactSecretsFilter,
    )

    plain = logging.StreamHandler(io.StringIO())
    plain.setFormatter(logging.Formatter("%(asctime)s %(levelname)s %(name)s %(message)s"))
    structured = logging.StreamHandler(io.StringIO())
    structured.addFilter(ContextFilter())
    structured.addFilter(RedactSecretsFilter())
    structured.setFormatter(JsonFormatter())
    plain_rate = _lines_per_second(plain, lines)
    json_rate = _lines_per_second(structured, lines)
    print(f"log lines/s   plain formatter {plain_rate:10.0f}   JSON + redaction {json_rate:10.0f}"
          f"   ratio {plain_rate / json_rate:.1f}x")


def _median_ms(server, path: str, requests_count: int) -> float:
    times = []
    for _ in range(requests_count):
        started = time.perf_counter()
        response = server.get(path)
        times.append(time.perf_counter() - started)
        assert response.status_code == 200, (path, response.status_code)
    return statistics.median(times) * 1000


def scrape_cost(requests_count: int) -> None:
    from tests.helpers.live_server import LiveAuthServer

    with tempfile.TemporaryDirectory() as workdir, LiveAuthServer(Path(workdir), workers=2) as server:
        account = server.register()
        server.login(account["email"])
        health = _median_ms(server, "/health", requests_count)
        metrics = _median_ms(server, "/metrics", requests_count)
    print(f"median ms     GET /health {health:8.2f}   GET /metrics {metrics:8.2f}   ratio {metrics / health:.1f}x")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--lines", type=int, default=20000)
    parser.add_argument("--requests", type=int, default=200)
    args = parser.parse_args()
    log_lines(args.lines)
    scrape_cost(args.requests)


if __name__ == "__main__":
    main()
