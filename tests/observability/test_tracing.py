"""Tracing: nothing OpenTelemetry without OTEL_EXPORTER_OTLP_ENDPOINT; spans over OTLP with it."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
from pathlib import Path

import pytest

from tests.helpers.http_fixtures import CannedResponse, LoopbackHTTPServer

REPO_ROOT = Path(__file__).resolve().parents[2]


def _python(code: str, tmp_path: Path, **env: str) -> subprocess.CompletedProcess[str]:
    clean = {k: v for k, v in os.environ.items() if not k.startswith("OTEL_")}
    clean.update(
        DJANGO_SETTINGS_MODULE="config.settings",
        SECRET_KEY="tracing-test-secret-key-0123456789",
        DATABASE_URL=f"sqlite:///{tmp_path / 'db.sqlite3'}",
        **env,
    )
    return subprocess.run(
        [sys.executable, "-c", code], cwd=REPO_ROOT, env=clean, capture_output=True, text=True, timeout=120
    )


_LOADED = """
import json, sys
{prelude}
import config.wsgi
from django.conf import settings
print(json.dumps({{
    "otel_modules": sorted(m for m in sys.modules if m.startswith("opentelemetry")),
    "middleware": list(settings.MIDDLEWARE),
}}))
"""


def test_without_an_endpoint_no_opentelemetry_module_is_imported(tmp_path):
    result = _python(_LOADED.format(prelude=""), tmp_path)

    assert result.returncode == 0, result.stderr
    loaded = json.loads(result.stdout.strip().splitlines()[-1])
    assert loaded["otel_modules"] == []
    assert not any("opentelemetry" in m for m in loaded["middleware"])


def test_with_an_endpoint_django_is_instrumented(tmp_path):
    result = _python(_LOADED.format(prelude=""), tmp_path, OTEL_EXPORTER_OTLP_ENDPOINT="http://127.0.0.1:9")

    assert result.returncode == 0, result.stderr
    loaded = json.loads(result.stdout.strip().splitlines()[-1])
    assert "opentelemetry.instrumentation.django" in loaded["otel_modules"]
    assert any("opentelemetry" in m for m in loaded["middleware"])


def test_an_endpoint_without_the_extra_installed_says_what_to_install(tmp_path):
    hide = "sys.modules['opentelemetry'] = None  # as if the [otel] extra were not installed"
    result = _python(_LOADED.format(prelude=hide), tmp_path, OTEL_EXPORTER_OTLP_ENDPOINT="http://127.0.0.1:9")

    assert result.returncode != 0
    assert 'pip install "authfort-django[otel]"' in result.stderr


@pytest.mark.slow
def test_a_live_server_exports_request_spans_without_credentials(start_auth_server):
    from opentelemetry.proto.collector.trace.v1.trace_service_pb2 import (
        ExportTraceServiceRequest,
    )

    collector = LoopbackHTTPServer().start()
    collector.set_handler(lambda request: CannedResponse(status=200, body=b""))
    try:
        server = start_auth_server(
            workers=1,
            OTEL_EXPORTER_OTLP_ENDPOINT=collector.url("").rstrip("/"),
            OTEL_SERVICE_NAME="authfort-test",
            OTEL_BSP_SCHEDULE_DELAY="50",
        )
        account = server.register()
        me = server.get("/auth/me", headers={"Authorization": f"Bearer {account['access_token']}"})
        assert me.status_code == 200

        spans = []
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline and not any(s.name.endswith("auth/me") for s in spans):
            time.sleep(0.1)
            spans = []
            for request in list(collector.requests):
                assert request.path == "/v1/traces"
                for secret in (account["access_token"], account["refresh_token"], account["password"]):
                    assert secret.encode() not in request.body
                exported = ExportTraceServiceRequest.FromString(request.body)
                for resource_spans in exported.resource_spans:
                    for scope_spans in resource_spans.scope_spans:
                        spans.extend(scope_spans.spans)
    finally:
        collector.stop()

    names = {span.name for span in spans}
    assert "GET auth/me" in names, names
    assert "POST auth/register" in names
