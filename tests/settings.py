"""The reference project's settings with test-friendly overrides.

Passwords use a fast hasher so the suite stays quick; the tests that are about
hashing (timing of unknown-user logins, the deployed hasher) set their own.
"""

import os
from urllib.parse import urlsplit, urlunsplit

from config.settings import *  # noqa: F403
from config.settings import AUTHFORT, MIDDLEWARE

PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]

AUTHFORT = {
    **AUTHFORT,
    "ISSUER": "http://testserver",
    "AUDIENCE": "authfort-tests",
    "KEY_ENCRYPTION_KEYS": ["test-key-encryption-key-0123456789abcdef"],
    "RSA_KEY_SIZE": 2048,
    "INTROSPECTION_SECRETS": ["test-introspection-secret-0123456789"],
    "FRONTEND_URL": "https://app.example.com",
}

# Notes every password and token that crosses the API, so the session can prove
# that none of them reached a log line (tests/log_guard.py).
MIDDLEWARE = ["tests.log_guard.SecretCollectorMiddleware", *MIDDLEWARE]

# With Redis as the cache, every test clears it (tests/conftest.py), which is a FLUSHDB.
# Under pytest-xdist the other worker's tests, and the live servers of the end-to-end
# tests (which keep REDIS_URL's database), must not lose their counters to it: each
# worker's own tests get a database of their own, counted down from 14.
_worker = os.environ.get("PYTEST_XDIST_WORKER", "")
_cache = globals().get("CACHES", {}).get("default", {})
if _worker.startswith("gw") and _cache.get("BACKEND", "").endswith("RedisCache"):
    _location = urlsplit(_cache["LOCATION"])
    _cache["LOCATION"] = urlunsplit(_location._replace(path=f"/{14 - int(_worker[2:]) % 14}"))
