"""The import contracts of verifier_client/importlinter.ini hold (core framework-free, adapters
independent, no import of authfort_django). Needs import-linter; skipped where it is not installed."""

from __future__ import annotations

import subprocess
import sys

import pytest

from tests.helpers.live_server import REPO_ROOT

pytest.importorskip("importlinter")


def test_verifier_client_keeps_its_import_contracts():
    result = subprocess.run(
        [sys.executable, "-c", "import sys; from importlinter.cli import lint_imports_command; sys.exit(lint_imports_command())",
         "--config", "verifier_client/importlinter.ini", "--no-cache"],
        cwd=REPO_ROOT, capture_output=True, text=True, timeout=120,
    )

    assert result.returncode == 0, result.stdout + result.stderr
    assert "3 kept, 0 broken" in result.stdout
