"""Drive a real server through the flows /metrics counts, then print the scrape.

Starts gunicorn (2 workers, config.wsgi, gunicorn.conf.py's multiprocess hooks) on
a temporary SQLite database, runs register, logins (good and bad), refreshes, a
refresh-token reuse, introspections and a key rotation, then prints every
`authfort_` line of GET /metrics.

    .venv/bin/python bench/metrics_demo.py
"""

from __future__ import annotations

import sys
import tempfile
from pathlib import Path

import requests

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from tests.helpers.live_server import LiveAuthServer  # noqa: E402


def drive(server: LiveAuthServer) -> None:
    account = server.register()
    for _ in range(3):
        assert server.login(account["email"]).status_code == 200
    assert server.login(account["email"], "not the password").status_code == 401
    tokens = server.login(account["email"]).json()
    second = server.post("/auth/refresh", {"refresh_token": tokens["refresh_token"]})
    assert second.status_code == 200
    reused = server.post("/auth/refresh", {"refresh_token": tokens["refresh_token"]})
    assert reused.json()["code"] == "refresh_token_reused"
    secret = {"Authorization": f"Bearer {server.introspection_secret}"}
    for token in (account["access_token"], second.json()["access_token"]):  # active, then revoked by the reuse
        requests.post(server.introspection_url, data={"token": token}, headers=secret, timeout=30)
    server.manage("rotate_keys")


def main() -> None:
    with tempfile.TemporaryDirectory() as workdir, LiveAuthServer(Path(workdir), workers=2) as server:
        drive(server)
        scrape = server.get("/metrics").text
    for line in scrape.splitlines():
        if line.startswith("authfort_") and not line.startswith("authfort_token_issue_seconds_bucket"):
            print(line)


if __name__ == "__main__":
    main()
