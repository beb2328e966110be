"""The optional extras of authfort-django: whether one is installed, and how to install it.

    metrics   prometheus-client           /metrics and the counters behind it
    openapi   drf-spectacular (+sidecar)  /api/schema and /api/docs
    otel      OpenTelemetry               tracing, when OTEL_EXPORTER_OTLP_ENDPOINT is set
    argon2    argon2-cffi                 Django's Argon2PasswordHasher

A bare `pip install authfort-django` has none of them and the app still starts:
each site that uses one asks `installed()` first, and checks.py says which extra
a setting asks for. `installed()` finds a module without importing it, so asking
costs nothing and loads nothing.
"""

from __future__ import annotations

import importlib.util
from functools import cache

DISTRIBUTION = "authfort-django"

# What must be importable for the extra to work: its distributions' top-level modules.
MODULES: dict[str, tuple[str, ...]] = {
    "metrics": ("prometheus_client",),
    "openapi": ("drf_spectacular", "drf_spectacular_sidecar"),
    "otel": ("opentelemetry.sdk", "opentelemetry.exporter.otlp.proto.http", "opentelemetry.instrumentation.django"),
    "argon2": ("argon2",),
}


@cache  # installing an extra needs a restart anyway, and the URLconf asks at import
def installed(extra: str) -> bool:
    """True if every module of `extra` (a key of MODULES) can be imported."""
    return all(_findable(module) for module in MODULES[extra])


def install_hint(extra: str) -> str:
    return f"pip install '{DISTRIBUTION}[{extra}]'"


def _findable(module: str) -> bool:
    try:
        return importlib.util.find_spec(module) is not None
    except ImportError:  # a dotted name whose parent package is missing raises instead
        return False
