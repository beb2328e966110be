"""Ask the auth server whether a token is still active (RFC 7662 introspection).

Local verification proves a token was issued and has not expired; only the
server knows whether it was revoked since (logout, password change, a disabled
account). Sensitive views ask it:

    client = IntrospectionClient("https://auth.example.com/auth/introspect", secret)
    result = client.introspect(token)      # IntrospectionResult(active, claims, error)
    client.require_active(token)           # or raise InactiveTokenError

Failing closed is the rule: a network error, a timeout, a redirect, a non-200
status, a body that is not a JSON object, an oversized body or an `active` member
that is not the JSON boolean `true` all mean "not active", with `error` saying
which (and `require_active` raising `IntrospectionUnavailableError`, which the
adapters answer with 503 rather than 401: the token was not judged).

Every call asks the server by default: a live check exists to see a logout or a
ban at once. `cache_ttl` opts in to reusing an answer for that many seconds,
keyed by a SHA-256 digest of the token; it is then the longest a revoked token
can still pass. An active answer is never kept past the token's `exp`, an
inactive one never longer than `cache_ttl`, a failure not at all. Neither the
token nor the secret is ever logged.
"""

from __future__ import annotations

import hashlib
import json
import logging
import os
import threading
import time
from collections import OrderedDict
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from types import MappingProxyType
from typing import Any
from urllib.parse import urlencode

from ._transport import FetchFailed, check_url, read_capped
from .exceptions import InactiveTokenError, IntrospectionUnavailableError

__all__ = ["IntrospectionClient", "IntrospectionResult", "Transport"]

logger = logging.getLogger(__name__)

Transport = Callable[..., tuple[int, bytes]]
"""`fetch(url, *, body, headers, timeout, max_bytes) -> (status, body)`.

Sends one POST without following redirects. May return more than `max_bytes` (the
client checks) and may raise any exception for a transport failure.
"""

_EMPTY: Mapping[str, Any] = MappingProxyType({})


@dataclass(frozen=True)
class IntrospectionResult:
    """The server's answer about one token.

    `active` is True only for a well-formed 200 answer with `"active": true`;
    `claims` then holds the members of that answer (read-only), otherwise it is
    empty. `error` is None when the server answered properly (active or not) and
    a short description of what went wrong when the status could not be learned.
    """

    active: bool
    claims: Mapping[str, Any] = field(default_factory=lambda: _EMPTY)
    error: str | None = None


_NOT_ACTIVE = IntrospectionResult(active=False)


class IntrospectionClient:
    """RFC 7662 client for one introspection endpoint. Thread-safe; fork-safe.

    `secret` is sent as `Authorization: Bearer <secret>`. `cache_ttl` (default 0:
    no cache, every call asks) opts in to reusing answers for that many seconds,
    which is then how long a revocation can go unnoticed. The URL must be
    HTTPS unless it names a loopback host or `allow_insecure_http` is set, because
    both the secret and the token travel with every request.
    """

    def __init__(
        self,
        url: str,
        secret: str,
        *,
        cache_ttl: float = 0.0,
        cache_size: int = 10_000,
        timeout: float = 3.0,
        max_response_bytes: int = 64 * 1024,
        clock: Callable[[], float] = time.monotonic,
        wall_clock: Callable[[], float] = time.time,
        fetch: Transport | None = None,
        allow_insecure_http: bool = False,
    ) -> None:
        if not secret:
            raise ValueError("IntrospectionClient needs the introspection secret.")
        check_url(url, "The introspection URL", allow_insecure_http)
        if cache_ttl < 0 or cache_size < 0 or timeout <= 0 or max_response_bytes <= 0:
            raise ValueError("cache_ttl and cache_size must be >= 0; timeout and max_response_bytes > 0.")
        self.url = url
        self._secret = secret
        self.cache_ttl = cache_ttl
        self.cache_size = cache_size
        self.timeout = timeout
        self.max_response_bytes = max_response_bytes
        self._clock = clock
        self._wall_clock = wall_clock
        self._fetch: Transport = fetch if fetch is not None else _RequestsTransport()
        self._lock = threading.Lock()
        # digest -> (result, monotonic deadline), oldest first
        self._cache: OrderedDict[bytes, tuple[IntrospectionResult, float]] = OrderedDict()

    def __repr__(self) -> str:
        return f"<IntrospectionClient {self.url!r}>"  # never the secret

    def introspect(self, token: str) -> IntrospectionResult:
        """The server's answer for `token`, from the cache when fresh. Never raises."""
        if not token:
            return IntrospectionResult(active=False, error="empty token")
        key = hashlib.sha256(token.encode("utf-8", "surrogatepass")).digest()
        cached = self._cached(key)
        if cached is not None:
            return cached
        result = self._ask(token)
        self._store(key, result)
        return result

    def require_active(self, token: str) -> IntrospectionResult:
        """The active result for `token`; raise otherwise, so the token is refused either way.

        `InactiveTokenError` when the server says the token is not active (a 401 in
        the adapters). `IntrospectionUnavailableError` (a subclass, so catching
        `InactiveTokenError` still refuses) when the server could not be asked or
        gave no usable answer: an outage or a misconfiguration, not a verdict on
        the token, which the adapters answer with 503 and Retry-After.
        """
        if not token:
            raise InactiveTokenError("The access token is empty.")
        result = self.introspect(token)
        if result.active:
            return result
        if result.error is None:
            raise InactiveTokenError("The access token is no longer active.")
        raise IntrospectionUnavailableError(
            f"The introspection endpoint could not confirm that the token is active ({result.error}); "
            "try again later."
        )

    def clear_cache(self) -> None:
        """Forget every cached answer."""
        with self._lock:
            self._cache.clear()

    # -- the exchange ------------------------------------------------------------
    def _ask(self, token: str) -> IntrospectionResult:
        body = urlencode({"token": token, "token_type_hint": "access_token"}).encode("ascii")
        headers = {
            "Authorization": f"Bearer {self._secret}",
            "Content-Type": "application/x-www-form-urlencoded",
            "Accept": "application/json",
        }
        try:
            status, payload = self._fetch(
                self.url,
                body=body,
                headers=headers,
                timeout=self.timeout,
                max_bytes=self.max_response_bytes,
            )
        except FetchFailed as exc:  # our transport refused the answer; the message says why
            return self._failed(str(exc))
        except Exception as exc:  # any transport failure means "cannot confirm": fail closed
            return self._failed(f"network error: {type(exc).__name__}")
        if status != 200:
            return self._failed(f"unexpected HTTP status {status}")
        if len(payload) > self.max_response_bytes:
            return self._failed(f"response larger than {self.max_response_bytes} bytes")
        try:
            document = json.loads(payload)
        except (ValueError, RecursionError):
            return self._failed("response is not JSON")
        if not isinstance(document, dict):
            return self._failed("response is not a JSON object")
        active = document.get("active")
        if active is False:
            return _NOT_ACTIVE
        if active is not True:
            return self._failed("response has no boolean 'active' member")
        return IntrospectionResult(active=True, claims=MappingProxyType(document))

    def _failed(self, error: str) -> IntrospectionResult:
        logger.warning("Token introspection at %s failed (%s); treating the token as inactive.", self.url, error)
        return IntrospectionResult(active=False, error=error)

    # -- the cache ---------------------------------------------------------------
    def _cached(self, key: bytes) -> IntrospectionResult | None:
        with self._lock:
            entry = self._cache.get(key)
            if entry is None:
                return None
            result, deadline = entry
            if self._clock() < deadline:
                return result
            del self._cache[key]
            return None

    def _store(self, key: bytes, result: IntrospectionResult) -> None:
        # Failures are not cached: the next request retries, so recovery is immediate.
        # An inactive answer gets at most cache_ttl, as an active one does: never more.
        if result.error is not None or self.cache_ttl <= 0 or self.cache_size <= 0:
            return
        ttl = self.cache_ttl
        if result.active:
            exp = result.claims.get("exp")
            if isinstance(exp, (int, float)) and not isinstance(exp, bool):
                ttl = min(ttl, exp - self._wall_clock())
            if ttl <= 0:
                return
        with self._lock:
            self._cache[key] = (result, self._clock() + ttl)
            self._cache.move_to_end(key)
            while len(self._cache) > self.cache_size:
                self._cache.popitem(last=False)


class _RequestsTransport:
    """The default transport: `requests`, no redirects, the body read as the JWKS one is.

    One session (connection pool) per process: a pool inherited through fork would
    share sockets with the parent.
    """

    def __init__(self) -> None:
        self._session: Any = None
        self._pid = 0
        self._lock = threading.Lock()

    def _get_session(self) -> Any:
        import requests

        with self._lock:
            if self._session is None or self._pid != os.getpid():
                self._session = requests.Session()
                self._pid = os.getpid()
            return self._session

    def __call__(
        self, url: str, *, body: bytes, headers: Mapping[str, str], timeout: float, max_bytes: int
    ) -> tuple[int, bytes]:
        deadline = time.monotonic() + timeout
        with self._get_session().post(
            url,
            data=body,
            headers={**headers, "Accept-Encoding": "identity"},
            timeout=timeout,
            allow_redirects=False,
            stream=True,
            # An explicit no-op auth keeps requests from replacing our Authorization
            # header with credentials from ~/.netrc.
            auth=_keep_headers,
        ) as response:
            if response.status_code != 200:
                return response.status_code, b""  # the client looks no further
            return response.status_code, read_capped(response, max_bytes, deadline)


def _keep_headers(request: Any) -> Any:
    return request
