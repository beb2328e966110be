"""Where verification keys come from: a cached remote JWKS, or a static set.

Both implement the `KeySet` protocol, which is all `TokenVerifier(keys=...)`
needs; any object with the same method can stand in for them (keys from a
vault, a database, several issuers' sets merged):

    class VaultKeys:
        def get_key(self, kid: str) -> VerificationKey:
            jwk = ...                               # look the kid up
            return VerificationKey.from_jwk(jwk)    # ValueError if unusable or unsafe

        def refresh(self) -> bool:                  # optional: TokenVerifier.prefetch_keys()
            ...                                     # calls it; True when the set changed

The contract of `get_key(kid)`:

* return the trusted key named `kid`. Its `verify(signing_input, signature)`
  checks exactly its one `alg`; the verifier refuses a token whose `alg` header
  is not that `alg`, and whose `alg` is outside its own allowlist;
* raise `UnknownKeyError` when no trusted key has this kid (a 401: the token is
  bad), and `KeySetUnavailableError` when the source cannot say right now (an
  outage: the adapters answer 503 with Retry-After, the caller should retry);
  any other exception is turned into a plain `VerificationError`;
* return the same object for as long as the key stays trusted, and set its
  `revoked` to True when it stops being trusted. The verifier remembers tokens
  it verified together with the key object: a cached result is reused only
  while `get_key` still returns that very object, unrevoked. (A new object on
  every call is safe; it only makes that cache useless.)
* be safe to call from many threads at once.

`JWKSClient` policy, in one place:

* TTL: `Cache-Control: max-age` of the response, clamped to
  [`min_cache_ttl`, `max_cache_ttl`]; `no-cache`/`no-store` count as the
  minimum; no header means `cache_ttl`. Constructor values are used as given.
* Refresh ahead: from 80 % of the TTL on, an access starts one background
  refresh and returns the current keys at once; requests never wait on the
  network except for the very first fetch and an unknown `kid`.
* Unknown `kid`: one blocking refetch, shared by every thread asking at the
  same time (single flight). Every fetch, whatever started it, is at least
  `min_refetch_interval` after the previous attempt, so a burst of random kids
  costs one request per interval.
* Failure (network, status, size, time, content): the previous set stays and is
  served until TTL + `max_stale` after its fetch, then `KeySetUnavailableError`
  (its `retry_after` is the time until the next fetch may run). A failed fetch
  never empties the cache.
* Success: the fetched set replaces the old one. A key that is gone (or whose
  material changed under the same kid) is marked `revoked` at once, which also
  voids the verifier's cached results made with it.
* Transport: HTTPS only (loopback or `allow_insecure_http=True` excepted), no
  redirects, `timeout` for the whole exchange, at most `max_response_bytes`
  read, identity encoding only.
* Content: a JSON object with a `keys` array, at most `max_keys` entries and no
  duplicate `kid`, else the whole document is refused. Individual keys that
  are unusable or unsafe (private members, `kty` oct, RSA under 2048 bits,
  `use` not `sig`, `key_ops` without `verify`, `alg` outside the allowlist,
  unknown curve, bad encoding) are skipped and logged by kid and reason.
* Observability: `on_event` (see events.py) hears every fetch, failed fetch,
  use of keys past their TTL and distrusted kid; the same facts are logged on
  `verifier_client.jwks` (fetches INFO, failures and stale use WARNING, the
  latter once per key set).
* Fork safety: after `os.fork()` (gunicorn `--preload`) the child gets fresh
  locks and no in-flight refresh; the keys it inherited stay valid.
"""

from __future__ import annotations

import logging
import os
import threading
import time
import weakref
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from typing import Any, Protocol, runtime_checkable

from ._jose import loads_object
from ._keys import (
    SUPPORTED_ALGORITHMS,
    RejectedKeySet,
    VerificationKey,
    check_algorithms,
    merge_key_sets,
    parse_key_set,
)
from ._transport import Fetch, FetchFailed, FetchResponse, check_url, requests_fetch
from .events import (
    JWKS_FETCH_FAILED,
    JWKS_FETCHED,
    KEYS_DISTRUSTED,
    STALE_KEYS_USED,
    EventHook,
    emit,
)
from .exceptions import KeySetUnavailableError, UnknownKeyError

__all__ = [
    "SUPPORTED_ALGORITHMS",
    "Fetch",
    "FetchResponse",
    "JWKSClient",
    "KeySet",
    "StaticKeySet",
    "VerificationKey",
]

logger = logging.getLogger("verifier_client.jwks")

_REFRESH_AHEAD_FRACTION = 0.8
# Static hosting often labels a JWKS file like this; an HTML error page is refused.
_TOLERATED_CONTENT_TYPES = frozenset({"text/plain", "application/octet-stream"})


# ------------------------------------------------------------------- protocol
@runtime_checkable
class KeySet(Protocol):
    """What the verifier needs from a key source (the module docstring has the contract)."""

    def get_key(self, kid: str) -> VerificationKey:
        """The trusted key named `kid`; `UnknownKeyError` if there is none,
        `KeySetUnavailableError` if the source cannot say now."""
        ...


# ----------------------------------------------------------------- static set
class StaticKeySet:
    """Keys given in code or configuration: a JWKS dict (`{"keys": [...]}`) or a
    list of JWK dicts. No network.

    A process that owns its keys (an auth server verifying its own tokens) keeps
    one `TokenVerifier(keys=StaticKeySet(...), ...)` and calls `update()` when its
    keys change, rather than building a new verifier each time.
    """

    def __init__(self, jwks_or_keys: Mapping[str, Any] | list[Mapping[str, Any]], *,
                 algorithms: Iterable[str] = ("RS256",)) -> None:
        self._algorithms = check_algorithms(algorithms)
        self._lock = threading.Lock()
        self._keys: dict[str, VerificationKey] = {}
        self.update(jwks_or_keys)

    def update(self, jwks_or_keys: Mapping[str, Any] | list[Mapping[str, Any]]) -> None:
        """Replace the keys with `jwks_or_keys`; safe while other threads verify.

        Readers see the old set or the new one, never a mix. A key missing from
        the new set, or whose material changed under its kid, is revoked at once
        (tokens it verified are no longer taken from the verifier's cache); an
        unchanged key keeps its object, and so its cached results. `ValueError`
        for a structurally invalid set (nothing changes then); unusable keys are
        skipped and logged.
        """
        # Parsed outside the lock: building key objects is the slow part, and a
        # reader never waits for the lock anyway (it reads one dict reference).
        try:
            new = parse_key_set(jwks_or_keys, self._algorithms, max_keys=1000, source="static keys")
        except RejectedKeySet as exc:
            raise ValueError(f"invalid key set: {exc}") from None
        with self._lock:
            # Merging under the lock keeps the `revoked` flags true to the set that
            # ends up installed when two updates race.
            self._keys = merge_key_sets(self._keys, new)

    def get_key(self, kid: str) -> VerificationKey:
        key = self._keys.get(kid)
        if key is None:
            raise UnknownKeyError()
        return key

    @property
    def kids(self) -> frozenset[str]:
        """The kids currently trusted."""
        return frozenset(self._keys)


@dataclass(frozen=True)
class _Snapshot:
    """One successful fetch. Replaced whole, so readers need no lock."""

    keys: dict[str, VerificationKey]
    refresh_at: float  # from here on, accesses start a background refresh
    stale_at: float  # TTL over: still served (if refreshing fails) until unusable_at
    unusable_at: float  # TTL + max_stale over: fail closed


def _parse_max_age(cache_control: str | None) -> int | None:
    """Seconds from `Cache-Control`; 0 for no-cache/no-store; None if absent."""
    if not cache_control:
        return None
    max_age = None
    for directive in cache_control.split(","):
        name, _, value = directive.strip().partition("=")
        name = name.strip().lower()
        if name in ("no-cache", "no-store"):
            return 0
        if name == "max-age":
            value = value.strip().strip('"')
            if value.isdigit() and len(value) <= 10:
                max_age = int(value)
    return max_age


_live_clients: "weakref.WeakSet[JWKSClient]" = weakref.WeakSet()


def _reset_after_fork() -> None:
    for client in list(_live_clients):
        client._reset_after_fork()


if hasattr(os, "register_at_fork"):
    os.register_at_fork(after_in_child=_reset_after_fork)


class JWKSClient:
    """Keys from a JWKS URL, cached and refreshed as the module docstring says.

    `clock` is monotonic seconds (tests pass a fake one). `fetch(url)` returns a
    `FetchResponse` (or a `(status, headers, body)` tuple) and may raise; when
    omitted, `requests` is used with the timeout and size cap. A custom fetch's
    body is still held to `max_response_bytes`.
    """

    def __init__(
        self,
        url: str,
        *,
        cache_ttl: float = 300,
        min_cache_ttl: float = 60,
        max_cache_ttl: float = 3600,
        max_stale: float = 3600,
        min_refetch_interval: float = 5,
        timeout: float = 5,
        max_response_bytes: int = 256 * 1024,
        max_keys: int = 64,
        allow_insecure_http: bool = False,
        algorithms: Iterable[str] = ("RS256",),
        clock: Callable[[], float] = time.monotonic,
        fetch: Fetch | None = None,
        on_event: EventHook | None = None,
    ) -> None:
        check_url(url, "jwks_url", allow_insecure_http)
        for name, value in (("cache_ttl", cache_ttl), ("timeout", timeout)):
            if value <= 0:
                raise ValueError(f"{name} must be positive")
        for name, value in (("max_stale", max_stale), ("min_refetch_interval", min_refetch_interval),
                            ("min_cache_ttl", min_cache_ttl)):
            if value < 0:
                raise ValueError(f"{name} must not be negative")
        if max_cache_ttl < min_cache_ttl:
            raise ValueError("max_cache_ttl must not be below min_cache_ttl")
        if on_event is not None and not callable(on_event):
            raise TypeError("on_event must be a callable taking one verifier_client.Event")
        self.url = url
        self.cache_ttl = cache_ttl
        self.min_cache_ttl = min_cache_ttl
        self.max_cache_ttl = max_cache_ttl
        self.max_stale = max_stale
        self.min_refetch_interval = min_refetch_interval
        self.timeout = timeout
        self.max_response_bytes = max_response_bytes
        self.max_keys = max_keys
        self.algorithms = check_algorithms(algorithms)
        self._clock = clock
        self._fetch = fetch or requests_fetch(timeout, max_response_bytes)
        self._snapshot: _Snapshot | None = None
        self._last_attempt: float | None = None
        self._last_error = "the key set has not been fetched yet"
        # Set by a failed fetch, cleared by a successful one: keys past their TTL are
        # "stale" only while refreshing them fails, not while a refresh is merely running.
        self._refresh_failing = False
        self.on_event = on_event
        self._stale_logged_for: _Snapshot | None = None
        self._new_locks()
        _live_clients.add(self)

    # -- public ----------------------------------------------------------------
    def get_key(self, kid: str) -> VerificationKey:
        """The trusted key `kid`.

        Raises `UnknownKeyError` when no current key has this kid (after at most
        one rate-limited refetch), `KeySetUnavailableError` when there is no set
        young enough to trust.
        """
        snapshot = self._snapshot
        now = self._clock()
        if snapshot is None or now >= snapshot.unusable_at:
            self._fetch_once(wait=True)
            snapshot = self._snapshot
            if snapshot is None or self._clock() >= snapshot.unusable_at:
                raise KeySetUnavailableError(
                    f"The signing keys could not be fetched ({self._last_error}); "
                    "tokens cannot be verified now: try again later.",
                    retry_after=self._seconds_until_next_fetch(),
                )
        elif now >= snapshot.refresh_at:
            self._start_background_refresh(now)
            if now >= snapshot.stale_at and self._refresh_failing and self._snapshot is snapshot:
                self._report_stale(snapshot)
        key = snapshot.keys.get(kid)
        if key is None:
            self._fetch_once(wait=True)
            current = self._snapshot
            key = current.keys.get(kid) if current is not None else None
            if key is None:
                raise UnknownKeyError()
        return key

    def refresh(self) -> bool:
        """Fetch now, in this thread, unless a fetch ran within
        `min_refetch_interval` (then wait for it if it is still running).
        True when the set was replaced by this call. Useful to warm up at start."""
        return self._fetch_once(wait=True)

    def wait_for_refresh(self, timeout: float | None = None) -> None:
        """Block until no fetch is in flight (tests, orderly shutdown)."""
        with self._cond:
            self._cond.wait_for(lambda: not self._in_flight, timeout=timeout)

    @property
    def kids(self) -> frozenset[str]:
        """Kids of the current set (empty before the first fetch)."""
        snapshot = self._snapshot
        return frozenset(snapshot.keys) if snapshot else frozenset()

    def _seconds_until_next_fetch(self) -> float:
        """How long until a request may fetch again (what a 503's Retry-After says):
        asking sooner would only be answered from the same failure."""
        last = self._last_attempt
        return 0.0 if last is None else max(0.0, last + self.min_refetch_interval - self._clock())

    # -- observing -----------------------------------------------------------
    def _report_stale(self, snapshot: _Snapshot) -> None:
        """Keys past their TTL are being served because no refresh has succeeded."""
        if self._stale_logged_for is not snapshot:
            self._stale_logged_for = snapshot
            logger.warning(
                "Serving JWKS keys from %s past their cache lifetime: refreshing failed (%s)",
                self.url, self._last_error,
            )
        emit(self.on_event, STALE_KEYS_USED, url=self.url)

    # -- fetching ------------------------------------------------------------
    def _new_locks(self) -> None:
        self._lock = threading.Lock()
        self._cond = threading.Condition(self._lock)
        self._in_flight = False

    def _reset_after_fork(self) -> None:
        # The parent's refresh thread does not exist here, and its lock may have
        # been held at fork time; start clean (the keys themselves are fine).
        self._new_locks()

    def _fetch_due(self, now: float) -> bool:
        """No fetch running and none started within `min_refetch_interval`.
        Safe to read without the lock as a hint; `_claim_fetch` decides under it."""
        last = self._last_attempt
        return not self._in_flight and (last is None or now - last >= self.min_refetch_interval)

    def _claim_fetch(self) -> bool:
        """Under the lock: may a fetch start now? Marks it in flight if so."""
        now = self._clock()
        if not self._fetch_due(now):
            return False
        self._in_flight = True
        self._last_attempt = now
        return True

    def _fetch_once(self, *, wait: bool) -> bool:
        with self._cond:
            if not self._claim_fetch():
                if wait and self._in_flight:
                    # Single flight: ride on the fetch already running.
                    self._cond.wait_for(lambda: not self._in_flight, timeout=self.timeout + 1)
                return False
        return self._run_claimed_fetch()

    def _start_background_refresh(self, now: float) -> None:
        # Checked without the lock first: after a failed refresh, refresh_at stays
        # in the past, and every access until the next attempt is due comes here.
        if not self._fetch_due(now):
            return
        with self._cond:
            if not self._claim_fetch():
                return
        try:
            thread = threading.Thread(
                target=self._run_claimed_fetch, name="authfort-verifier-jwks-refresh", daemon=True
            )
            thread.start()
        except Exception:  # cannot start a thread (interpreter shutdown): refresh inline later
            self._release_fetch()

    def _release_fetch(self) -> None:
        with self._cond:
            self._in_flight = False
            self._cond.notify_all()

    def _run_claimed_fetch(self) -> bool:
        try:
            return self._fetch_and_install()
        except Exception as exc:  # a bug here must not kill the caller or the thread
            self._last_error = f"unexpected {type(exc).__name__}"
            self._refresh_failing = True
            logger.exception("JWKS refresh from %s failed unexpectedly", self.url)
            emit(self.on_event, JWKS_FETCH_FAILED, reason=self._last_error, url=self.url)
            return False
        finally:
            self._release_fetch()

    def _fetch_and_install(self) -> bool:
        try:
            keys, ttl = self._fetch_document()
        except (FetchFailed, RejectedKeySet) as exc:
            self._last_error = str(exc)
            self._refresh_failing = True
            logger.warning("JWKS fetch from %s failed, keeping the previous keys: %s", self.url, exc)
            emit(self.on_event, JWKS_FETCH_FAILED, reason=str(exc), url=self.url)
            return False
        now = self._clock()
        previous = self._snapshot.keys if self._snapshot else {}
        merged = merge_key_sets(previous, keys)
        self._snapshot = _Snapshot(
            keys=merged,
            refresh_at=now + ttl * _REFRESH_AHEAD_FRACTION,
            stale_at=now + ttl,
            unusable_at=now + ttl + self.max_stale,
        )
        self._refresh_failing = False
        logger.info("JWKS fetched from %s: %d keys, cached for %ss", self.url, len(merged), int(ttl))
        emit(self.on_event, JWKS_FETCHED, url=self.url, key_count=len(merged))
        gone = sorted(set(previous) - set(merged))
        if gone:
            logger.info("JWKS from %s no longer has kids %s; distrusted", self.url, gone)
            emit(self.on_event, KEYS_DISTRUSTED, url=self.url, kids=tuple(gone))
        return True

    def _fetch_document(self) -> tuple[dict[str, VerificationKey], float]:
        try:
            result = self._fetch(self.url)
            status, headers, body = result
        except FetchFailed:
            raise
        except Exception as exc:
            raise FetchFailed(f"request failed ({type(exc).__name__})") from None
        if not isinstance(status, int) or not 200 <= status < 300:
            if isinstance(status, int) and 300 <= status < 400:
                raise FetchFailed(f"HTTP {status}: redirects are not followed")
            raise FetchFailed(f"HTTP {status}")
        if not isinstance(body, (bytes, bytearray)):
            raise FetchFailed("response body is not bytes")
        if len(body) > self.max_response_bytes:
            raise FetchFailed(f"response exceeds the {self.max_response_bytes}-byte cap")
        lowered = {str(k).lower(): str(v) for k, v in dict(headers or {}).items()}
        content_type = lowered.get("content-type", "").split(";")[0].strip().lower()
        if content_type and not (
            content_type.endswith(("/json", "+json")) or content_type in _TOLERATED_CONTENT_TYPES
        ):
            raise FetchFailed(f"Content-Type {content_type!r} is not JSON")
        try:
            document = loads_object(bytes(body))
        except ValueError as exc:
            raise FetchFailed(f"body is not a JSON object ({exc})") from None
        keys = parse_key_set(document, self.algorithms, self.max_keys, self.url)
        return keys, self._ttl_from(lowered.get("cache-control"))

    def _ttl_from(self, cache_control: str | None) -> float:
        max_age = _parse_max_age(cache_control)
        if max_age is None:
            return self.cache_ttl
        return min(max(max_age, self.min_cache_ttl), self.max_cache_ttl)
