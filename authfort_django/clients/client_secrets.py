"""Client secrets: 256 random bits, shown once, stored as SHA-256, compared in constant time.

A fast digest is enough because the secret is random, not chosen by a person: there
is no dictionary to try. It also keeps the token endpoint cheap under load, where
a password hash per request would be a lever for denial of service.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
from collections.abc import Iterable

from django.utils import timezone

from authfort_django.models import Client, ClientSecret

SECRET_BYTES = 32
MAX_SECRET_LENGTH = 512


def new_secret() -> str:
    return secrets.token_urlsafe(SECRET_BYTES)


def hash_secret(raw: str) -> str:
    return hashlib.sha256(raw.encode("utf-8", "surrogatepass")).hexdigest()


def live_secrets(client: Client) -> list[ClientSecret]:
    now = timezone.now()
    return [s for s in client.secrets.all() if s.expires_at is None or s.expires_at > now]


def secret_matches(presented: str, stored: Iterable[ClientSecret]) -> bool:
    """Constant time, and every stored secret compared (no early exit)."""
    digest = hash_secret(presented[:MAX_SECRET_LENGTH]).encode("ascii")
    matched = False
    for secret in stored:
        matched |= hmac.compare_digest(digest, secret.secret_hash.encode("ascii"))
    return matched
