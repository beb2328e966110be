"""Throttle counters live in Redis, so every worker of every host shares one budget."""

from __future__ import annotations

import uuid

import pytest

pytestmark = pytest.mark.slow


def test_login_throttle_is_shared_by_all_workers(start_auth_server, shared_redis):
    # Three workers with per-process memory caches would allow up to 3 x 3 attempts;
    # one Redis counter allows exactly 3, whichever workers answer.
    prefix = f"throttle-test-{uuid.uuid4().hex}"
    server = start_auth_server(
        workers=3, REDIS_URL=shared_redis.url, CACHE_KEY_PREFIX=prefix, AUTHFORT_THROTTLE_LOGIN="3/min"
    )

    answers = [server.login(f"nobody{n}@example.com") for n in range(6)]

    assert [(r.status_code, r.json()["code"]) for r in answers] == (
        [(401, "invalid_credentials")] * 3 + [(429, "throttled")] * 3
    )
    # The counter is in Redis, not in a worker's memory (where one busy worker alone
    # could produce the same statuses).
    assert shared_redis.throttle_keys(prefix, "login")
    blocked = server.login("again@example.com")
    assert int(blocked.headers["Retry-After"]) > 0
    assert blocked.json()["code"] == "throttled"
