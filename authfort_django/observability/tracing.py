"""OpenTelemetry tracing, switched on by OTEL_EXPORTER_OTLP_ENDPOINT and nothing else.

    pip install "authfort-django[otel]"
    OTEL_EXPORTER_OTLP_ENDPOINT=http://collector:4318 OTEL_SERVICE_NAME=authfort gunicorn ...

`configure_tracing()` is called by the WSGI entry point (config/wsgi.py) before
Django loads its middleware. Without the variable it returns at once: no
opentelemetry module is imported and nothing is sent. With it, every request
becomes a span (Django instrumentation; a caller's `traceparent` is continued)
exported over OTLP/HTTP; the standard OTEL_* variables (service
name, headers, sampler, batch delays) apply as the SDK reads them. Span
attributes hold method, route and status, never headers or bodies, so no token
or password is exported.
"""

from __future__ import annotations

import os

from django.core.exceptions import ImproperlyConfigured

ENDPOINT_VARIABLES = ("OTEL_EXPORTER_OTLP_ENDPOINT", "OTEL_EXPORTER_OTLP_TRACES_ENDPOINT")
_SANITIZE = "OTEL_INSTRUMENTATION_HTTP_CAPTURE_HEADERS_SANITIZE_FIELDS"
_CREDENTIAL_HEADERS = ("authorization", "cookie", "set-cookie", "x-csrf-token")


def tracing_requested() -> bool:
    return any(os.environ.get(name) for name in ENDPOINT_VARIABLES)


def configure_tracing() -> bool:
    """Install the tracer and instrument Django when an OTLP endpoint is configured; True if done."""
    if not tracing_requested():
        return False
    try:
        from opentelemetry import trace
        from opentelemetry.exporter.otlp.proto.http.trace_exporter import (
            OTLPSpanExporter,
        )
        from opentelemetry.instrumentation.django import DjangoInstrumentor
        from opentelemetry.sdk.resources import Resource
        from opentelemetry.sdk.trace import TracerProvider
        from opentelemetry.sdk.trace.export import BatchSpanProcessor
    except ImportError as exc:
        raise ImproperlyConfigured(
            f"OTEL_EXPORTER_OTLP_ENDPOINT is set but OpenTelemetry is not installed ({exc.name} is missing): "
            'pip install "authfort-django[otel]", or unset the variable to run without tracing.'
        ) from None
    resource = Resource.create({"service.name": os.environ.get("OTEL_SERVICE_NAME", "authfort")})
    provider = TracerProvider(resource=resource)
    provider.add_span_processor(BatchSpanProcessor(OTLPSpanExporter()))
    trace.set_tracer_provider(provider)
    # Header capture is off unless OTEL_INSTRUMENTATION_HTTP_CAPTURE_HEADERS_* turn it on;
    # even then, these never leave the server in clear.
    sanitized = os.environ.get(_SANITIZE, "")
    os.environ[_SANITIZE] = ",".join(filter(None, [sanitized, *_CREDENTIAL_HEADERS]))
    DjangoInstrumentor().instrument(tracer_provider=provider)
    return True
