"""The per-account login limit, shared through Redis by two gunicorn workers, holds
against guesses that each come from a different (forwarded) client address."""

from __future__ import annotations

import uuid

import pytest

pytestmark = pytest.mark.slow


def test_rotating_forwarded_addresses_across_two_workers_meet_one_account_limit(start_auth_server, shared_redis):
    prefix = f"account-throttle-test-{uuid.uuid4().hex}"
    server = start_auth_server(
        workers=2,
        REDIS_URL=shared_redis.url,
        CACHE_KEY_PREFIX=prefix,
        NUM_PROXIES="1",  # X-Forwarded-For is trusted: every guess looks like a new client
        AUTHFORT_THROTTLE_LOGIN_ACCOUNT="3/min",
    )
    victim = server.register()["email"]

    answers = [
        server.post(
            "/auth/login",
            {"email": victim, "password": f"guess {n}"},
            headers={"X-Forwarded-For": f"198.51.100.{n}"},
        )
        for n in range(8)
    ]

    # Per-process memory caches would allow up to 2 x 3 guesses; Redis allows exactly 3.
    assert [(r.status_code, r.json()["code"]) for r in answers] == (
        [(401, "invalid_credentials")] * 3 + [(429, "throttled")] * 5
    )
    assert shared_redis.throttle_keys(prefix, "login_account")  # in Redis, not a worker's memory
    blocked = server.post("/auth/login", {"email": victim, "password": "guess"}, headers={"X-Forwarded-For": "192.0.2.9"})
    assert int(blocked.headers["Retry-After"]) > 0
    assert blocked.json()["code"] == "throttled"
