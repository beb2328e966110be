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


_LOOPBACK_V4 = ipaddress.IPv4Network("127.0.0.0/8")
_LOOPBACK_V6 = ipaddress.IPv6Address("::1")


def is_loopback(host: str) -> bool:
    """True only for a literal loopback address or the exact name `localhost`.

    Accepted: 127.0.0.0/8 in canonical dotted-quad form, `::1` (bracketed as in a
    URL or not) and `localhost`, in any case, with or without the trailing dot.
    Refused: any other name (`foo.localhost`, `localhost.evil.com`,
    `127.0.0.1.nip.io`), since whether it resolves to loopback is the resolver's
    decision, not ours; and non-canonical numbers (`2130706433`, `0x7f.1`,
    `127.1`, `0177.0.0.1`), which `ipaddress` refuses but the C resolver may still
    read as an address: we accept only what we and the transport read alike.
    IPv4-mapped (`::ffff:127.0.0.1`) and scoped (`::1%lo`) forms are refused too.
    """
    bracketed = host.startswith("[") and host.endswith("]")
    if bracketed:
        host = host[1:-1]
    elif host.lower() in ("localhost", "localhost."):
        return True
    try:
        address = ipaddress.ip_address(host)
    except ValueError:
        return False
    if isinstance(address, ipaddress.IPv4Address):
        return not bracketed and address in _LOOPBACK_V4
    return address == _LOOPBACK_V6 and address.scope_id is None


def check_url(url: str, name: str, allow_insecure_http: bool) -> None:
    """`ValueError` unless `url` is absolute https://, or http:// to a loopback
    host or with `allow_insecure_http`. `name` starts the message."""
    try:
        parts = urlsplit(url)
        hostname = parts.hostname
    except ValueError:  # e.g. an unbalanced or non-IPv6 [bracket]
        hostname = None
    if hostname and (
        parts.scheme == "https"
        or (parts.scheme == "http" and (allow_insecure_http or is_loopback(hostname)))
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
