"""The reference project's settings with test-friendly overrides.

Passwords use a fast hasher so the suite stays quick; the tests that are about
hashing (timing of unknown-user logins, the deployed hasher) set their own.
"""

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
