"""Fixtures shared by every test package."""

from __future__ import annotations

import pytest

from tests.factories import DEFAULT_PASSWORD, UserFactory
from tests.helpers.live_server import LiveAuthServer


def _database_vendor() -> str:
    from django.db import connection

    return connection.vendor


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    """`postgres_only` tests need real row locks and concurrent connections."""
    if _database_vendor() == "postgresql":
        return
    skip = pytest.mark.skip(reason="needs PostgreSQL: run with DATABASE_URL=postgres://... (.ci/run does)")
    for item in items:
        if "postgres_only" in item.keywords:
            item.add_marker(skip)


@pytest.fixture(autouse=True)
def _fresh_key_store_cache():
    """The key store caches in process; each test's database starts without its keys."""
    from authfort_django.key_store import key_store

    key_store.invalidate()
    yield
    key_store.invalidate()


@pytest.fixture(autouse=True)
def _empty_cache():
    """Throttle counters live in the cache; no test inherits another's."""
    from django.core.cache import cache

    cache.clear()
    yield


@pytest.fixture
def password() -> str:
    return DEFAULT_PASSWORD


@pytest.fixture
def user(db):
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

    def start(**env: str) -> LiveAuthServer:
        server = LiveAuthServer(tmp_path_factory.mktemp("auth_server"), env=env).start()
        started.append(server)
        return server

    yield start
    for server in started:
        server.stop()
