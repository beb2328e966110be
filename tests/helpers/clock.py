"""A clock tests move by hand, for `clock=` seams (time.time or time.monotonic shaped)."""

from __future__ import annotations

import threading

__all__ = ["FakeClock"]


class FakeClock:
    """Callable returning the current fake time; `advance()` moves it forward."""

    def __init__(self, start: float = 1_700_000_000.0) -> None:
        self._now = float(start)
        self._lock = threading.Lock()

    def __call__(self) -> float:
        with self._lock:
            return self._now

    def advance(self, seconds: float) -> None:
        with self._lock:
            self._now += seconds

    def set(self, now: float) -> None:
        with self._lock:
            self._now = float(now)
