"""A bare install works: without any extra the app imports, passes `check` and serves
/auth/login, and a setting that asks for a missing extra gets a check naming the
`pip install`.

Absence is simulated in a fresh interpreter whose `sys.meta_path` refuses the extras'
packages (and django-environ, which is the reference project's, not the app's); the
project is tests/bare_project, a startproject-style one. .ci/check_packages.sh runs
the same project in a virtualenv that holds only the bare wheel.
"""

from __future__ import annotations

import json
import os
from pathlib import Path

from django.core.checks import run_checks

from authfort_django import extras
from tests.helpers.absent_modules import run_without

SMOKE = Path(__file__).resolve().parents[1] / "bare_project" / "smoke.py"
EXTRAS_PACKAGES = "prometheus_client,drf_spectacular,drf_spectacular_sidecar,opentelemetry,argon2,environ"


def smoke(settings_module: str, *args: str, **env: str) -> dict:
    """smoke.py's report, run where the extras cannot be imported."""
    code = f"""
    for name in sys.argv[1].split(","):  # the blocker holds, or this test proves nothing
        try:
            __import__(name)
        except ModuleNotFoundError:
            continue
        raise SystemExit(f"{{name}} is importable")
    import runpy
    sys.argv = [{str(SMOKE)!r}, *{[settings_module, *args]!r}]
    runpy.run_path(sys.argv[0], run_name="__main__")
    """
    clean = {k: v for k, v in os.environ.items() if not k.startswith(("OTEL_", "DJANGO_", "DATABASE_", "REDIS_"))}
    result = run_without(EXTRAS_PACKAGES, code, env={**clean, **env}, timeout=120)
    assert result.returncode == 0, result.stderr
    return json.loads(result.stdout.strip().splitlines()[-1])


def test_without_any_extra_the_app_checks_clean_and_serves_login():
    report = smoke("bare_settings", "serve")

    assert report["register"] == 201
    assert report["login"] == 200 and report["has_access_token"]
    assert report["loaded_extras"] == []
    # The default METRICS_ACCESS would publish /metrics: an Info says it is not there and why.
    assert report["check_ids"] == ["authfort.I101"]
    assert "pip install 'authfort-django[metrics]'" in report["hints"]["authfort.I101"]
    assert report["metrics"] == 404
    assert report["schema"] == 404 and report["docs"] == 404


def test_settings_that_ask_for_a_missing_extra_get_a_check_naming_its_pip_install():
    report = smoke("bare_settings_asking", OTEL_EXPORTER_OTLP_ENDPOINT="http://127.0.0.1:4318")

    assert report["check_ids"] == ["authfort.E102", "authfort.W101", "authfort.W102", "authfort.W103"]
    for check_id, extra in [
        ("authfort.W101", "metrics"),
        ("authfort.W102", "openapi"),
        ("authfort.W103", "otel"),
        ("authfort.E102", "argon2"),
    ]:
        assert f"pip install 'authfort-django[{extra}]'" in report["hints"][check_id]


def test_with_every_extra_installed_no_extra_check_fires(settings, monkeypatch):
    # The suite's own environment: `make install` installs every extra.
    monkeypatch.setenv("OTEL_EXPORTER_OTLP_ENDPOINT", "http://127.0.0.1:4318")
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.Argon2PasswordHasher"]
    assert all(extras.installed(extra) for extra in extras.MODULES)

    ids = {message.id for message in run_checks()}

    assert not ids & {"authfort.I101", "authfort.W101", "authfort.W102", "authfort.W103", "authfort.E102"}
