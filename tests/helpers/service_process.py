"""A service under test in its own process, the way it would be deployed.

    service = ServiceProcess(
        "orders", [sys.executable, "-m", "gunicorn", "orders_service.wsgi", "--bind", "127.0.0.1:{port}"],
        cwd=REPO_ROOT / "examples" / "orders_service", env={"AUTH_JWKS_URL": ...}, workdir=tmp_path,
        health_path="/api/ping",
    ).start()
    requests.get(f"{service.url}/api/orders", ...)
    service.stop()

The child sees only the variables it is given (plus PATH), never the test
run's own settings, so a service that needs a variable it was not told about
fails to start instead of quietly borrowing one.
"""

from __future__ import annotations

import os
import socket
import subprocess
import time
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import IO, Any

import requests


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


class ServiceProcess:
    """`command` is formatted with `{port}`, a free loopback port; ready once `GET health_path` is 200."""

    def __init__(
        self,
        name: str,
        command: Sequence[str],
        *,
        cwd: Path,
        env: Mapping[str, str],
        workdir: Path,
        health_path: str = "/health",
    ) -> None:
        self.name = name
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.command = [part.format(port=self.port) for part in command]
        self.cwd = cwd
        self.env = {"PATH": os.environ.get("PATH", ""), "PYTHONUNBUFFERED": "1", **env}
        self.log_path = Path(workdir) / f"{name}-{self.port}.log"
        self.health_path = health_path
        self._process: subprocess.Popen[bytes] | None = None
        self._log_file: IO[bytes] | None = None

    def start(self, timeout: float = 60.0) -> ServiceProcess:
        self._log_file = open(self.log_path, "ab")  # noqa: SIM115 - closed in stop()
        self._process = subprocess.Popen(
            self.command, cwd=self.cwd, env=self.env, stdout=self._log_file, stderr=subprocess.STDOUT
        )
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self._process.poll() is not None:
                self.stop()
                raise RuntimeError(f"{self.name} exited early; log:\n{self.log_text()}")
            try:
                if requests.get(self.url + self.health_path, timeout=1).status_code == 200:
                    return self
            except requests.RequestException:
                pass
            time.sleep(0.1)
        self.stop()
        raise RuntimeError(f"{self.name} did not become healthy; log:\n{self.log_text()}")

    def stop(self) -> None:
        """Terminate the process (kill it if it lingers); the log stays at `log_path`."""
        if self._process is not None and self._process.poll() is None:
            self._process.terminate()
            try:
                self._process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self._process.kill()
                self._process.wait()
        if self._log_file is not None:
            self._log_file.close()
            self._log_file = None

    def log_text(self) -> str:
        return self.log_path.read_text(errors="replace") if self.log_path.exists() else ""

    def get(self, path: str, **kwargs: Any) -> requests.Response:
        return requests.get(self.url + path, timeout=30, **kwargs)

    def post(self, path: str, **kwargs: Any) -> requests.Response:
        return requests.post(self.url + path, timeout=30, **kwargs)
