"""System checks (authfort.E00x / W00x): misconfigurations found at startup.

Ids are stable; docs and operators refer to them. Each message names the AUTHFORT
key and each hint says what to set. Nothing here reads the database.

    E001 ALGORITHM unsupported              W001 PUBLISH_AHEAD < JWKS_MAX_AGE + KEY_CACHE_TTL
    E002 RSA_KEY_SIZE < 2048                W002 no explicit KEY_ENCRYPTION_KEYS, DEBUG off
    E003 a lifetime not a positive integer  W003 ISSUER not https, DEBUG off
    E004 a KEY_ENCRYPTION_KEYS entry < 32   W004 LEEWAY > 60 s
    E005 an INTROSPECTION_SECRETS entry < 32
    E006 EXTRA_CLAIMS not importable
    E007 COOKIE.SAMESITE invalid, or None without Secure
"""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.core.checks import CheckMessage, Error, Warning, register
from django.utils.module_loading import import_string

from .app_settings import DEFAULTS, SUPPORTED_ALGORITHMS, authfort_settings
from .keys import MIN_RSA_KEY_SIZE

MIN_SECRET_LENGTH = 32
MAX_LEEWAY = 60
_POSITIVE_INTEGERS = (
    "ACCESS_TOKEN_TTL", "JWKS_MAX_AGE", "PUBLISH_AHEAD", "PASSWORD_RESET_TTL", "EMAIL_VERIFICATION_TTL",
)
_SAMESITE_VALUES = ("Lax", "Strict", "None")


@register()
def check_signing(app_configs: Any = None, **kwargs: Any) -> list[CheckMessage]:
    """E001, E002: the algorithm and key size of new signing keys."""
    messages: list[CheckMessage] = []
    algorithm = authfort_settings.ALGORITHM
    if algorithm not in SUPPORTED_ALGORITHMS:
        messages.append(
            Error(
                f"AUTHFORT['ALGORITHM'] is {algorithm!r}, which authfort cannot sign with.",
                hint=f"Set it to one of {', '.join(SUPPORTED_ALGORITHMS)} (RS256 is what most verifiers expect).",
                id="authfort.E001",
            )
        )
    size = authfort_settings.RSA_KEY_SIZE
    if not _is_int(size) or size < MIN_RSA_KEY_SIZE:
        messages.append(
            Error(
                f"AUTHFORT['RSA_KEY_SIZE'] is {size!r}; RSA keys shorter than {MIN_RSA_KEY_SIZE} bits "
                f"are breakable and rejected by verifiers.",
                hint=f"Set it to {MIN_RSA_KEY_SIZE} or more (3072 for keys used past 2030).",
                id="authfort.E002",
            )
        )
    return messages


@register()
def check_lifetimes(app_configs: Any = None, **kwargs: Any) -> list[CheckMessage]:
    """E003, W001, W004: token and key-publication timings."""
    messages: list[CheckMessage] = []
    for name in _POSITIVE_INTEGERS:
        value = getattr(authfort_settings, name)
        if not _is_int(value) or value <= 0:
            messages.append(
                Error(
                    f"AUTHFORT[{name!r}] is {value!r}; it must be a positive number of seconds.",
                    hint=f"Set it to a positive integer (default {DEFAULTS[name]}).",
                    id="authfort.E003",
                )
            )
    if messages:
        return messages  # the comparisons below need the values to be numbers
    publish_ahead = authfort_settings.PUBLISH_AHEAD
    max_age = authfort_settings.JWKS_MAX_AGE
    cache_ttl = authfort_settings.KEY_CACHE_TTL
    if _is_int(cache_ttl) and publish_ahead < max_age + cache_ttl:
        messages.append(
            Warning(
                f"AUTHFORT['PUBLISH_AHEAD'] ({publish_ahead} s) is shorter than JWKS_MAX_AGE + "
                f"KEY_CACHE_TTL ({max_age} + {cache_ttl} s): a new key may sign before every consumer "
                f"and server process has fetched it, and its tokens fail to verify for a while.",
                hint=f"Set PUBLISH_AHEAD to at least {max_age + cache_ttl} (the default is {DEFAULTS['PUBLISH_AHEAD']}).",
                id="authfort.W001",
            )
        )
    leeway = authfort_settings.LEEWAY
    if _is_int(leeway) and leeway > MAX_LEEWAY:
        messages.append(
            Warning(
                f"AUTHFORT['LEEWAY'] is {leeway} s; verifiers cap clock leeway at {MAX_LEEWAY} s, "
                f"and a long leeway keeps expired tokens alive.",
                hint=f"Set LEEWAY to {MAX_LEEWAY} or less and keep the clocks in sync (NTP).",
                id="authfort.W004",
            )
        )
    return messages


@register()
def check_secrets(app_configs: Any = None, **kwargs: Any) -> list[CheckMessage]:
    """W002, E004, E005: key-encryption and introspection secrets. Never echoes a secret."""
    messages: list[CheckMessage] = []
    # The raw setting: the accessor substitutes the SECRET_KEY-derived fallback.
    explicit_keks = [k for k in _configured("KEY_ENCRYPTION_KEYS") or [] if k]
    if not explicit_keks and not settings.DEBUG:
        messages.append(
            Warning(
                "AUTHFORT['KEY_ENCRYPTION_KEYS'] is not set: private signing keys are encrypted with "
                "a key derived from SECRET_KEY, so rotating SECRET_KEY makes them unreadable.",
                hint="Set AUTHFORT_KEY_ENCRYPTION_KEYS to a random secret of 32+ characters "
                "(e.g. `python -c 'import secrets; print(secrets.token_urlsafe(48))'`).",
                id="authfort.W002",
            )
        )
    messages += _short_secrets("KEY_ENCRYPTION_KEYS", explicit_keks, "authfort.E004")
    messages += _short_secrets("INTROSPECTION_SECRETS", authfort_settings.INTROSPECTION_SECRETS, "authfort.E005")
    return messages


def _short_secrets(name: str, secrets: list[Any], check_id: str) -> list[CheckMessage]:
    """One `check_id` error per entry of `secrets` shorter than MIN_SECRET_LENGTH, by position only."""
    return [
        Error(
            f"AUTHFORT[{name!r}] entry {position} is shorter than {MIN_SECRET_LENGTH} characters.",
            hint=f"Use random secrets of {MIN_SECRET_LENGTH}+ characters, e.g. secrets.token_urlsafe(48).",
            id=check_id,
        )
        for position, secret in enumerate(secrets)
        if not isinstance(secret, str) or len(secret) < MIN_SECRET_LENGTH
    ]


@register()
def check_deployment(app_configs: Any = None, **kwargs: Any) -> list[CheckMessage]:
    """W003, E006, E007: issuer URL, claims hook, cookies."""
    messages: list[CheckMessage] = []
    issuer = authfort_settings.ISSUER
    if not settings.DEBUG and not (isinstance(issuer, str) and issuer.startswith("https://")):
        messages.append(
            Warning(
                f"AUTHFORT['ISSUER'] is {issuer!r}, not an https URL, while DEBUG is off; consumers "
                f"fetch the JWKS from it and verifiers refuse plain http except on loopback.",
                hint="Set AUTHFORT_ISSUER to the public https URL of this server, e.g. https://auth.example.com.",
                id="authfort.W003",
            )
        )
    path = authfort_settings.EXTRA_CLAIMS
    if path:
        try:
            hook = import_string(path)
            if not callable(hook):
                raise ImportError(f"{path} is not callable")
        except ImportError as error:
            messages.append(
                Error(
                    f"AUTHFORT['EXTRA_CLAIMS'] is {path!r}, which cannot be imported: {error}",
                    hint="Give the dotted path of a callable (user, session) -> dict, e.g. 'myapp.claims.extra'.",
                    id="authfort.E006",
                )
            )
    cookie = authfort_settings.COOKIE
    samesite = cookie.get("SAMESITE")
    if samesite not in _SAMESITE_VALUES:
        messages.append(
            Error(
                f"AUTHFORT['COOKIE']['SAMESITE'] is {samesite!r}.",
                hint="Set it to 'Lax' (default), 'Strict' or 'None' (exactly so spelt).",
                id="authfort.E007",
            )
        )
    elif samesite == "None" and not cookie.get("SECURE"):
        messages.append(
            Error(
                "AUTHFORT['COOKIE'] has SAMESITE 'None' without SECURE; browsers drop such cookies.",
                hint="Set COOKIE SECURE to True, or use SAMESITE 'Lax'.",
                id="authfort.E007",
            )
        )
    return messages


def _configured(name: str) -> Any:
    """The value the project set for `name`, or None (no defaults, no fallbacks)."""
    return (getattr(settings, "AUTHFORT", None) or {}).get(name)


def _is_int(value: object) -> bool:
    return isinstance(value, int) and not isinstance(value, bool)
