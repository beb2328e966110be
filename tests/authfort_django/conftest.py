"""Fixtures for the key store and rotation tests: a hand-moved clock and a store that reads it.

The `row_locks` marker's skip on SQLite lives in tests/conftest.py (every package uses it).
"""

from __future__ import annotations

from datetime import datetime, timedelta

import pytest

from authfort_django.keys.store import KeyStore
from tests.helpers.clock import FakeClock


@pytest.fixture
def clock() -> FakeClock:
    return FakeClock()


@pytest.fixture
def store(clock: FakeClock) -> KeyStore:
    """A KeyStore of its own on the fake clock (the module singleton uses real time)."""
    return KeyStore(clock=clock)


@pytest.fixture
def advance(clock: FakeClock):
    """advance(seconds=..., or a timedelta): move the fake clock forward."""

    def move(delta: float | timedelta) -> None:
        clock.advance(delta.total_seconds() if isinstance(delta, timedelta) else delta)

    return move


@pytest.fixture
def move_to(clock: FakeClock):
    """move_to(moment): set the fake clock to an aware datetime."""

    def move(moment: datetime) -> None:
        clock.set(moment.timestamp())

    return move


@pytest.fixture
def authfort(settings):
    """authfort(KEY=value, ...): override AUTHFORT keys for this test (others keep their value)."""

    def override(**values: object) -> None:
        settings.AUTHFORT = {**settings.AUTHFORT, **values}

    return override
