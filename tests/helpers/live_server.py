"""A real auth server in its own process: gunicorn serving config.wsgi on a free
loopback port, with its own database (a SQLite file, or a fresh PostgreSQL or
MariaDB/MySQL database when the suite runs with such a DATABASE_URL).

    with LiveAuthServer(tmp_dir) as server:
        tokens = server.register()
        jwks = requests.get(server.jwks_url).json()
"""

from __future__ import annotations

import atexit
import contextlib
import os
import secrets
import shutil
import subprocess
import sys
import tempfile
import uuid
from pathlib import Path
from collections.abc import Iterator
from typing import Any, ClassVar
from urllib.parse import urlsplit, urlunsplit

import requests

from authfort_django.conf import THROTTLE_DEFAULTS
from tests.helpers.service_process import ServiceProcess

REPO_ROOT = Path(__file__).resolve().parents[2]
STRONG_PASSWORD = "correct horse battery staple 42"


class _Database:
    """A throw-away database for one server process, copied from a migrated template.

    Migrating costs a Django start-up and every migration (over a second of CPU); the
    suite starts a score of servers, so each test process migrates one template
    once and every server gets a copy: a file copy on SQLite, CREATE DATABASE ...
    TEMPLATE on PostgreSQL, and on MariaDB/MySQL (which has no template databases)
    CREATE TABLE ... LIKE plus INSERT ... SELECT for each of the template's tables.
    """

    _templates: ClassVar[dict[str, str]] = {}  # parent DATABASE_URL -> migrated template (path or name)

    def __init__(self, workdir: Path) -> None:
        parent = os.environ.get("DATABASE_URL", "")
        self._parent = parent
        self._admin_url: str | None = None
        self._mysql = parent.startswith("mysql://")
        if parent.startswith(("postgres://", "postgresql://", "mysql://")):
            self.name = f"authfort_e2e_{uuid.uuid4().hex[:12]}"
            self._admin_url = parent
            self.url = self._url_of(self.name)
        else:
            self.name = str(workdir / "auth.sqlite3")
            self.url = f"sqlite:///{self.name}"

    def _url_of(self, name: str) -> str:
        return urlunsplit(urlsplit(self._parent)._replace(path=f"/{name}"))

    def create(self, env: dict[str, str]) -> None:
        """This server's database, migrated."""
        template = self._template(env)
        if self._mysql:
            self._mysql_copy(template, self.name)
        elif self._admin_url:
            self._admin(f'CREATE DATABASE "{self.name}" TEMPLATE "{template}"')
        else:
            shutil.copyfile(template, self.name)

    def _template(self, env: dict[str, str]) -> str:
        template = self._templates.get(self._parent)
        if template is not None:
            return template
        if self._admin_url:
            template = f"authfort_e2e_template_{os.getpid()}_{uuid.uuid4().hex[:6]}"
            self._admin(f"CREATE DATABASE {self._quoted(template)}")
            atexit.register(self._drop, template)
            url = self._url_of(template)
        else:
            template = str(Path(tempfile.mkdtemp(prefix="authfort-e2e-template-")) / "template.sqlite3")
            atexit.register(shutil.rmtree, str(Path(template).parent), True)
            url = f"sqlite:///{template}"
        _run_manage({**env, "DATABASE_URL": url}, "migrate", "--noinput")
        self._templates[self._parent] = template
        return template

    def drop(self) -> None:
        if self._admin_url:
            self._drop(self.name)

    def _drop(self, name: str) -> None:
        force = "" if self._mysql else " WITH (FORCE)"
        self._admin(f"DROP DATABASE IF EXISTS {self._quoted(name)}{force}")

    def _quoted(self, name: str) -> str:
        return f"`{name}`" if self._mysql else f'"{name}"'

    def _admin(self, *statements: str) -> None:
        if self._mysql:
            with self._mysql_connection() as cursor:
                for sql in statements:
                    cursor.execute(sql)
            return
        import psycopg

        with psycopg.connect(self._admin_url, autocommit=True) as conn:
            for sql in statements:
                conn.execute(sql)

    @contextlib.contextmanager
    def _mysql_connection(self) -> Iterator[Any]:
        import MySQLdb

        parts = urlsplit(self._admin_url or "")
        conn = MySQLdb.connect(
            host=parts.hostname, port=parts.port or 3306, user=parts.username or "root",
            password=parts.password or "", charset="utf8mb4",
        )
        try:
            yield conn.cursor()
            conn.commit()
        finally:
            conn.close()

    def _mysql_copy(self, template: str, name: str) -> None:
        """The template's tables with their keys and constraints (SHOW CREATE TABLE),
        then their rows."""
        with self._mysql_connection() as cursor:
            cursor.execute(
                "SELECT table_name FROM information_schema.tables"
                " WHERE table_schema = %s AND table_type = 'BASE TABLE'",
                [template],
            )
            tables = [row[0] for row in cursor.fetchall()]
            cursor.execute(f"CREATE DATABASE `{name}` CHARACTER SET utf8mb4")
            cursor.execute(f"USE `{name}`")
            # Tables and rows go in one by one; foreign keys hold once all are in.
            cursor.execute("SET SESSION foreign_key_checks = 0")
            for table in tables:
                cursor.execute(f"SHOW CREATE TABLE `{template}`.`{table}`")
                cursor.execute(cursor.fetchone()[1])
                cursor.execute(f"INSERT INTO `{table}` SELECT * FROM `{template}`.`{table}`")
            cursor.execute("SET SESSION foreign_key_checks = 1")


def _run_manage(env: dict[str, str], *args: str) -> subprocess.CompletedProcess[str]:
    result = subprocess.run(
        [sys.executable, "manage.py", *args], cwd=REPO_ROOT, env=env, capture_output=True, text=True, timeout=120
    )
    if result.returncode != 0:
        raise RuntimeError(f"manage.py {' '.join(args)} failed:\n{result.stdout}{result.stderr}")
    return result


class LiveAuthServer:
    """Start with `start()` (or as a context manager); every setting can be overridden by env."""

    audience = "authfort-e2e"

    def __init__(self, workdir: Path, *, workers: int = 2, env: dict[str, str] | None = None) -> None:
        self.workdir = Path(workdir)
        self.workdir.mkdir(parents=True, exist_ok=True)
        self.workers = workers
        self._db = _Database(self.workdir)
        self._service = ServiceProcess(
            "auth-server",
            [
                sys.executable, "-m", "gunicorn", "config.wsgi:application",
                "--bind", "127.0.0.1:{port}",
                "--workers", str(workers),
                "--access-logfile", "-",
                "--graceful-timeout", "2",
            ],
            cwd=REPO_ROOT,
            env={},  # filled in below, once the URLs that depend on the port are known
            workdir=self.workdir,
        )
        self.port = self._service.port
        self.url = self._service.url
        self.issuer = self.url
        self.jwks_url = f"{self.url}/.well-known/jwks.json"
        self.introspection_url = f"{self.url}/auth/introspect"
        self.introspection_secret = "e2e-introspection-" + secrets.token_urlsafe(24)
        self.log_path = self._service.log_path
        self.env = {
            **os.environ,
            "DJANGO_SETTINGS_MODULE": "config.settings",
            "DATABASE_URL": self._db.url,
            "SECRET_KEY": secrets.token_urlsafe(50),
            "DEBUG": "false",
            "ALLOWED_HOSTS": "127.0.0.1,localhost",
            "AUTHFORT_ISSUER": self.issuer,
            "AUTHFORT_AUDIENCE": self.audience,
            "AUTHFORT_KEY_ENCRYPTION_KEYS": "e2e-kek-" + secrets.token_urlsafe(32),
            "AUTHFORT_INTROSPECTION_SECRETS": self.introspection_secret,
            # Every throttle out of the way (tests of throttling set their own rate).
            **{f"AUTHFORT_THROTTLE_{scope.upper()}": "100000/min" for scope in THROTTLE_DEFAULTS},
            "AUTHFORT_COOKIE_SECURE": "false",
            # Argon2 with the cheapest parameters: hundreds of hashes, none of them measured here.
            "PASSWORD_HASHERS": "tests.helpers.hashers.QuickArgon2PasswordHasher",
            "PYTHONUNBUFFERED": "1",
            **(env or {}),
        }
        self._service.env = self.env

    # lifecycle

    def start(self, timeout: float = 60.0) -> LiveAuthServer:
        self._db.create(self.env)
        try:
            # As the Dockerfile's entrypoint does. Without the system checks, which gunicorn
            # does not run either: they cost half of the command (over half a second of CPU,
            # for every server the suite starts) and have their own tests (test_checks.py).
            self.manage("rotate_keys", "--if-none", "--skip-checks")
            self._service.start(timeout)
        except BaseException:
            self._db.drop()
            raise
        return self

    def stop(self) -> None:
        self._service.stop()
        self._db.drop()

    def stop_process(self) -> None:
        """Stop serving (an outage) but keep the database, so `start_process` resumes where it stopped."""
        self._service.stop()

    def start_process(self, timeout: float = 60.0) -> None:
        """Serve again on the same port after `stop_process`."""
        self._service.start(timeout)

    def __enter__(self) -> LiveAuthServer:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()

    # helpers

    def manage(self, *args: str) -> subprocess.CompletedProcess[str]:
        """Run a management command against this server's database; raises on failure."""
        try:
            result = _run_manage(self.env, *args)
        except RuntimeError as failed:
            with open(self.log_path, "a") as log:
                log.write(str(failed))
            raise
        with open(self.log_path, "a") as log:
            log.write(result.stdout + result.stderr)
        return result

    def log_text(self) -> str:
        return self._service.log_text()

    def post(self, path: str, json: Any = None, **kwargs: Any) -> requests.Response:
        return requests.post(f"{self.url}{path}", json=json, timeout=30, **kwargs)

    def get(self, path: str, **kwargs: Any) -> requests.Response:
        return requests.get(f"{self.url}{path}", timeout=30, **kwargs)

    def register(self, email: str | None = None, password: str = STRONG_PASSWORD) -> dict[str, Any]:
        email = email or f"user-{uuid.uuid4().hex[:10]}@example.com"
        response = self.post("/auth/register", {"email": email, "password": password})
        if response.status_code != 201:
            raise AssertionError(f"register failed: {response.status_code} {response.text}")
        return {**response.json(), "email": email, "password": password}

    def login(self, email: str, password: str = STRONG_PASSWORD) -> requests.Response:
        return self.post("/auth/login", {"email": email, "password": password})
