"""Post-deploy smoke tests: a short suite of promises checked over HTTP against any running deployment.

    python -m smoke https://auth.example.com      (or: make smoke BASE_URL=https://auth.example.com)

Prints `ok <check>` or one `FAIL <check>: ...` line per broken promise; exit status 1 on any
failure. suite.py holds the checks and says how the throwaway account is handled.
"""

from smoke.cli import main
from smoke.suite import PRIVATE_MEMBERS, REQUIRED_MEMBERS, Smoke

__all__ = ["PRIVATE_MEMBERS", "REQUIRED_MEMBERS", "Smoke", "main"]
