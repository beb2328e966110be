"""The adapters' settings: which keys exist, what each must hold, and what they build.

Private to verifier_client. One table of keys serves the DRF adapter
(`VERIFIER_CLIENT = {...}`), the Flask adapter (`VERIFIER_CLIENT_*` config) and
the Django system checks (`verifier_client.checks`): `find_problems` is the one
judge, so a setting `manage.py check` passes is one the adapters accept, and
the other way round. Framework-free on purpose.

Problem ids (the system checks prefix them with "verifier_client."):

    E001  the setting is not a dict
    E002  unknown key (the hint names the closest valid one)
    E003  a required key is missing: JWKS_URL (or JWKS), ISSUER, AUDIENCE
    E004  a value of the wrong type or out of range (e.g. LEEWAY or INTROSPECTION_CACHE_TTL above 60)
    E005  a URL that is not https:// (plain http only to a loopback host)
    E006  keys that contradict each other (JWKS_URL and JWKS; INTROSPECTION_URL without its secret)
    E007  ON_EVENT cannot be imported or is not callable
    W001  plain http to a host that is not loopback, allowed by ALLOW_INSECURE_HTTP
    W002  JWKS cache options given with static keys (JWKS), where they do nothing
    W003  introspection options given without INTROSPECTION_URL, where they do nothing
"""

from __future__ import annotations

import difflib
import importlib
import logging
import numbers
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import urlsplit

from ._keys import SUPPORTED_ALGORITHMS
from ._transport import check_url, is_loopback
from .introspection import IntrospectionClient
from .jwks import JWKSClient
from .verifier import MAX_LEEWAY, TokenVerifier

__all__: list[str] = []  # private to verifier_client

logger = logging.getLogger("verifier_client.settings")

# Setting key -> TokenVerifier keyword. Only keys that are set are passed, so the
# verifier's own defaults apply to the rest.
_VERIFIER_OPTIONS = {
    "JWKS": "keys",
    "ISSUER": "issuer",
    "AUDIENCE": "audience",
    "ALGORITHMS": "algorithms",
    "ACCEPTED_TYPES": "accepted_types",
    "LEEWAY": "leeway",
    "REQUIRED_CLAIMS": "required_claims",
    "VERIFIED_CACHE_SIZE": "verified_cache_size",
    "MAX_TOKEN_BYTES": "max_token_bytes",
    "ON_EVENT": "on_event",  # a callable, or its dotted path ("myservice.metrics.on_verifier_event")
}
# Setting key -> JWKSClient keyword: the key cache JWKS_URL builds.
_JWKS_OPTIONS = {
    "CACHE_TTL": "cache_ttl",
    "MIN_CACHE_TTL": "min_cache_ttl",
    "MAX_STALE": "max_stale",
    "MIN_REFETCH_INTERVAL": "min_refetch_interval",
    "TIMEOUT": "timeout",
    "ALLOW_INSECURE_HTTP": "allow_insecure_http",
}
_INTROSPECTION_OPTIONS = {
    "INTROSPECTION_CACHE_TTL": "cache_ttl",
    "INTROSPECTION_TIMEOUT": "timeout",
    "ALLOW_INSECURE_HTTP": "allow_insecure_http",
}
_ADAPTER_DEFAULTS: dict[str, Any] = {
    "COOKIE_NAME": None,
    # None: "authfort_csrf" with the prefix of COOKIE_NAME (csrf_cookie_name_for).
    "CSRF_COOKIE_NAME": None,
    "CSRF_HEADER": "X-CSRF-Token",
    "REALM": "api",
    "INTROSPECTION_URL": None,
    "INTROSPECTION_SECRET": None,
}
KNOWN_KEYS = frozenset(
    {"JWKS_URL", *_VERIFIER_OPTIONS, *_JWKS_OPTIONS, *_INTROSPECTION_OPTIONS, *_ADAPTER_DEFAULTS}
)
# JWKSClient refuses a floor above its default ceiling (max_cache_ttl).
_MAX_CACHE_TTL = 3600
# A live check exists to see a logout or a ban promptly; reusing its answer for
# longer than a minute would make it another local check with extra steps.
MAX_INTROSPECTION_CACHE_TTL = 60


class ConfigError(ValueError):
    """The adapter settings are unusable; each adapter re-raises it in its own idiom."""


@dataclass(frozen=True)
class Problem:
    """One thing wrong with the settings: what, and what to do about it."""

    id: str  # "E004"; the Django check id is "verifier_client.E004"
    message: str
    hint: str
    warning: bool = False

    def __str__(self) -> str:
        return f"{self.message} {self.hint}"


# -- what each key must hold ----------------------------------------------------------
# Each rule returns None when the value is acceptable, else what it must be
# (completing "... is <value>; it must be <this>.").
Rule = Callable[[Any], "str | None"]


def _number(low: float, high: float | None = None, *, low_open: bool = False) -> Rule:
    def rule(value: Any) -> str | None:
        ok = isinstance(value, numbers.Real) and not isinstance(value, bool)
        ok = ok and (value > low if low_open else value >= low) and (high is None or value <= high)
        if ok:
            return None
        lowest = f"above {low:g}" if low_open else f"at least {low:g}"
        return f"a number of seconds {lowest}" + (f" and at most {high:g}" if high is not None else "")

    return rule


def _count(low: int) -> Rule:
    def rule(value: Any) -> str | None:
        ok = isinstance(value, int) and not isinstance(value, bool) and value >= low
        return None if ok else f"a whole number of at least {low}"

    return rule


def _text(value: Any) -> str | None:
    return None if isinstance(value, str) and value else "a non-empty string"


def _optional_text(value: Any) -> str | None:
    return None if value is None else _text(value)


def _texts(value: Any) -> str | None:
    """A string, or a non-empty list or tuple of non-empty strings."""
    if isinstance(value, str) and value:
        return None
    if isinstance(value, (list, tuple)) and value and all(isinstance(v, str) and v for v in value):
        return None
    return "a non-empty string or a non-empty list of non-empty strings"


def _claim_names(value: Any) -> str | None:
    ok = isinstance(value, (list, tuple)) and all(isinstance(v, str) and v for v in value)
    return None if ok else 'a list of claim names, e.g. ["exp", "iat", "sub", "iss"]'


def _audience(value: Any) -> str | None:
    if value is None:
        return None
    problem = _texts(value)
    return None if problem is None else f"{problem}, or None to accept any audience (explicitly)"


def _algorithms(value: Any) -> str | None:
    names = (value,) if isinstance(value, str) else value
    if (
        isinstance(names, (list, tuple))
        and names
        and all(isinstance(n, str) and n in SUPPORTED_ALGORITHMS for n in names)
    ):
        return None
    return f"a non-empty list drawn from {', '.join(sorted(SUPPORTED_ALGORITHMS))}"


def _flag(value: Any) -> str | None:
    return None if isinstance(value, bool) else "True or False"


def _jwks(value: Any) -> str | None:
    return None if value is None or isinstance(value, (Mapping, list)) else 'a JWKS dict ({"keys": [...]}) or a list of JWKs'


def _on_event(value: Any) -> str | None:
    return None if value is None or callable(value) or isinstance(value, str) else "a callable or its dotted path"


def _url(value: Any) -> str | None:
    return None if value is None or isinstance(value, str) else "a URL string"


_RULES: dict[str, Rule] = {
    "JWKS_URL": _url,
    "JWKS": _jwks,
    "ISSUER": _text,
    "AUDIENCE": _audience,
    "ALGORITHMS": _algorithms,
    "ACCEPTED_TYPES": _texts,
    "LEEWAY": _number(0, MAX_LEEWAY),
    "REQUIRED_CLAIMS": _claim_names,
    "VERIFIED_CACHE_SIZE": _count(0),
    "MAX_TOKEN_BYTES": _count(1),
    "ON_EVENT": _on_event,
    "CACHE_TTL": _number(0, low_open=True),
    "MIN_CACHE_TTL": _number(0, _MAX_CACHE_TTL),
    "MAX_STALE": _number(0),
    "MIN_REFETCH_INTERVAL": _number(0),
    "TIMEOUT": _number(0, low_open=True),
    "ALLOW_INSECURE_HTTP": _flag,
    "INTROSPECTION_CACHE_TTL": _number(0, MAX_INTROSPECTION_CACHE_TTL),
    "INTROSPECTION_TIMEOUT": _number(0, low_open=True),
    "COOKIE_NAME": _optional_text,
    "CSRF_COOKIE_NAME": _optional_text,
    "CSRF_HEADER": _text,
    "REALM": _text,
    "INTROSPECTION_URL": _url,
    "INTROSPECTION_SECRET": _optional_text,
}

# What each key is, for messages ("VERIFIER_CLIENT['LEEWAY'] (the clock-skew leeway) is ...").
_WHAT = {
    "LEEWAY": "the clock-skew leeway",
    "CACHE_TTL": "how long keys are cached without a Cache-Control max-age",
    "MIN_CACHE_TTL": "the shortest cache lifetime a Cache-Control max-age may set",
    "MAX_STALE": "how long keys stay trusted while refreshing them fails",
    "MIN_REFETCH_INTERVAL": "the shortest time between two JWKS fetches",
    "TIMEOUT": "the JWKS fetch timeout",
    "INTROSPECTION_CACHE_TTL": "how long an introspection answer is reused (default 0: every check asks)",
    "INTROSPECTION_TIMEOUT": "the introspection timeout",
}


def key_name(where: str, key: str) -> str:
    """How the user spells `key`: VERIFIER_CLIENT['LEEWAY'] (Django) or VERIFIER_CLIENT_LEEWAY (Flask)."""
    return f"{where}{key}" if where.endswith("_") else f"{where}[{key!r}]"


def _is_set(values: Mapping[str, Any], key: str) -> bool:
    # None means "not set" (a deployment may blank a key out), except for AUDIENCE
    # where None is the explicit opt-out and only a missing key is missing.
    return values.get(key) is not None


def find_problems(values: Any, where: str) -> list[Problem]:
    """Everything wrong with `values`, errors and warnings, in a stable order.

    `where` is the setting's name ("VERIFIER_CLIENT", or the prefix
    "VERIFIER_CLIENT_" for Flask config keys); it starts every message.
    """
    setting = where.rstrip("_") + ("_*" if where.endswith("_") else "")
    if not isinstance(values, Mapping):
        return [Problem(
            "E001", f"{setting} is a {type(values).__name__}, not a dict.",
            "Set it to a dict with at least JWKS_URL, ISSUER and AUDIENCE (see the authfort-verifier README).",
        )]
    problems: list[Problem] = []
    for key in sorted(set(values) - KNOWN_KEYS, key=str):
        close = difflib.get_close_matches(str(key), KNOWN_KEYS, n=1)
        hint = f"Did you mean {close[0]!r}?" if close else f"Valid keys: {', '.join(sorted(KNOWN_KEYS))}."
        problems.append(Problem("E002", f"{key_name(where, str(key))} is not an authfort-verifier setting.", hint))
    problems += _missing(values, where)
    for key in sorted(KNOWN_KEYS & set(values)):
        expected = _RULES[key](values[key])
        if expected is not None:
            what = f" ({_WHAT[key]})" if key in _WHAT else ""
            problems.append(Problem(
                "E004", f"{key_name(where, key)}{what} is {values[key]!r}; it must be {expected}.",
                "Fix the value, or remove the key to use the default.",
            ))
    problems += _url_problems(values, where)
    problems += _contradictions(values, where)
    problems += _on_event_problems(values, where)
    return problems


def _missing(values: Mapping[str, Any], where: str) -> list[Problem]:
    problems = []
    if not _is_set(values, "JWKS_URL") and not _is_set(values, "JWKS"):
        problems.append(Problem(
            "E003", f"{key_name(where, 'JWKS_URL')} is required.",
            "Set it to the auth server's key set, e.g. https://auth.example.com/.well-known/jwks.json "
            "(or set JWKS to a static key set instead).",
        ))
    if not values.get("ISSUER"):
        problems.append(Problem(
            "E003", f"{key_name(where, 'ISSUER')} is required.",
            "Set it to the 'iss' the auth server's tokens carry, exactly (its AUTHFORT['ISSUER']).",
        ))
    if "AUDIENCE" not in values:
        problems.append(Problem(
            "E003", f"{key_name(where, 'AUDIENCE')} is required.",
            "Set it to the 'aud' this service accepts (the auth server's AUTHFORT['AUDIENCE']), "
            "or to None to accept tokens for any audience, explicitly.",
        ))
    return problems


def _url_problems(values: Mapping[str, Any], where: str) -> list[Problem]:
    """E005 for a URL the clients would refuse (the clients' own rule, `check_url`);
    W001 for plain http to a host that is not loopback, which ALLOW_INSECURE_HTTP lets through."""
    problems = []
    insecure_allowed = values.get("ALLOW_INSECURE_HTTP") is True
    for key in ("JWKS_URL", "INTROSPECTION_URL"):
        url = values.get(key)
        if not isinstance(url, str):
            continue
        try:
            check_url(url, key_name(where, key), insecure_allowed)
        except ValueError as refused:
            problems.append(Problem(
                "E005", f"{refused}; it is {url!r}.",
                "Use the auth server's https:// address; plain http:// is for a loopback host (127.0.0.1, ::1, localhost).",
            ))
            continue
        parts = urlsplit(url)
        if parts.scheme == "http" and not is_loopback(parts.hostname or ""):
            problems.append(Problem(
                "W001", f"{key_name(where, key)} is plain http to {parts.hostname}, which is not loopback.",
                "Keys and tokens then travel unauthenticated: use https:// outside a private network.",
                warning=True,
            ))
    return problems


def _contradictions(values: Mapping[str, Any], where: str) -> list[Problem]:
    problems = []
    if _is_set(values, "JWKS_URL") and _is_set(values, "JWKS"):
        problems.append(Problem(
            "E006", f"{key_name(where, 'JWKS_URL')} and {key_name(where, 'JWKS')} are both set.",
            "Keep one key source: JWKS_URL for the auth server's published keys, JWKS for static keys.",
        ))
    if _is_set(values, "INTROSPECTION_URL") and not values.get("INTROSPECTION_SECRET"):
        problems.append(Problem(
            "E006", f"{key_name(where, 'INTROSPECTION_URL')} is set without INTROSPECTION_SECRET.",
            "Set INTROSPECTION_SECRET to one of the auth server's AUTHFORT['INTROSPECTION_SECRETS'].",
        ))
    if _is_set(values, "JWKS") and not _is_set(values, "JWKS_URL"):
        # ALLOW_INSECURE_HTTP also governs INTROSPECTION_URL, so it is not one of these.
        ignored = sorted(k for k in _JWKS_OPTIONS if k != "ALLOW_INSECURE_HTTP" and k in values)
        if ignored:
            problems.append(Problem(
                "W002", f"{', '.join(key_name(where, k) for k in ignored)} do nothing with static keys (JWKS).",
                "They configure the cache of a JWKS_URL; remove them.",
                warning=True,
            ))
    if not _is_set(values, "INTROSPECTION_URL"):
        ignored = sorted(k for k in _INTROSPECTION_OPTIONS if k != "ALLOW_INSECURE_HTTP" and k in values)
        if ignored:
            problems.append(Problem(
                "W003", f"{', '.join(key_name(where, k) for k in ignored)} do nothing without INTROSPECTION_URL.",
                "Set INTROSPECTION_URL and INTROSPECTION_SECRET for live checks (IsTokenActive, "
                "@auth.active_required), or remove them.",
                warning=True,
            ))
    return problems


def _on_event_problems(values: Mapping[str, Any], where: str) -> list[Problem]:
    dotted = values.get("ON_EVENT")
    if not isinstance(dotted, str):
        return []
    try:
        _import_callable(dotted, where)
    except ConfigError as exc:
        return [Problem(
            "E007", str(exc), "Give the dotted path of a callable taking one verifier_client.Event.",
        )]
    return []


# -- what the adapters build ------------------------------------------------------------
COOKIE_PREFIXES = ("__Host-", "__Secure-")
SERVER_CSRF_COOKIE = "authfort_csrf"


def csrf_cookie_name_for(cookie_name: str | None) -> str:
    """The auth server's CSRF cookie beside the access cookie `cookie_name`.

    The server sets both with Path=/ and the same Domain and Secure, so both carry the
    same __Host-/__Secure- prefix (or none): `__Secure-access_token` comes with
    `__Secure-authfort_csrf`. Set CSRF_COOKIE_NAME when the server's CSRF_NAME differs.
    """
    for prefix in COOKIE_PREFIXES:
        if cookie_name and cookie_name.startswith(prefix):
            return prefix + SERVER_CSRF_COOKIE
    return SERVER_CSRF_COOKIE


@dataclass(frozen=True)
class AdapterSettings:
    """Validated adapter settings: what to build the verifier from, and how to read credentials."""

    jwks_url: str | None
    verifier_options: Mapping[str, Any]
    jwks_options: Mapping[str, Any]
    introspection_options: Mapping[str, Any]
    cookie_name: str | None
    csrf_cookie_name: str
    csrf_header: str
    realm: str
    introspection_url: str | None
    introspection_secret: str | None = field(repr=False)


def parse_settings(values: Any, where: str) -> AdapterSettings:
    """Check `values` (keys as documented for `VERIFIER_CLIENT`) and return them typed.

    `where` names the setting in messages ("VERIFIER_CLIENT", or "VERIFIER_CLIENT_"
    for Flask config keys). Raises `ConfigError` listing every error, each with
    what to do; warnings are logged.
    """
    problems = find_problems(values, where)
    errors = [problem for problem in problems if not problem.warning]
    if errors:
        raise ConfigError("\n".join(f"[{problem.id}] {problem}" for problem in errors))
    for problem in problems:
        logger.warning("[%s] %s", problem.id, problem)
    adapter = {key: values.get(key, default) for key, default in _ADAPTER_DEFAULTS.items()}
    set_values = {key: value for key, value in values.items() if value is not None or key == "AUDIENCE"}
    return AdapterSettings(
        jwks_url=values.get("JWKS_URL") or None,
        verifier_options={kw: set_values[key] for key, kw in _VERIFIER_OPTIONS.items() if key in set_values},
        jwks_options={kw: set_values[key] for key, kw in _JWKS_OPTIONS.items() if key in set_values},
        introspection_options={
            kw: set_values[key] for key, kw in _INTROSPECTION_OPTIONS.items() if key in set_values
        },
        cookie_name=adapter["COOKIE_NAME"] or None,
        csrf_cookie_name=adapter["CSRF_COOKIE_NAME"] or csrf_cookie_name_for(adapter["COOKIE_NAME"]),
        csrf_header=adapter["CSRF_HEADER"],
        realm=adapter["REALM"],
        introspection_url=adapter["INTROSPECTION_URL"] or None,
        introspection_secret=adapter["INTROSPECTION_SECRET"] or None,
    )


def build_verifier(conf: AdapterSettings, where: str) -> TokenVerifier:
    """The `TokenVerifier` these settings describe; `ConfigError` when it refuses them."""
    options = dict(conf.verifier_options)
    if isinstance(options.get("on_event"), str):
        options["on_event"] = _import_callable(options["on_event"], where)
    try:
        if conf.jwks_url:
            # The key cache is built here, from every JWKS key (MIN_CACHE_TTL included),
            # and hears the same on_event as the verifier.
            options["keys"] = JWKSClient(
                conf.jwks_url,
                algorithms=options.get("algorithms", ("RS256",)),
                on_event=options.get("on_event"),
                **conf.jwks_options,
            )
        return TokenVerifier(**options)
    except (TypeError, ValueError) as exc:
        raise ConfigError(f"{where.rstrip('_')}: {exc}") from exc


def _import_callable(dotted: str, where: str) -> Any:
    module_name, _, attribute = dotted.rpartition(".")
    name = key_name(where, "ON_EVENT")
    try:
        found = getattr(importlib.import_module(module_name), attribute)
    except (ImportError, AttributeError, ValueError) as exc:
        raise ConfigError(f"{name} {dotted!r} cannot be imported ({exc}).") from None
    if not callable(found):
        raise ConfigError(f"{name} {dotted!r} is not callable.")
    return found


def build_introspection(conf: AdapterSettings, where: str) -> IntrospectionClient:
    """The introspection client these settings describe; `ConfigError` when not configured."""
    if not conf.introspection_url or not conf.introspection_secret:
        raise ConfigError(
            f"{key_name(where, 'INTROSPECTION_URL')} and {key_name(where, 'INTROSPECTION_SECRET')} "
            "are needed to check that tokens are active (IsTokenActive, @auth.active_required)."
        )
    try:
        return IntrospectionClient(conf.introspection_url, conf.introspection_secret, **conf.introspection_options)
    except (TypeError, ValueError) as exc:
        raise ConfigError(f"{where.rstrip('_')}: {exc}") from exc
