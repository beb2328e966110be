"""Operations per second of a callable, timed the way every bench section times."""

from __future__ import annotations

import gc
import time
from collections.abc import Callable


def ops_per_second(run: Callable[[], None], count: int, seconds: float,
                   setup: Callable[[], None] | None = None) -> float:
    """`run()` performs `count` operations; repeat it (after `setup()`, untimed) for about `seconds`."""
    done, elapsed = 0, 0.0
    while elapsed < seconds:
        if setup is not None:
            setup()
        # As timeit does: collect outside the timing, no collector pauses inside
        # (they land on whichever path happens to allocate when one is due).
        gc.collect()
        gc.disable()
        try:
            start = time.perf_counter()
            run()
            elapsed += time.perf_counter() - start
        finally:
            gc.enable()
        done += count
    return done / elapsed
