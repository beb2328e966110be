"""What the verifier and its key cache report, so a service can log, count and alert.

    from verifier_client import EventCounter, TokenVerifier
    counts = EventCounter()
    verifier = TokenVerifier(jwks_url=..., issuer=..., audience="authfort", on_event=counts)
    ...
    counts.get("verification_failed", "token_expired")   # -> 3

`on_event` is any callable taking one `Event`; it is called synchronously, in the
thread that saw the event (a background refresh thread for refresh-ahead
fetches), so keep it quick, e.g. `prometheus_client.Counter(...).labels(...).inc()`.
An exception raised by it is logged and otherwise ignored: observing never
changes a verification result. Events never carry a token or key material.

    name                 when                                              reason
    jwks_fetched         a JWKS fetch replaced the key set                 None
    jwks_fetch_failed    a fetch failed; the previous keys are kept         what failed (e.g. "HTTP 503")
    stale_keys_used      keys past their cache lifetime were served        None (within max_stale)
                         because refreshing them has failed
    keys_distrusted      kids left the set and are no longer trusted       None; `kids` lists them
    verification_failed  verify() rejected a token                         the error's `code`
"""

from __future__ import annotations

import logging
import threading
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

__all__ = [
    "JWKS_FETCHED",
    "JWKS_FETCH_FAILED",
    "KEYS_DISTRUSTED",
    "STALE_KEYS_USED",
    "VERIFICATION_FAILED",
    "Event",
    "EventCounter",
    "EventHook",
    "emit",
]

JWKS_FETCHED = "jwks_fetched"
JWKS_FETCH_FAILED = "jwks_fetch_failed"
STALE_KEYS_USED = "stale_keys_used"
KEYS_DISTRUSTED = "keys_distrusted"
VERIFICATION_FAILED = "verification_failed"

logger = logging.getLogger("verifier_client.events")


@dataclass(frozen=True)
class Event:
    """One observation. `url` is the JWKS URL for key-set events, None for a static set."""

    name: str
    reason: str | None = None
    url: str | None = None
    kids: tuple[str, ...] = ()
    key_count: int | None = None


EventHook = Callable[[Event], None]


def emit(hook: EventHook | None, name: str, **fields: Any) -> None:
    """Call `hook` with an Event(name, **fields), if there is a hook; its failures are
    logged, never raised. Without a hook nothing is built: this sits on the verify path."""
    if hook is None:
        return
    try:
        hook(Event(name, **fields))
    except Exception:  # noqa: BLE001 - an observer must not break verification
        logger.exception("on_event hook failed for %s", name)


class EventCounter:
    """An `on_event` hook that counts events by (name, reason); thread-safe."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._counts: Counter[tuple[str, str | None]] = Counter()

    def __call__(self, event: Event) -> None:
        with self._lock:
            self._counts[(event.name, event.reason)] += 1

    def get(self, name: str, reason: str | None = None) -> int:
        """How many `name` events with this `reason` (any reason when None is not what you
        mean: use `total(name)`)."""
        with self._lock:
            return self._counts[(name, reason)]

    def total(self, name: str) -> int:
        with self._lock:
            return sum(count for (event, _), count in self._counts.items() if event == name)

    def snapshot(self) -> dict[tuple[str, str | None], int]:
        with self._lock:
            return dict(self._counts)
