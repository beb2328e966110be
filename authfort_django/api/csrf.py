"""The CSRF value of cookie mode: random, and HMAC-signed to the session it was issued for.

A plain double submit (header equals cookie) is passed by anyone who can plant a
cookie on the domain (a sibling subdomain, a plain-http page of the same host):
they choose both the cookie and the header. Here the value is

    <nonce>.<HMAC-SHA256(key derived from SECRET_KEY, "<session id>:<nonce>")>

(OWASP's signed double-submit cookie), so a value only passes for the session it
was issued to: a pair planted from another session, or made up, is refused. The
nonce makes each issued value fresh. SECRET_KEY_FALLBACKS are accepted, so rotating
SECRET_KEY does not log browsers out; the comparison is constant-time.

Consumers (verifier_client) hold no key: they check the double submit only.
"""

from __future__ import annotations

import secrets
from typing import Any

from django.conf import settings
from django.utils.crypto import constant_time_compare, salted_hmac

_SALT = "authfort_django.api.csrf"
# A real value is 22 + 1 + 64 characters; anything much longer is not ours.
MAX_LENGTH = 256


def _mac(session_id: Any, nonce: str, secret: str) -> str:
    return salted_hmac(_SALT, f"{session_id}:{nonce}", secret=secret, algorithm="sha256").hexdigest()


def issue(session_id: Any) -> str:
    """A fresh CSRF value bound to `session_id` (the `sid` of the pair it goes out with)."""
    nonce = secrets.token_urlsafe(16)
    return f"{nonce}.{_mac(session_id, nonce, settings.SECRET_KEY)}"


def is_bound_to(value: str, session_id: Any) -> bool:
    """True when `value` was issued by this server (current or fallback key) for `session_id`."""
    if not value or len(value) > MAX_LENGTH:
        return False
    nonce, dot, mac = value.partition(".")
    if not dot or not nonce or not mac:
        return False
    matched = False
    for secret in (settings.SECRET_KEY, *getattr(settings, "SECRET_KEY_FALLBACKS", ())):
        # Every key is tried, so the time taken does not say which one matched.
        matched |= constant_time_compare(mac, _mac(session_id, nonce, secret))
    return matched
