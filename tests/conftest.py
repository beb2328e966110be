"""Fixtures shared by every test package."""

from __future__ import annotations

import logging
import threading
from collections import Counter

import pytest

from tests import log_guard
from tests.helpers.live_server import LiveAuthServer


def _database_vendor() -> str:
    from django.db import connection

    return connection.vendor


_log_recorder = log_guard.LogRecorder()


def pytest_configure(config: pytest.Config) -> None:
    root = logging.getLogger()
    root.addHandler(_log_recorder)
    root.setLevel(min(root.level or logging.DEBUG, logging.DEBUG))


_LEAKS_KEY = "authfort_log_leaks"
_leaks_from_workers: list[str] = []


def pytest_sessionfinish(session: pytest.Session, exitstatus: int) -> None:
    """Fail the run if any log line of the suite holds a password or a token.

    Under pytest-xdist each worker checks its own lines and hands the (redacted)
    findings to the controller, which fails the run.
    """
    logging.getLogger().removeHandler(_log_recorder)
    found = [
        log_guard.redact(line, secret)[:300]
        for line, secret in log_guard.leaks(log_guard.log_lines, log_guard.seen_secrets)
    ]
    workeroutput = getattr(session.config, "workeroutput", None)
    if workeroutput is not None:  # an xdist worker: the controller reports
        workeroutput[_LEAKS_KEY] = found
        return
    found += _leaks_from_workers
    if found:
        reporter = session.config.pluginmanager.get_plugin("terminalreporter")
        write = reporter.write_line if reporter else print
        write(f"\nLOG LEAK: {len(found)} log line(s) contain a password or token:")
        for line in found[:20]:
            write("  " + line)
        session.exitstatus = pytest.ExitCode.TESTS_FAILED


@pytest.hookimpl(optionalhook=True)
def pytest_testnodedown(node, error) -> None:
    """xdist: collect what a finished worker's log guard found."""
    _leaks_from_workers.extend(getattr(node, "workeroutput", {}).get(_LEAKS_KEY, []))


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    """`row_locks` tests need real row locks and concurrent connections: PostgreSQL or
    MariaDB/MySQL. SQLite locks the whole database, so they are skipped there."""
    if _database_vendor() in {"postgresql", "mysql"}:
        return
    skip = pytest.mark.skip(
        reason="needs real row locks: run with DATABASE_URL=postgres://... or mysql://... (.ci/run does)"
    )
    for item in items:
        if "row_locks" in item.keywords:
            item.add_marker(skip)


_DATABASE_FIXTURES = frozenset({"db", "transactional_db", "django_db_reset_sequences", "django_db_serialized_rollback"})


@pytest.fixture(autouse=True)
def _signing_key(request: pytest.FixtureRequest):
    """Every test that uses the database starts with one active signing key, as a server
    does after `rotate_keys --if-none`. Its material is generated once per session
    (tests.factories.SigningKeyFactory). Mark a test or module `no_signing_key` to
    start from an empty key table (first start, rotation)."""
    uses_db = request.node.get_closest_marker("django_db") is not None or bool(
        _DATABASE_FIXTURES.intersection(request.fixturenames)
    )
    if not uses_db or request.node.get_closest_marker("no_signing_key") is not None:
        yield None
        return
    # The database as pytest-django sets it up for this test (its marker and fixtures
    # decide: transaction, serialized rollback...), before the key goes in.
    request.getfixturevalue("_django_db_helper")
    from tests.factories import SigningKeyFactory

    yield SigningKeyFactory()


@pytest.fixture(autouse=True)
def _fresh_key_store_cache():
    """The key store caches in process; each test's database starts without its keys."""
    from authfort_django.keys.store import key_store

    key_store.invalidate()
    yield
    key_store.invalidate()


@pytest.fixture(autouse=True)
def _rotation_keys_made_once_per_session(monkeypatch):
    """`rotate_keys` run in this process takes its new keys from a session-wide supply:
    within one test every key is distinct, in the same order each time; the next test,
    whose database no longer holds them, gets the same ones again. Tests of key
    generation call authfort_django.keys.crypto themselves, and servers in their own
    process generate their own."""
    from authfort_django.keys import crypto, rotation
    from tests.factories import rotation_keys

    handed_out: Counter[tuple[str, int]] = Counter()
    lock = threading.Lock()  # rotations racing in threads each take the next position

    def from_the_supply(algorithm: str, rsa_key_size: int = crypto.MIN_RSA_KEY_SIZE):
        with lock:
            index = handed_out[algorithm, rsa_key_size]
            handed_out[algorithm, rsa_key_size] += 1
        return rotation_keys.key(algorithm, index, rsa_key_size)

    monkeypatch.setattr(rotation, "generate_private_key", from_the_supply)


@pytest.fixture(autouse=True)
def _empty_cache():
    """Throttle counters live in the cache; no test inherits another's."""
    from django.core.cache import cache

    cache.clear()
    yield


# Model imports stay inside fixtures: this module is also loaded as a plugin
# (tests/test_log_guard.py) before Django is set up.


@pytest.fixture
def password() -> str:
    from tests.factories import DEFAULT_PASSWORD

    return DEFAULT_PASSWORD


@pytest.fixture
def user(db):
    from tests.factories import UserFactory

    return UserFactory()


@pytest.fixture
def api_client():
    from rest_framework.test import APIClient

    return APIClient()


@pytest.fixture(scope="session")
def auth_server(tmp_path_factory: pytest.TempPathFactory):
    """One real auth-server process (gunicorn, 2 workers) for the whole session."""
    with LiveAuthServer(tmp_path_factory.mktemp("auth_server")) as server:
        yield server


@pytest.fixture
def start_auth_server(tmp_path_factory: pytest.TempPathFactory):
    """Start extra servers with their own env (cookie mode, tight throttles, ...)."""
    started: list[LiveAuthServer] = []

    def start(workers: int = 2, **env: str) -> LiveAuthServer:
        server = LiveAuthServer(tmp_path_factory.mktemp("auth_server"), workers=workers, env=env).start()
        started.append(server)
        return server

    yield start
    for server in started:
        server.stop()
