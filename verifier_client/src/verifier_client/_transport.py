"""What the JWKS and introspection clients share about talking to the auth server:
which URLs they accept, and the default JWKS transport (`requests`, streamed,
capped, without redirects).

Internal to verifier_client. `JWKSClient` accepts any `fetch(url)` callable
returning a `FetchResponse`; this module supplies the one used by default.
"""

from __future__ import annotations

import ipaddress
import time
from collections.abc import Callable, Mapping
from typing import Any, NamedTuple
from urllib.parse import urlsplit

__all__ = ["Fetch", "FetchFailed", "FetchResponse", "check_url", "is_loopback", "read_capped", "requests_fetch"]


class FetchResponse(NamedTuple):
    """What a `fetch` callable returns. Header names are matched case-insensitively."""

    status: int
    headers: Mapping[str, str]
    body: bytes


Fetch = Callable[[str], "FetchResponse | tuple[int, Mapping[str, str], bytes]"]


class FetchFailed(Exception):
    """A fetch that produced no usable document; the message is the reason."""


_LOOPBACK_NAMES = frozenset({"localhost", "localhost.localdomain"})


def is_loopback(host: str) -> bool:
    host = host.lower()
    if host in _LOOPBACK_NAMES or host.endswith(".localhost"):
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def check_url(url: str, name: str, allow_insecure_http: bool) -> None:
    """`ValueError` unless `url` is absolute https://, or http:// to a loopback
    host or with `allow_insecure_http`. `name` starts the message."""
    parts = urlsplit(url)
    if parts.hostname and (
        parts.scheme == "https"
        or (parts.scheme == "http" and (allow_insecure_http or is_loopback(parts.hostname)))
    ):
        return
    raise ValueError(
        f"{name} must be an absolute https:// URL (plain http:// only for a loopback host, "
        "or with allow_insecure_http=True)"
    )


def read_capped(response: Any, max_bytes: int, deadline: float) -> bytes:
    """The body of a streamed `requests` response, as sent (no decompression).

    Reading stops as soon as more than `max_bytes` have arrived, so the result is
    then over the cap and the caller refuses it. `FetchFailed` for a compressed
    body (it could expand past the cap) and when `deadline` (monotonic) passes:
    `requests`' timeout is per socket read, so a server trickling one byte at a
    time would otherwise hold us indefinitely.
    """
    encoding = response.headers.get("Content-Encoding", "identity").lower()
    if encoding not in ("identity", ""):
        raise FetchFailed(f"refused Content-Encoding {encoding!r}")
    chunks: list[bytes] = []
    received = 0
    while received <= max_bytes:
        # read1 returns what one recv gives, never waiting to fill the buffer.
        chunk = response.raw.read1(65536)
        if not chunk:
            break
        if time.monotonic() > deadline:
            raise FetchFailed("response not complete before the deadline")
        chunks.append(chunk)
        received += len(chunk)
    return b"".join(chunks)


def requests_fetch(timeout: float, max_bytes: int) -> Callable[[str], FetchResponse]:
    """The default transport: requests, streamed, capped, no redirects."""
    import requests

    def fetch(url: str) -> FetchResponse:
        deadline = time.monotonic() + timeout
        try:
            with requests.get(
                url,
                stream=True,
                allow_redirects=False,
                timeout=timeout,
                headers={"Accept": "application/jwk-set+json, application/json", "Accept-Encoding": "identity"},
            ) as response:
                if response.status_code != 200:
                    return FetchResponse(response.status_code, response.headers, b"")
                return FetchResponse(response.status_code, response.headers, read_capped(response, max_bytes, deadline))
        except requests.Timeout:
            raise FetchFailed(f"timed out after {timeout} s") from None
        except requests.RequestException as exc:
            raise FetchFailed(f"request failed ({type(exc).__name__})") from None

    return fetch
