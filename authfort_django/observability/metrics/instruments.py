"""The counters and the histogram, and the helpers that move them (receivers.py, api views).

Without the [metrics] extra they are unrecorded.py's stand-ins, so the callers never
ask whether prometheus-client is installed.

Under gunicorn these live in PROMETHEUS_MULTIPROC_DIR (see gunicorn_hooks), so a
scrape answered by any worker sums every worker, dead ones included.
"""

from __future__ import annotations

import os
import time
from collections.abc import Iterator
from contextlib import contextmanager

from authfort_django import extras

if extras.installed("metrics"):
    from prometheus_client import Counter, Histogram
else:  # the same calls record nothing, and urls.py mounts no /metrics
    from authfort_django.observability.metrics.unrecorded import Counter, Histogram

# A process started outside gunicorn (manage.py, a test's server setup) with the
# variable set, before the server made the directory: the library needs it to exist.
if os.environ.get("PROMETHEUS_MULTIPROC_DIR"):
    os.makedirs(os.environ["PROMETHEUS_MULTIPROC_DIR"], exist_ok=True)

LOGIN_TOTAL = Counter("authfort_login_total", "Login attempts that reached the password check, by result.", ["result"])
REGISTER_TOTAL = Counter("authfort_register_total", "Accounts registered.")
REFRESH_TOTAL = Counter(
    "authfort_refresh_total",
    "Refresh-token rotations by result: success, reused (the session was revoked), expired, revoked, "
    "invalid, malformed, missing.",
    ["result"],
)
INTROSPECTION_TOTAL = Counter(
    "authfort_introspection_total", "Introspection answers to authorised callers, by `active`.", ["active"]
)
MFA_ATTEMPTS_TOTAL = Counter(
    "authfort_mfa_attempts_total",
    "Second-factor checks (login's second step, step-up, admin sign-in, reauthentication) by method "
    "(totp, recovery_code, passkey; password for a reauthentication) and result: success, invalid, "
    "replayed, malformed, unavailable (a factor the user does not have).",
    ["method", "result"],
)
TOKEN_ISSUE_SECONDS = Histogram(
    "authfort_token_issue_seconds",
    "Time to issue a token pair (password check, session, signing), by flow; successful issues only.",
    ["flow"],
    buckets=(0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0),
)

# Every label value is created up front so a dashboard sees 0, not a missing series.
LOGIN_RESULTS = ("success", "failure")
REFRESH_RESULTS = ("success", "reused", "expired", "revoked", "invalid", "malformed", "missing")
for _result in LOGIN_RESULTS:
    LOGIN_TOTAL.labels(result=_result)
for _result in REFRESH_RESULTS:
    REFRESH_TOTAL.labels(result=_result)
for _active in ("true", "false"):
    INTROSPECTION_TOTAL.labels(active=_active)
MFA_METHODS = ("totp", "recovery_code", "passkey", "password")
MFA_RESULTS = ("success", "invalid", "replayed", "malformed", "unavailable")
for _method in MFA_METHODS:
    for _result in MFA_RESULTS:
        MFA_ATTEMPTS_TOTAL.labels(method=_method, result=_result)
# The refusal codes of mfa/errors.py, grouped so the label set stays small and fixed.
_MFA_RESULT_OF_REASON = {
    "code_replayed": "replayed",
    "recovery_code_used": "replayed",
    "passkey_counter_regressed": "replayed",
    "invalid_code_format": "malformed",
    "passkey_malformed": "malformed",
    "factor_not_available": "unavailable",
}


def count_login(*, success: bool) -> None:
    LOGIN_TOTAL.labels(result="success" if success else "failure").inc()


def count_register() -> None:
    REGISTER_TOTAL.inc()


def count_refresh(result: str) -> None:
    """`result`: "success", or a refresh error code with or without its `refresh_token_` prefix."""
    result = result.removeprefix("refresh_token_")
    REFRESH_TOTAL.labels(result=result if result in REFRESH_RESULTS else "invalid").inc()


def count_introspection(*, active: bool) -> None:
    INTROSPECTION_TOTAL.labels(active="true" if active else "false").inc()


def count_mfa_attempt(method: str, *, reason: str | None = None) -> None:
    """One second-factor check: `reason` is None for a success, else the refusal's error code."""
    result = "success" if reason is None else _MFA_RESULT_OF_REASON.get(reason, "invalid")
    MFA_ATTEMPTS_TOTAL.labels(method=method if method in MFA_METHODS else "other", result=result).inc()


@contextmanager
def timing_issue(flow: str) -> Iterator[None]:
    """Observe how long the block took, if it completes (a failed login issues nothing)."""
    started = time.perf_counter()
    yield
    TOKEN_ISSUE_SECONDS.labels(flow=flow).observe(time.perf_counter() - started)
