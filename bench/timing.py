"""Operations per second of a callable, timed the way every bench section times."""

from __future__ import annotations

import gc
import http.client
import json
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


def timed_post(port: int, path: str, body: object) -> tuple[int, bytes, float]:
    """POST `body` as JSON to 127.0.0.1:`port`; (status, response body, seconds), on a fresh
    connection each time, as a client that does not keep connections alive would."""
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
    try:
        started = time.perf_counter()
        conn.request("POST", path, body=json.dumps(body), headers={"Content-Type": "application/json"})
        response = conn.getresponse()
        content = response.read()
        return response.status, content, time.perf_counter() - started
    finally:
        conn.close()
