"""Second-factor guesses spend the account's login budget, held in Redis: two gunicorn
workers together allow exactly that budget, whatever address each guess comes from."""

from __future__ import annotations

import time
import uuid

import pyotp
import pytest

pytestmark = pytest.mark.slow

BUDGET = 6  # AUTHFORT_THROTTLE_LOGIN_ACCOUNT per minute


def _wrong_code(secret: str) -> str:
    """A code that no step of the server's drift window accepts now."""
    totp = pyotp.TOTP(secret)
    now = time.time()
    near = {totp.at(now + 30 * offset) for offset in range(-2, 3)}
    return next(f"{n:06d}" for n in range(1_000_000) if f"{n:06d}" not in near)


def test_second_factor_guesses_across_two_workers_meet_one_account_budget(start_auth_server, shared_redis):
    prefix = f"mfa-throttle-test-{uuid.uuid4().hex}"
    server = start_auth_server(
        workers=2,
        REDIS_URL=shared_redis.url,
        CACHE_KEY_PREFIX=prefix,
        NUM_PROXIES="1",  # X-Forwarded-For is trusted: every request looks like a new client
        AUTHFORT_THROTTLE_LOGIN_ACCOUNT=f"{BUDGET}/min",
        # The per-mfa_token limit (5 by default) out of the way: only the account budget is measured.
        AUTHFORT_MFA_MAX_ATTEMPTS="100",
    )
    addresses = (f"198.51.100.{n}" for n in range(1, 200))

    def post(path, body, **headers):
        return server.post(path, body, headers={"X-Forwarded-For": next(addresses), **headers})

    account = server.register()
    auth = {"Authorization": f"Bearer {account['access_token']}"}
    secret = post("/auth/mfa/totp/setup", None, **auth).json()["secret"]
    # Confirming spends one of the budget (the same counter as password guesses).
    confirmed = post("/auth/mfa/totp/confirm", {"code": pyotp.TOTP(secret).now()}, **auth)
    assert confirmed.status_code == 200, confirmed.text
    first = post("/auth/login", {"email": account["email"], "password": account["password"]})
    assert first.status_code == 200 and first.json()["mfa_required"] is True, first.text  # the budget's second
    mfa_token = first.json()["mfa_token"]

    wrong = _wrong_code(secret)
    guesses = [post("/auth/login/mfa", {"mfa_token": mfa_token, "code": wrong}) for _ in range(BUDGET)]
    # Per-process memory caches would allow up to 2 x BUDGET; one Redis counter allows BUDGET in all.
    assert [(r.status_code, r.json()["code"]) for r in guesses] == (
        [(401, "invalid_code")] * (BUDGET - 2) + [(429, "throttled")] * 2
    )
    # Refused before any check: even the right code, and a fresh password login, wait.
    right = post("/auth/login/mfa", {"mfa_token": mfa_token, "code": pyotp.TOTP(secret).now()})
    assert right.status_code == 429 and int(right.headers["Retry-After"]) > 0
    assert post("/auth/login", {"email": account["email"], "password": account["password"]}).status_code == 429
    assert shared_redis.throttle_keys(prefix, "login_account")  # in Redis, not a worker's memory
