"""System checks (authfort.E0xx / W0xx): every misconfiguration found at startup, in one place.

Ids are stable; docs and operators refer to them. Each message names the AUTHFORT
key and each hint says what to set. Nothing here reads the database. Checks
marked (deploy) are registered with deploy=True: they run with
`manage.py check --deploy`, whatever DEBUG says.

    E001 ALGORITHM unsupported              W001 PUBLISH_AHEAD < JWKS_MAX_AGE + KEY_CACHE_TTL
    E002 RSA_KEY_SIZE < 2048                W002 no explicit KEY_ENCRYPTION_KEYS (deploy)
    E003 a lifetime not a positive integer  W003 ISSUER not https (deploy)
    E004 a KEY_ENCRYPTION_KEYS entry < 32   W004 LEEWAY > 60 s
    E005 an INTROSPECTION_SECRETS entry < 32
    E006 EXTRA_CLAIMS not importable        W005 FRONTEND_URL unset: no reset or verification links
    E007 COOKIE.SAMESITE invalid, or None   W006 the console email backend (deploy): mailed
         without Secure                          tokens land in the server's output
    E008 FRONTEND_URL not an http(s) URL, or a link path without {token}
    E009 REQUIRE_VERIFIED_EMAIL without FRONTEND_URL: new accounts could never verify
    E010 AUTHFORT has a key this version does not know (a typo): the hint names the closest one
    E011 AUTHFORT['COOKIE'] or AUTHFORT['THROTTLE_RATES'] has a key this version does not know
    E101 METRICS_ACCESS not 'off', 'open' or addresses/networks
    E012 THROTTLE_IPV6_PREFIX not an integer from 1 to 128
    E013 ACCESS_TOKEN_MAX_BYTES not an integer from 1024 to 4096 (a cookie holds 4096 bytes)
    E014 WEBAUTHN_ORIGINS not a list of origins under WEBAUTHN_RP_ID: browsers refuse the passkeys
    E015 a PROVIDERS entry is incomplete (no CLIENT_ID, no ISSUER or PRESET, microsoft without TENANT)
    E016 a REDIRECT_ALLOWLIST entry is no absolute http(s) URL without credentials
    W007 cookie mode with COOKIE.SECURE off while DEBUG is off: tokens in cookies over plain http
    W008 PROVIDERS set but REDIRECT_ALLOWLIST empty: every browser sign-in with a provider is refused
    W010 users whose addresses share a canonical form (check --database default)

A setting asks for what an optional extra brings (authfort_django/extras.py) and the
extra is not installed; each hint names the `pip install`:
    I101 METRICS_ACCESS left at its default: no /metrics without [metrics]
    W101 METRICS_ACCESS set (not 'off'): no /metrics without [metrics]
    W102 SPECTACULAR_SETTINGS or a drf_spectacular DEFAULT_SCHEMA_CLASS: no schema without [openapi]
    W103 OTEL_EXPORTER_OTLP_ENDPOINT set: no tracing without [otel]
    E102 the first PASSWORD_HASHERS entry is Argon2 without [argon2]: every new password would fail
"""

from __future__ import annotations

import difflib
from collections.abc import Iterable, Mapping
from typing import Any

from django.conf import settings
from django.core.checks import CheckMessage, Error, Info, Tags, Warning, register
from django.utils.module_loading import import_string

from authfort_django import extras
from authfort_django.api.client import is_valid_ipv6_prefix
from authfort_django.conf import (
    COOKIE_DEFAULTS,
    DEFAULTS,
    SUPPORTED_ALGORITHMS,
    THROTTLE_DEFAULTS,
    authfort_settings,
)
from authfort_django.keys.crypto import MIN_RSA_KEY_SIZE
from authfort_django.observability.metrics import access
from authfort_django.observability.tracing import tracing_requested

MIN_SECRET_LENGTH = 32
MAX_LEEWAY = 60
_POSITIVE_INTEGERS = (
    "ACCESS_TOKEN_TTL", "JWKS_MAX_AGE", "PUBLISH_AHEAD", "PASSWORD_RESET_TTL", "EMAIL_VERIFICATION_TTL",
)
_SAMESITE_VALUES = ("Lax", "Strict", "None")


@register()
def check_setting_names(app_configs: Any = None, **kwargs: Any) -> list[CheckMessage]:
    """E010, E011: a misspelt key would otherwise be ignored in silence, its default used."""
    configured = getattr(settings, "AUTHFORT", None) or {}
    if not isinstance(configured, Mapping):
        return [
            Error(
                f"AUTHFORT is a {type(configured).__name__}, not a dict.",
                hint="Set AUTHFORT = {...} with the keys listed in the README's settings table.",
                id="authfort.E010",
            )
        ]
    messages = _unknown_keys("AUTHFORT", configured, DEFAULTS, "authfort.E010")
    for name, known in (("COOKIE", COOKIE_DEFAULTS), ("THROTTLE_RATES", THROTTLE_DEFAULTS)):
        nested = configured.get(name)
        if isinstance(nested, Mapping):
            messages += _unknown_keys(f"AUTHFORT[{name!r}]", nested, known, "authfort.E011")
    return messages


def _unknown_keys(where: str, given: Iterable[Any], known: Iterable[str], check_id: str) -> list[CheckMessage]:
    known = sorted(known)
    messages: list[CheckMessage] = []
    for key in given:
        if key in known:
            continue
        closest = difflib.get_close_matches(str(key), known, n=1, cutoff=0.6)
        hint = f"Did you mean {closest[0]!r}?" if closest else f"Valid keys: {', '.join(known)}."
        messages.append(Error(f"{where} has an unknown key {key!r}; it would be ignored.", hint=hint, id=check_id))
    return messages


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
    """E004, E005: key-encryption and introspection secrets. Never echoes a secret."""
    messages: list[CheckMessage] = []
    messages += _short_secrets("KEY_ENCRYPTION_KEYS", _explicit_keks(), "authfort.E004")
    messages += _short_secrets("INTROSPECTION_SECRETS", authfort_settings.INTROSPECTION_SECRETS, "authfort.E005")
    return messages


def _explicit_keks() -> list[Any]:
    # The raw setting: the accessor substitutes the SECRET_KEY-derived fallback.
    return [k for k in _configured("KEY_ENCRYPTION_KEYS") or [] if k]


@register(deploy=True)
def check_key_encryption_deploy(app_configs: Any = None, **kwargs: Any) -> list[CheckMessage]:
    """W002 (deploy)."""
    messages: list[CheckMessage] = []
    if not _explicit_keks():
        messages.append(
            Warning(
                "AUTHFORT['KEY_ENCRYPTION_KEYS'] is not set: private signing keys are encrypted with "
                "a key derived from SECRET_KEY, so rotating SECRET_KEY makes them unreadable.",
                hint="Set AUTHFORT_KEY_ENCRYPTION_KEYS to a random secret of 32+ characters "
                "(e.g. `python -c 'import secrets; print(secrets.token_urlsafe(48))'`).",
                id="authfort.W002",
            )
        )
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


@register(deploy=True)
def check_issuer_deploy(app_configs: Any = None, **kwargs: Any) -> list[CheckMessage]:
    """W003 (deploy): consumers fetch the JWKS from the issuer's URL."""
    messages: list[CheckMessage] = []
    issuer = authfort_settings.ISSUER
    if not (isinstance(issuer, str) and issuer.startswith("https://")):
        messages.append(
            Warning(
                f"AUTHFORT['ISSUER'] is {issuer!r}, not an https URL, so consumers "
                f"fetch the JWKS from it and verifiers refuse plain http except on loopback.",
                hint="Set AUTHFORT_ISSUER to the public https URL of this server, e.g. https://auth.example.com.",
                id="authfort.W003",
            )
        )
    return messages


@register()
def check_hooks_and_cookies(app_configs: Any = None, **kwargs: Any) -> list[CheckMessage]:
    """E006, E007: claims hook, cookies."""
    messages: list[CheckMessage] = []
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
    configured = getattr(settings, "AUTHFORT", None) or {}
    return configured.get(name) if isinstance(configured, Mapping) else None


def _is_int(value: object) -> bool:
    return isinstance(value, int) and not isinstance(value, bool)


@register()
def check_recovery(app_configs: Any = None, **kwargs: Any) -> list[CheckMessage]:
    messages: list[CheckMessage] = []
    for name in ("PASSWORD_RESET_PATH", "VERIFY_EMAIL_PATH"):
        path = getattr(authfort_settings, name)
        if not isinstance(path, str) or "{token}" not in path:
            messages.append(
                Error(
                    f"AUTHFORT[{name!r}] is {path!r}; the link would not carry the token.",
                    hint=f"Use a path with a {{token}} placeholder, e.g. {DEFAULTS[name]!r}.",
                    id="authfort.E008",
                )
            )
    frontend = authfort_settings.FRONTEND_URL
    if not frontend and authfort_settings.REQUIRE_VERIFIED_EMAIL:
        messages.append(
            Error(
                "REQUIRE_VERIFIED_EMAIL is on but AUTHFORT['FRONTEND_URL'] is not set: no verification "
                "link can be built, so new accounts could never log in.",
                hint="Set AUTHFORT_FRONTEND_URL to the address of the page that opens the link.",
                id="authfort.E009",
            )
        )
    elif not frontend:
        messages.append(
            Warning(
                "AUTHFORT['FRONTEND_URL'] is not set: password reset and email verification links "
                "cannot be built, so those requests answer 503 email_links_not_configured.",
                hint="Set AUTHFORT_FRONTEND_URL to the address of the pages that open the links, "
                "e.g. https://app.example.com (links are never built from the request's Host header).",
                id="authfort.W005",
            )
        )
    elif not isinstance(frontend, str) or not frontend.startswith(("https://", "http://")):
        messages.append(
            Error(
                f"AUTHFORT['FRONTEND_URL'] is {frontend!r}, not an http(s) URL.",
                hint="Set it to an absolute URL such as https://app.example.com.",
                id="authfort.E008",
            )
        )
    return messages


CONSOLE_BACKEND = "django.core.mail.backends.console.EmailBackend"


@register(deploy=True)
def check_mail_delivery_deploy(app_configs: Any = None, **kwargs: Any) -> list[CheckMessage]:
    """W006 (deploy): the console backend would write every reset link, token and all,
    to the server's output, which is usually its log."""
    if not authfort_settings.FRONTEND_URL or not authfort_settings.SEND_ACCOUNT_EMAILS:
        return []
    if getattr(settings, "EMAIL_BACKEND", "") != CONSOLE_BACKEND:
        return []
    return [
        Warning(
            "EMAIL_BACKEND is the console backend: every password-reset and "
            "verification mail, its single-use token included, is written to the server's output.",
            hint="Set EMAIL_URL (e.g. smtp+tls://user:password@mail.example.com:587) or another "
            "EMAIL_BACKEND; or AUTHFORT_SEND_ACCOUNT_EMAILS=false and deliver from the signals.",
            id="authfort.W006",
        )
    ]


@register()
def check_metrics_access(app_configs: Any = None, **kwargs: Any) -> list[CheckMessage]:
    try:
        access.parse(authfort_settings.METRICS_ACCESS)
    except access.InvalidMetricsAccess as exc:
        return [
            Error(
                f"AUTHFORT['METRICS_ACCESS'] is invalid: {exc}.",
                hint="Set AUTHFORT_METRICS_ACCESS to off, open, or comma-separated addresses or "
                "networks such as 127.0.0.1,10.0.0.0/8.",
                id="authfort.E101",
            )
        ]
    return []


# Issue 19, the edges: throttle buckets and cookie transport.


@register()
def check_edges(app_configs: Any = None, **kwargs: Any) -> list[CheckMessage]:
    """E012: the IPv6 throttle prefix; W007: cookie mode without Secure outside DEBUG."""
    messages: list[CheckMessage] = []
    prefix = authfort_settings.THROTTLE_IPV6_PREFIX
    if not is_valid_ipv6_prefix(prefix):
        messages.append(
            Error(
                f"AUTHFORT['THROTTLE_IPV6_PREFIX'] is {prefix!r}; per-address throttles use /64 until it is fixed.",
                hint="Set it to a prefix length from 1 to 128 (AUTHFORT_THROTTLE_IPV6_PREFIX), e.g. 64, the "
                "network one IPv6 subscriber is usually given; 128 counts every address on its own.",
                id="authfort.E012",
            )
        )
    cookie = authfort_settings.COOKIE
    if cookie.get("ENABLED") and not cookie.get("SECURE") and not settings.DEBUG:
        messages.append(
            Warning(
                "Cookie mode is on with AUTHFORT['COOKIE']['SECURE'] False while DEBUG is off: browsers send "
                "the token cookies over plain http, and the names carry no __Host-/__Secure- prefix.",
                hint="Set AUTHFORT_COOKIE_SECURE=true (the default) and serve the site over https; "
                "SECURE false is for plain-http development only.",
                id="authfort.W007",
            )
        )
    return messages


@register(Tags.database)
def check_email_conflicts(app_configs: Any = None, databases: Any = None, **kwargs: Any) -> list[CheckMessage]:
    """Runs with `check --database default` and before `migrate`: users sharing an address."""
    if not databases:
        return []
    from django.db import DatabaseError

    from authfort_django.accounts.email_conflicts import email_conflicts

    try:
        conflicts = email_conflicts()
    except DatabaseError:
        return []  # tables not migrated yet: migrate reports the conflicts itself
    if not conflicts:
        return []
    return [
        Warning(
            f"{len(conflicts)} email address(es) belong to more than one user once canonicalised "
            f"(for example {conflicts[0].canonical!r}); only one user of each can sign in with it.",
            hint="Run `manage.py authfort_email_conflicts` to list them, then change or remove the "
            "other users' addresses.",
            id="authfort.W010",
        )
    ]


@register()
def check_extras(app_configs: Any = None, **kwargs: Any) -> list[CheckMessage]:
    """I101, W101, W102, W103, E102: what a setting asks for and a missing extra would bring."""
    return [*_metrics_without_extra(), *_openapi_without_extra(), *_tracing_without_extra(), *_argon2_without_extra()]


def _metrics_without_extra() -> list[CheckMessage]:
    if extras.installed("metrics"):
        return []
    try:
        policy = access.parse(authfort_settings.METRICS_ACCESS)
    except access.InvalidMetricsAccess:
        return []  # E101 says what is wrong with it
    if policy == access.OFF:
        return []
    hint = f"{extras.install_hint('metrics')}, or set AUTHFORT['METRICS_ACCESS'] = 'off' to go without."
    if _configured("METRICS_ACCESS") is None:  # the default asks, not the project: tell, do not warn
        return [
            Info(
                "/metrics is not served: prometheus-client (the [metrics] extra) is not installed.",
                hint=hint,
                id="authfort.I101",
            )
        ]
    return [
        Warning(
            f"AUTHFORT['METRICS_ACCESS'] is {authfort_settings.METRICS_ACCESS!r}, but /metrics is not served: "
            "prometheus-client (the [metrics] extra) is not installed.",
            hint=hint,
            id="authfort.W101",
        )
    ]


def _openapi_without_extra() -> list[CheckMessage]:
    if extras.installed("openapi"):
        return []
    schema_class = (getattr(settings, "REST_FRAMEWORK", None) or {}).get("DEFAULT_SCHEMA_CLASS") or ""
    if hasattr(settings, "SPECTACULAR_SETTINGS"):
        asking = "SPECTACULAR_SETTINGS is set"
    elif str(schema_class).startswith("drf_spectacular."):
        asking = f"REST_FRAMEWORK['DEFAULT_SCHEMA_CLASS'] is {schema_class!r}"
    else:
        return []
    return [
        Warning(
            f"{asking}, but drf-spectacular (the [openapi] extra) is not installed: "
            "there is no OpenAPI schema, and authfort_django.api.docs mounts no /api/schema or /api/docs.",
            hint=f"{extras.install_hint('openapi')}, or remove the setting.",
            id="authfort.W102",
        )
    ]


def _tracing_without_extra() -> list[CheckMessage]:
    # Asked only when tracing is: finding OpenTelemetry's modules imports its namespace package.
    if not tracing_requested() or extras.installed("otel"):
        return []
    return [
        Warning(
            "OTEL_EXPORTER_OTLP_ENDPOINT is set, but OpenTelemetry (the [otel] extra) is not installed: "
            "configure_tracing() refuses to start the server.",
            hint=f"{extras.install_hint('otel')}, or unset OTEL_EXPORTER_OTLP_ENDPOINT to run without tracing.",
            id="authfort.W103",
        )
    ]


def _argon2_without_extra() -> list[CheckMessage]:
    # Only the first hasher makes new hashes. Django's default list names Argon2 further
    # down, to check hashes a project may hold: without argon2-cffi that is fine.
    hashers = list(getattr(settings, "PASSWORD_HASHERS", None) or [])
    if not hashers or extras.installed("argon2"):
        return []
    try:
        algorithm = getattr(import_string(hashers[0]), "algorithm", None)
    except ImportError:
        return []
    if algorithm != "argon2":
        return []
    return [
        Error(
            f"PASSWORD_HASHERS starts with {hashers[0]!r}, but argon2-cffi (the [argon2] extra) is not "
            "installed: registering or changing a password would fail.",
            hint=f"{extras.install_hint('argon2')}, or put another hasher first.",
            id="authfort.E102",
        )
    ]


# A browser keeps a cookie of at most 4096 bytes (RFC 6265 §6.1); below 1024 not even a
# token without roles fits (the RS256 signature alone is 342 characters).
MAX_ACCESS_TOKEN_BYTES = 4096
MIN_ACCESS_TOKEN_BYTES = 1024


@register()
def check_access_token_size(app_configs: Any = None, **kwargs: Any) -> list[CheckMessage]:
    """E013: the cap on an access token's size."""
    value = authfort_settings.ACCESS_TOKEN_MAX_BYTES
    if _is_int(value) and MIN_ACCESS_TOKEN_BYTES <= value <= MAX_ACCESS_TOKEN_BYTES:
        return []
    return [
        Error(
            f"AUTHFORT['ACCESS_TOKEN_MAX_BYTES'] is {value!r}; it must be an integer from "
            f"{MIN_ACCESS_TOKEN_BYTES} to {MAX_ACCESS_TOKEN_BYTES}.",
            hint=(
                f"Leave it at {DEFAULTS['ACCESS_TOKEN_MAX_BYTES']} (the most a browser cookie holds), or lower it. "
                "Tokens over it are refused, never cut short."
            ),
            id="authfort.E013",
        )
    ]


# Multi-factor authentication: passkeys work only from origins under the RP ID.
@register()
def check_webauthn(app_configs: Any = None, **kwargs: Any) -> list[CheckMessage]:
    from authfort_django.mfa import relying_party

    origins = authfort_settings.WEBAUTHN_ORIGINS
    if not isinstance(origins, (list, tuple)) or not all(isinstance(o, str) for o in origins):
        return [
            Error(
                "AUTHFORT['WEBAUTHN_ORIGINS'] must be a list of origins such as ['https://app.example.com'].",
                hint="Set AUTHFORT_WEBAUTHN_ORIGINS to a comma-separated list of origins.",
                id="authfort.E014",
            )
        ]
    rp_id = relying_party.rp_id()
    return [
        Error(
            f"AUTHFORT['WEBAUTHN_ORIGINS']: {problem}: browsers refuse passkeys of RP ID {rp_id!r} there.",
            hint="List only pages on the RP ID's host or its subdomains, or set WEBAUTHN_RP_ID to "
            "their common parent domain (e.g. example.com for https://app.example.com).",
            id="authfort.E014",
        )
        for problem in relying_party.origin_problems(rp_id, relying_party.origins())
    ]


# Federated sign-in: a provider that cannot be built fails at every sign-in, and a
# browser flow with an empty allow-list has nowhere to return to.
@register()
def check_providers(app_configs: Any = None, **kwargs: Any) -> list[CheckMessage]:
    """E015: a provider's settings are incomplete; E016: an allow-list entry is no
    absolute http(s) URL; W008: providers without a REDIRECT_ALLOWLIST."""
    from authfort_django.federation import errors as federation_errors
    from authfort_django.federation import providers, redirects

    configured = authfort_settings.PROVIDERS
    if configured is not None and not isinstance(configured, Mapping):
        return [Error(
            "AUTHFORT['PROVIDERS'] must be a dict of provider names to their settings.",
            hint="See the README's 'Sign in with a provider', or set AUTHFORT_PROVIDER_<NAME>_ISSUER and friends.",
            id="authfort.E015",
        )]
    messages: list[CheckMessage] = []
    for name, entry in (configured or {}).items():
        try:
            if not isinstance(entry, Mapping):
                raise federation_errors.ProviderNotConfigured()
            providers.build(str(name), entry)
        except federation_errors.ProviderNotConfigured as refused:
            messages.append(Error(
                f"AUTHFORT['PROVIDERS'][{name!r}] is incomplete: {refused.detail}",
                hint="Give it CLIENT_ID and either ISSUER (any OpenID Connect provider) or PRESET "
                "('google', 'microsoft' with TENANT, 'github'). Sign-ins with it answer 503 until then.",
                id="authfort.E015",
            ))
    allowlist = authfort_settings.REDIRECT_ALLOWLIST or []
    if not isinstance(allowlist, (list, tuple)):
        allowlist = [allowlist]
    for entry in allowlist:
        if redirects.is_valid_entry(entry):
            continue
        messages.append(Error(
            f"AUTHFORT['REDIRECT_ALLOWLIST'] entry {entry!r} is not an absolute http(s) URL without credentials.",
            hint="List where browsers may return, e.g. https://app.example.com/after-sign-in.",
            id="authfort.E016",
        ))
    if configured and not allowlist:
        messages.append(Warning(
            "AUTHFORT['PROVIDERS'] is set but AUTHFORT['REDIRECT_ALLOWLIST'] is empty: every browser "
            "sign-in with a provider is refused (redirect_not_allowed).",
            hint="Set AUTHFORT_REDIRECT_ALLOWLIST to the page(s) of your app that receive the signed-in browser.",
            id="authfort.W008",
        ))
    return messages
