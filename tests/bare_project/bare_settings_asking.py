"""The bare project with settings that ask for what the extras bring (checks.py I101/W101-W103/E102)."""

from bare_settings import *  # noqa: F403
from bare_settings import AUTHFORT

AUTHFORT = {**AUTHFORT, "METRICS_ACCESS": ["10.0.0.0/8"]}
SPECTACULAR_SETTINGS = {"TITLE": "asks for the [openapi] extra"}
PASSWORD_HASHERS = ["django.contrib.auth.hashers.Argon2PasswordHasher"]
