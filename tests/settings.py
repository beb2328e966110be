"""The reference project's settings with test-friendly overrides.

Passwords use a fast hasher so the suite stays quick; the tests that are about
hashing (timing of unknown-user logins, the deployed hasher) set their own.
"""

import os
from urllib.parse import urlsplit, urlunsplit

from config.settings import *  # noqa: F403
from config.settings import AUTHFORT, MIDDLEWARE, STORAGES

PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]

# The admin's tests need it mounted; tests/test_reference_project.py turns it off.
ADMIN_ENABLED = True
# Pages render without a collectstatic run; tests/test_reference_project.py serves
# the production storage's output through WhiteNoise.
STORAGES = {**STORAGES, "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"}}
# Nor is STATIC_ROOT ever filled: WhiteNoise looks per request instead of warning, at
# every test client's start, that the directory is missing.
WHITENOISE_AUTOREFRESH = True

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
