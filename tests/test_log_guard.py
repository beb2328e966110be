"""The log guard itself: it must be able to fail."""

import os
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

from tests import log_guard

ROOT = Path(__file__).resolve().parents[1]


def test_leaks_finds_a_secret_inside_a_line():
    lines = ["authfort.audit INFO login ok", "app WARNING token=eyJhbGciOi.secret.sig rejected"]

    found = log_guard.leaks(lines, {"eyJhbGciOi.secret.sig", "not-in-any-line"})

    assert found == [(lines[1], "eyJhbGciOi.secret.sig")]


def test_redact_hides_the_secret():
    assert log_guard.redact("x=hunter2hunter2", "hunter2hunter2") == "x=<14 secret characters>"


@pytest.mark.parametrize("workers", [[], ["-n", "1"]], ids=["one process", "an xdist worker"])
def test_a_suite_that_logs_a_password_fails(tmp_path, workers):
    test_file = tmp_path / "test_leaky.py"
    test_file.write_text(textwrap.dedent("""
        import logging
        import pytest

        @pytest.mark.django_db
        def test_leaky(client):
            client.post("/auth/login", {"email": "a@example.com", "password": "leaky password 123"},
                        content_type="application/json")
            logging.getLogger("leaky").warning("user typed leaky password 123")
    """))

    result = subprocess.run(
        # The file lies outside tests/, so load our conftest as a plugin to get its guard.
        [sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", "-p", "tests.conftest", *workers,
         "--rootdir", str(ROOT), "-c", str(ROOT / "pyproject.toml"), str(test_file)],
        cwd=ROOT, capture_output=True, text=True, timeout=300,
        # SQLite: on PostgreSQL the child would fight the parent run over test_<name>.
        env={k: v for k, v in os.environ.items() if k not in ("DATABASE_URL", "REDIS_URL")},
    )

    assert result.returncode != 0, result.stdout
    assert "LOG LEAK" in result.stdout
    assert "leaky password 123" not in result.stdout.split("LOG LEAK")[1]
