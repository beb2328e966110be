"""A bounded load of authenticated reads against the example consumers, and a
supply of fresh access tokens to send with it.

    mint = TokenMint(server, account)          # refreshes in a thread: a new access token every round
    load = ConsumerLoad([(orders, "/api/orders"), ...], mint, threads=6, max_requests=6000, max_seconds=150)
    with mint, load:
        ...                                    # rotate keys, stop servers, ...
    load.report()                              # counts, failures, duration

Every bound is hard: the load stops at `max_requests` or `max_seconds`, whichever
comes first, or when the `with` block ends.
"""

from __future__ import annotations

import random
import threading
import time
from collections import Counter
from dataclasses import dataclass, field
from typing import Any

import requests

from tests.helpers.e2e_http import kid_of, sent_tokens
from tests.helpers.live_server import LiveAuthServer
from tests.helpers.service_process import ServiceProcess


class TokenMint:
    """Keeps one session refreshing: every round rotates its refresh token and adds the
    new access token (signed by whichever key signs now) to the pool."""

    def __init__(self, server: LiveAuthServer, account: dict[str, Any], *, pause: float = 0.05) -> None:
        self._server = server
        self._refresh_token = account["refresh_token"]
        self._pause = pause
        self._lock = threading.Lock()
        self._tokens: list[str] = [account["access_token"]]
        self.failures: list[str] = []
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, name="token-mint", daemon=True)

    def pick(self, rng: random.Random) -> str:
        """Half the time the newest token, else any earlier one (older kids included)."""
        with self._lock:
            tokens = self._tokens
            return tokens[-1] if rng.random() < 0.5 else rng.choice(tokens)

    def newest(self) -> str:
        with self._lock:
            return self._tokens[-1]

    @property
    def minted(self) -> int:
        with self._lock:
            return len(self._tokens)

    def _run(self) -> None:
        session = requests.Session()
        while not self._stop.is_set():
            try:
                response = session.post(f"{self._server.url}/auth/refresh",
                                        json={"refresh_token": self._refresh_token}, timeout=30)
            except requests.RequestException as exc:
                self.failures.append(f"refresh: {type(exc).__name__}")
                break
            if response.status_code != 200:
                self.failures.append(f"refresh: {response.status_code} {response.text[:200]}")
                break
            body = response.json()
            self._refresh_token = body["refresh_token"]
            sent_tokens.add(body["access_token"])
            with self._lock:
                self._tokens.append(body["access_token"])
            self._stop.wait(self._pause)

    def __enter__(self) -> TokenMint:
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._stop.set()
        self._thread.join(timeout=60)


@dataclass
class LoadReport:
    requests: int
    seconds: float
    threads: int
    by_service: dict[str, int]
    ok_by_service_and_kid: dict[tuple[str, str], int]
    failures: list[str] = field(default_factory=list)

    def line(self) -> str:
        per_kid = ", ".join(f"{service}/{kid[:8]}…: {count}"
                            for (service, kid), count in sorted(self.ok_by_service_and_kid.items()))
        per_service = ", ".join(f"{service} {count}" for service, count in sorted(self.by_service.items()))
        rate = self.requests / self.seconds if self.seconds else 0.0
        return (f"{self.requests} requests ({per_service}) over {self.threads} threads in "
                f"{self.seconds:.1f} s ({rate:.0f}/s), {len(self.failures)} failed; verified per kid: {per_kid}")


class ConsumerLoad:
    """`threads` threads sending GETs round-robin to `targets` ((service, path) pairs)
    with tokens from `mint`, until stopped or a bound is reached."""

    def __init__(self, targets: list[tuple[ServiceProcess, str]], mint: TokenMint, *,
                 threads: int, max_requests: int, max_seconds: float) -> None:
        self._targets = targets
        self._mint = mint
        self._threads_wanted = threads
        self._max_requests = max_requests
        self._max_seconds = max_seconds
        self._lock = threading.Lock()
        self._sent = 0
        self._by_service: Counter[str] = Counter()
        self._ok: Counter[tuple[str, str]] = Counter()
        self._failures: list[str] = []
        self._stop = threading.Event()
        self._threads: list[threading.Thread] = []
        self._started = 0.0
        self._finished: float | None = None

    @property
    def sent(self) -> int:
        with self._lock:
            return self._sent

    @property
    def finished(self) -> bool:
        """True once every thread has stopped: a bound was reached, or the load was stopped."""
        return bool(self._threads) and not any(thread.is_alive() for thread in self._threads)

    def verified_with(self, service: str, kid: str) -> int:
        with self._lock:
            return self._ok[(service, kid)]

    def _claim(self) -> bool:
        with self._lock:
            if self._sent >= self._max_requests or time.monotonic() - self._started >= self._max_seconds:
                return False
            self._sent += 1
            return True

    def _run(self, seed: int) -> None:
        rng = random.Random(seed)
        session = requests.Session()
        turn = seed
        while not self._stop.is_set() and self._claim():
            service, path = self._targets[turn % len(self._targets)]
            turn += 1
            token = self._mint.pick(rng)
            try:
                response = session.get(service.url + path, headers={"Authorization": f"Bearer {token}"},
                                       timeout=30)
                outcome = response.status_code
                detail = "" if outcome == 200 else response.text[:200]
            except requests.RequestException as exc:
                outcome, detail = 0, type(exc).__name__
            with self._lock:
                self._by_service[service.name] += 1
                if outcome == 200:
                    self._ok[(service.name, kid_of(token))] += 1
                else:
                    self._failures.append(f"{service.name} {path}: {outcome} {detail}")
        with self._lock:
            self._finished = time.monotonic()

    def __enter__(self) -> ConsumerLoad:
        self._started = time.monotonic()
        for n in range(self._threads_wanted):
            thread = threading.Thread(target=self._run, args=(n,), name=f"load-{n}", daemon=True)
            thread.start()
            self._threads.append(thread)
        return self

    def __exit__(self, *exc: object) -> None:
        self._stop.set()
        for thread in self._threads:
            thread.join(timeout=60)

    def report(self) -> LoadReport:
        with self._lock:
            end = self._finished or time.monotonic()
            return LoadReport(
                requests=self._sent, seconds=end - self._started, threads=self._threads_wanted,
                by_service=dict(self._by_service), ok_by_service_and_kid=dict(self._ok),
                failures=list(self._failures),
            )
