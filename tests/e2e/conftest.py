"""Fixtures of the end-to-end tests."""

from __future__ import annotations

import logging
import os

import pytest

REDIS_URL = os.environ.get("REDIS_URL", "redis://127.0.0.1:6379/15")


@pytest.fixture(autouse=True)
def _quiet_http_client_log():
    """The loads send thousands of requests; urllib3's per-request DEBUG line would
    only fill the suite's log recorder (tests/log_guard.py) and the terminal."""
    logger = logging.getLogger("urllib3")
    previous = logger.level
    logger.setLevel(logging.INFO)
    yield
    logger.setLevel(previous)


class SharedRedis:
    """The Redis the servers under test share, and a look at what they keep in it."""

    url = REDIS_URL

    def __init__(self) -> None:
        import redis

        self.client = redis.Redis.from_url(REDIS_URL, socket_connect_timeout=1)

    def throttle_keys(self, key_prefix: str, scope: str) -> list[bytes]:
        """Django cache keys (prefix:version:key) of DRF throttle counters of `scope`."""
        return self.client.keys(f"{key_prefix}:*:throttle_{scope}_*")


@pytest.fixture
def shared_redis() -> SharedRedis:
    import redis

    try:
        shared = SharedRedis()
        shared.client.ping()
    except redis.RedisError:
        if os.environ.get("CI"):
            pytest.fail(f"Redis is not answering at {REDIS_URL}; .ci/run starts it")
        pytest.skip(f"Redis is not answering at {REDIS_URL}")
    return shared
