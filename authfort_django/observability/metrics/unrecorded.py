"""Stand-ins for prometheus_client's Counter and Histogram when the [metrics] extra is
not installed: the calls instruments.py makes, accepted and forgotten."""

from __future__ import annotations

from typing import Any


class Counter:
    def __init__(self, *args: Any, **kwargs: Any) -> None:
        pass

    def labels(self, *args: Any, **kwargs: Any) -> Counter:
        return self

    def inc(self, amount: float = 1) -> None:
        pass

    def observe(self, amount: float) -> None:
        pass


Histogram = Counter
