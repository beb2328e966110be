"""Host names such as `auth.example.test` served on this machine, without /etc/hosts.

    browser = requests.Session()
    browser.mount("http://", LoopbackHostsAdapter({"auth.example.test", "orders.example.test"}))
    browser.get(f"http://orders.example.test:{port}/api/whoami")   # connects to 127.0.0.1:port

The request keeps its URL, so the session's cookie jar matches cookie domains
and paths against the real host name, and the server sees that name in `Host`,
exactly as with DNS; only the TCP connection goes to the loopback address.
Other hosts are sent as usual.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any
from urllib.parse import urlsplit

from requests.adapters import HTTPAdapter


class LoopbackHostsAdapter(HTTPAdapter):
    def __init__(self, hostnames: Iterable[str], **kwargs: Any) -> None:
        self.hostnames = frozenset(name.lower() for name in hostnames)
        super().__init__(**kwargs)

    def _mapped(self, url: str) -> bool:
        return (urlsplit(url).hostname or "") in self.hostnames

    def get_connection_with_tls_context(self, request, verify, proxies=None, cert=None):  # noqa: ANN001
        if not self._mapped(request.url):
            return super().get_connection_with_tls_context(request, verify, proxies, cert)
        parts = urlsplit(request.url)
        if parts.scheme != "http":
            raise ValueError(f"LoopbackHostsAdapter serves plain http only, not {request.url}")
        return self.poolmanager.connection_from_host("127.0.0.1", parts.port or 80, scheme="http")

    def add_headers(self, request, **kwargs: Any) -> None:  # noqa: ANN001
        # The pool connects to 127.0.0.1; without this, urllib3 would name that in Host.
        if self._mapped(request.url):
            request.headers["Host"] = urlsplit(request.url).netloc
