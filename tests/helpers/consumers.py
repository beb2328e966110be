"""The example consumers of examples/ as real processes, started the way
examples/README.md starts them: gunicorn, two workers, `--preload`, configured
only through the AUTH_* environment variables.

    services = start_consumers(server, workdir)          # orders (DRF) + notifications (Flask)
    services.orders.get("/api/orders", headers=bearer(token))
    services.stop()
"""

from __future__ import annotations

import sys
import uuid
from dataclasses import dataclass
from pathlib import Path

from tests.helpers.live_server import REPO_ROOT, LiveAuthServer
from tests.helpers.service_process import ServiceProcess

EXAMPLES = REPO_ROOT / "examples"


@dataclass
class Consumers:
    orders: ServiceProcess
    notifications: ServiceProcess

    def __iter__(self):
        return iter((self.orders, self.notifications))

    def stop(self) -> None:
        self.orders.stop()
        self.notifications.stop()


def consumer_env(server: LiveAuthServer, **overrides: str) -> dict[str, str]:
    """The variables both examples read, pointed at `server`; `overrides` add or replace some."""
    return {
        "AUTH_JWKS_URL": server.jwks_url,
        "AUTH_ISSUER": server.issuer,
        "AUTH_AUDIENCE": server.audience,
        "AUTH_INTROSPECTION_URL": server.introspection_url,
        "AUTH_INTROSPECTION_SECRET": server.introspection_secret,
        "SECRET_KEY": "e2e-" + uuid.uuid4().hex,
        "ALLOWED_HOSTS": "127.0.0.1",
        # No AUTH_INTROSPECTION_CACHE_TTL: the services run with the library's default,
        # under which every live check asks the server.
        **overrides,
    }


def gunicorn_command(app: str, workers: int = 2) -> list[str]:
    return [
        sys.executable, "-m", "gunicorn", app,
        "--bind", "127.0.0.1:{port}",
        "--workers", str(workers),
        # The app (and the keys it fetches at import) is loaded once, before the
        # workers fork: every worker starts with the same cached key set.
        "--preload",
        "--access-logfile", "-",
        "--graceful-timeout", "2",
        # gunicorn's control socket is one path per user: parallel test servers would share it.
        "--no-control-socket",
    ]


def start_consumers(server: LiveAuthServer, workdir: Path, workers: int = 2, **env: str) -> Consumers:
    """Both example services pointed at `server`, each with `workers` gunicorn workers;
    `env` overrides their variables."""
    variables = consumer_env(server, **env)
    orders = ServiceProcess(
        "orders", gunicorn_command("orders_service.wsgi", workers),
        cwd=EXAMPLES / "orders_service", env=variables, workdir=workdir, health_path="/api/ping",
    ).start()
    try:
        notifications = ServiceProcess(
            "notifications", gunicorn_command("app:app", workers),
            cwd=EXAMPLES / "notifications_service", env=variables, workdir=workdir, health_path="/api/ping",
        ).start()
    except BaseException:
        orders.stop()
        raise
    return Consumers(orders, notifications)
