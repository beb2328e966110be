"""Hypothesis profiles for the fuzz tests.

`ci` (the default, what `make test` and .ci/run use): a fixed example budget and
derandomized generation, so every run tries the same inputs and a failure
reproduces; no example database, so nothing is written under the checkout.
`deep` for a longer hunt by hand: HYPOTHESIS_PROFILE=deep make test PYTEST_ARGS=tests/fuzz
"""

from __future__ import annotations

import os

from hypothesis import HealthCheck, settings

_COMMON = dict(
    deadline=None,  # a shared, noisy machine: never fail on time
    database=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow, HealthCheck.data_too_large],
)

settings.register_profile("ci", max_examples=100, derandomize=True, **_COMMON)
settings.register_profile("deep", max_examples=5000, **_COMMON)
settings.load_profile(os.environ.get("HYPOTHESIS_PROFILE", "ci"))
