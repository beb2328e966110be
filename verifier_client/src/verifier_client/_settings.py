"""The adapters' settings: which keys exist, what they must hold, and what they build.

Private to verifier_client. One table of keys serves the DRF adapter
(`VERIFIER_CLIENT = {...}`), the Flask adapter (`VERIFIER_CLIENT_*` config) and
the Django system checks, so a key that `manage.py check` accepts is one the
adapters accept, and the other way round. Framework-free on purpose.
"""

from __future__ import annotations

import importlib
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from .introspection import IntrospectionClient
from .verifier import TokenVerifier

__all__: list[str] = []  # private to verifier_client

# Setting key -> TokenVerifier keyword. Only keys that are set are passed, so the
# verifier's own defaults apply to the rest.
_VERIFIER_OPTIONS = {
    "JWKS_URL": "jwks_url",
    "JWKS": "keys",
    "ISSUER": "issuer",
    "AUDIENCE": "audience",
    "ALGORITHMS": "algorithms",
    "ACCEPTED_TYPES": "accepted_types",
    "LEEWAY": "leeway",
    "REQUIRED_CLAIMS": "required_claims",
    "CACHE_TTL": "cache_ttl",
    "MAX_STALE": "max_stale",
    "MIN_REFETCH_INTERVAL": "min_refetch_interval",
    "TIMEOUT": "timeout",
    "VERIFIED_CACHE_SIZE": "verified_cache_size",
    "MAX_TOKEN_BYTES": "max_token_bytes",
    "ALLOW_INSECURE_HTTP": "allow_insecure_http",
    "ON_EVENT": "on_event",  # a callable, or its dotted path ("myservice.metrics.on_verifier_event")
}
_INTROSPECTION_OPTIONS = {
    "INTROSPECTION_CACHE_TTL": "cache_ttl",
    "INTROSPECTION_TIMEOUT": "timeout",
    "ALLOW_INSECURE_HTTP": "allow_insecure_http",
}
_ADAPTER_DEFAULTS: dict[str, Any] = {
    "COOKIE_NAME": None,
    "CSRF_COOKIE_NAME": "authfort_csrf",
    "CSRF_HEADER": "X-CSRF-Token",
    "REALM": "api",
    "INTROSPECTION_URL": None,
    "INTROSPECTION_SECRET": None,
}
KNOWN_KEYS = frozenset(_VERIFIER_OPTIONS) | frozenset(_INTROSPECTION_OPTIONS) | frozenset(_ADAPTER_DEFAULTS)


class ConfigError(ValueError):
    """The adapter settings are unusable; each adapter re-raises it in its own idiom."""


@dataclass(frozen=True)
class AdapterSettings:
    """Validated adapter settings: what to build the verifier from, and how to read credentials."""

    verifier_options: Mapping[str, Any]
    introspection_options: Mapping[str, Any]
    cookie_name: str | None
    csrf_cookie_name: str
    csrf_header: str
    realm: str
    introspection_url: str | None
    introspection_secret: str | None = field(repr=False)


def parse_settings(values: Mapping[str, Any], where: str) -> AdapterSettings:
    """Check `values` (keys as documented for `VERIFIER_CLIENT`) and return them typed.

    `where` names the setting in error messages (e.g. "VERIFIER_CLIENT").
    Raises `ConfigError` for unknown keys and missing required ones.
    """
    unknown = sorted(set(values) - KNOWN_KEYS)
    if unknown:
        raise ConfigError(f"{where}: unknown key(s) {', '.join(unknown)}.")
    if not values.get("ISSUER"):
        raise ConfigError(f"{where}: ISSUER is required.")
    if "AUDIENCE" not in values:
        raise ConfigError(
            f"{where}: AUDIENCE is required (set it to None to accept tokens for any audience, explicitly)."
        )
    if not values.get("JWKS_URL") and not values.get("JWKS"):
        raise ConfigError(f"{where}: set JWKS_URL (or JWKS, a static key set).")
    adapter = {key: values.get(key, default) for key, default in _ADAPTER_DEFAULTS.items()}
    if adapter["INTROSPECTION_URL"] and not adapter["INTROSPECTION_SECRET"]:
        raise ConfigError(f"{where}: INTROSPECTION_URL needs INTROSPECTION_SECRET.")
    return AdapterSettings(
        verifier_options={kw: values[key] for key, kw in _VERIFIER_OPTIONS.items() if key in values},
        introspection_options={kw: values[key] for key, kw in _INTROSPECTION_OPTIONS.items() if key in values},
        cookie_name=adapter["COOKIE_NAME"] or None,
        csrf_cookie_name=adapter["CSRF_COOKIE_NAME"],
        csrf_header=adapter["CSRF_HEADER"],
        realm=adapter["REALM"],
        introspection_url=adapter["INTROSPECTION_URL"] or None,
        introspection_secret=adapter["INTROSPECTION_SECRET"] or None,
    )


def build_verifier(conf: AdapterSettings, where: str) -> TokenVerifier:
    """The `TokenVerifier` these settings describe; `ConfigError` when it refuses them."""
    options = dict(conf.verifier_options)
    jwks_url = options.pop("jwks_url", None)
    if isinstance(options.get("on_event"), str):
        options["on_event"] = _import_callable(options["on_event"], where)
    try:
        return TokenVerifier(jwks_url, **options)
    except (TypeError, ValueError) as exc:
        raise ConfigError(f"{where}: {exc}") from exc


def _import_callable(dotted: str, where: str) -> Any:
    module_name, _, attribute = dotted.rpartition(".")
    try:
        found = getattr(importlib.import_module(module_name), attribute)
    except (ImportError, AttributeError, ValueError) as exc:
        raise ConfigError(f"{where}: ON_EVENT {dotted!r} cannot be imported ({exc}).") from None
    if not callable(found):
        raise ConfigError(f"{where}: ON_EVENT {dotted!r} is not callable.")
    return found


def build_introspection(conf: AdapterSettings, where: str) -> IntrospectionClient:
    """The introspection client these settings describe; `ConfigError` when not configured."""
    if not conf.introspection_url or not conf.introspection_secret:
        raise ConfigError(
            f"{where}: INTROSPECTION_URL and INTROSPECTION_SECRET are needed to check that tokens are active."
        )
    try:
        return IntrospectionClient(conf.introspection_url, conf.introspection_secret, **conf.introspection_options)
    except (TypeError, ValueError) as exc:
        raise ConfigError(f"{where}: {exc}") from exc
