"""System checks of the VERIFIER_CLIENT setting, run by `manage.py check` when
"verifier_client" is in INSTALLED_APPS (see `verifier_client.apps`).

The rules are the ones the DRF adapter applies when it builds its verifier
(`verifier_client._settings.find_problems`), reported all at once:

    verifier_client.E001  VERIFIER_CLIENT is not a dict
    verifier_client.E002  unknown key; the hint names the closest valid one
    verifier_client.E003  JWKS_URL (or JWKS), ISSUER or AUDIENCE missing
                          (AUDIENCE=None is the explicit opt-out, not a missing key)
    verifier_client.E004  a value of the wrong type or out of range (LEEWAY above 60,
                          INTROSPECTION_CACHE_TTL above 60, ...)
    verifier_client.E005  JWKS_URL or INTROSPECTION_URL not https:// (http only to loopback)
    verifier_client.E006  contradicting keys (JWKS_URL and JWKS; INTROSPECTION_URL without its secret)
    verifier_client.E007  ON_EVENT cannot be imported or is not callable
    verifier_client.W001  plain http to a non-loopback host, allowed by ALLOW_INSECURE_HTTP
    verifier_client.W002  JWKS cache options beside static keys, where they do nothing
    verifier_client.W003  INTROSPECTION_CACHE_TTL or INTROSPECTION_TIMEOUT without
                          INTROSPECTION_URL, where they do nothing
"""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.core.checks import CheckMessage, Error, Warning

from ._settings import find_problems

__all__ = ["check_settings"]

_SETTING = "VERIFIER_CLIENT"
_LABEL = "verifier_client"


def check_settings(app_configs: Any = None, **kwargs: Any) -> list[CheckMessage]:
    """Every problem of `settings.VERIFIER_CLIENT` as a Django check message."""
    if app_configs is not None and not any(config.label == _LABEL for config in app_configs):
        return []  # `manage.py check other_app`: not ours to report
    values = getattr(settings, _SETTING, {})
    messages: list[CheckMessage] = []
    for problem in find_problems(values, _SETTING):
        kind = Warning if problem.warning else Error
        messages.append(kind(problem.message, hint=problem.hint, id=f"{_LABEL}.{problem.id}"))
    return messages
