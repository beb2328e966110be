"""Throttle counters live in Redis, so every worker of every host shares one budget."""

from __future__ import annotations

import os
import uuid

import pytest

pytestmark = pytest.mark.slow

REDIS_URL = os.environ.get("REDIS_URL", "redis://127.0.0.1:6379/15")


def _redis_answers() -> bool:
    import redis

    try:
        return bool(redis.Redis.from_url(REDIS_URL, socket_connect_timeout=1).ping())
    except redis.RedisError:
        return False


@pytest.fixture
def redis_url() -> str:
    if not _redis_answers():
        if os.environ.get("CI"):
            pytest.fail(f"Redis is not answering at {REDIS_URL}; .ci/run starts it")
        pytest.skip(f"Redis is not answering at {REDIS_URL}")
    return REDIS_URL


def test_login_throttle_is_shared_by_all_workers(start_auth_server, redis_url):
    # Three workers with per-process memory caches would allow up to 3 x 3 attempts;
    # one Redis counter allows exactly 3, whichever workers answer.
    server = start_auth_server(
        workers=3,
        REDIS_URL=redis_url,
        CACHE_KEY_PREFIX=f"throttle-test-{uuid.uuid4().hex}",
        AUTHFORT_THROTTLE_LOGIN="3/min",
    )

    statuses = [server.login(f"nobody{n}@example.com").status_code for n in range(6)]

    assert statuses == [401, 401, 401, 429, 429, 429]
    blocked = server.login("again@example.com")
    assert int(blocked.headers["Retry-After"]) > 0
    assert blocked.json()["code"] == "throttled"
