"""Run code in a fresh interpreter where some packages cannot be imported, as if they
were not installed: a `sys.meta_path` finder refuses them, so nothing is uninstalled."""

from __future__ import annotations

import subprocess
import sys
import textwrap
from collections.abc import Mapping

_BLOCKER = textwrap.dedent(
    """
    import sys

    class _Absent:
        def __init__(self, names):
            self.names = names

        def find_spec(self, fullname, path=None, target=None):
            if fullname.partition(".")[0] in self.names:
                raise ModuleNotFoundError(f"No module named {fullname!r}", name=fullname)
            return None

    sys.meta_path.insert(0, _Absent(set(sys.argv[1].split(","))))
    """
)


def run_without(
    packages: str, code: str, *, env: Mapping[str, str] | None = None, timeout: float = 60
) -> subprocess.CompletedProcess[str]:
    """Run `code` in a new interpreter where `packages` (comma-separated top-level names) cannot be imported."""
    return subprocess.run(
        [sys.executable, "-c", _BLOCKER + textwrap.dedent(code), packages],
        capture_output=True,
        text=True,
        timeout=timeout,
        env=env,
    )
