"""The frameworks are optional extras: without them the core works and the adapters say what to install.

Absence is simulated in a fresh interpreter with a `sys.meta_path` finder that
refuses the framework packages, so nothing is uninstalled.
"""

from __future__ import annotations

import os
import subprocess
import sys

import pytest
import verifier_client.drf
import verifier_client.flask

from tests.helpers.absent_modules import run_without


@pytest.mark.parametrize("absent", ["django,rest_framework", "rest_framework"])
def test_drf_adapter_without_drf_names_the_extra(absent):
    result = run_without(absent, "import verifier_client.drf")

    assert result.returncode != 0
    assert "ImportError" in result.stderr
    assert 'pip install "authfort-verifier[drf]"' in result.stderr


@pytest.mark.parametrize("absent", ["flask,werkzeug", "flask"])
def test_flask_adapter_without_flask_names_the_extra(absent):
    result = run_without(absent, "import verifier_client.flask")

    assert result.returncode != 0
    assert "ImportError" in result.stderr
    assert 'pip install "authfort-verifier[flask]"' in result.stderr


def test_the_django_app_without_django_names_the_extra():
    result = run_without("django", "import verifier_client.apps")

    assert result.returncode != 0
    assert 'pip install "authfort-verifier[drf]"' in result.stderr


def test_core_and_introspection_import_without_any_framework():
    result = run_without(
        "django,rest_framework,flask,werkzeug",
        """
        import verifier_client
        import verifier_client.introspection
        import verifier_client.verifier
        import verifier_client.contrib
        import verifier_client._adapters
        import verifier_client._settings
        loaded = sorted(m for m in sys.modules if m.partition(".")[0] in ("django", "rest_framework", "flask"))
        print("loaded:", loaded)
        """,
    )

    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == "loaded: []"


def test_drf_import_does_not_read_settings():
    # No DJANGO_SETTINGS_MODULE and no settings.configure(): importing must still work.
    result = subprocess.run(
        [sys.executable, "-c", "import verifier_client.drf"],
        capture_output=True,
        text=True,
        timeout=60,
        env={k: v for k, v in os.environ.items() if k != "DJANGO_SETTINGS_MODULE"},
    )

    assert result.returncode == 0, result.stderr


@pytest.mark.parametrize("module", [verifier_client.drf, verifier_client.flask])
def test_adapter_exports_are_sorted_and_complete(module):
    assert module.__all__ == sorted(module.__all__)
    # What the module defines (not what it imports for its own use) is its public API.
    defined = {
        name
        for name, value in vars(module).items()
        if not name.startswith("_") and getattr(value, "__module__", None) == module.__name__
    }
    assert defined <= set(module.__all__)
    for name in module.__all__:
        assert getattr(module, name) is not None
