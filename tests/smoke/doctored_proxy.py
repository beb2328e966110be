"""A reverse proxy in front of a live server that serves a doctored JWKS: a deployment
whose key set is broken, while every other endpoint answers as the real one does."""

from __future__ import annotations

import json
import threading
from collections.abc import Callable
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import requests

JWKS_PATH = "/.well-known/jwks.json"
# Hop-by-hop, or describing the upstream's encoding of a body we hand on decoded.
_DROPPED = frozenset({"connection", "keep-alive", "transfer-encoding", "content-encoding", "content-length"})

Doctor = Callable[[dict[str, Any]], dict[str, Any]]


class DoctoredJWKSProxy:
    """`with DoctoredJWKSProxy(upstream, doctor) as proxy:` serves on `proxy.url`."""

    def __init__(self, upstream: str, doctor: Doctor) -> None:
        self.upstream = upstream.rstrip("/")
        self.doctor = doctor
        self._server = ThreadingHTTPServer(("127.0.0.1", 0), self._handler())
        self._server.daemon_threads = True
        self.url = f"http://127.0.0.1:{self._server.server_address[1]}"
        self._thread = threading.Thread(target=self._server.serve_forever, daemon=True)

    def __enter__(self) -> DoctoredJWKSProxy:
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._server.shutdown()
        self._server.server_close()
        self._thread.join(timeout=10)

    def _handler(self) -> type[BaseHTTPRequestHandler]:
        proxy = self

        class Handler(BaseHTTPRequestHandler):
            def do_GET(self) -> None:  # noqa: N802 - http.server's naming
                self._forward()

            def do_POST(self) -> None:  # noqa: N802
                self._forward()

            def _forward(self) -> None:
                length = int(self.headers.get("Content-Length") or 0)
                headers = {k: v for k, v in self.headers.items() if k.lower() not in ("host", "content-length")}
                upstream = requests.request(
                    self.command,
                    proxy.upstream + self.path,
                    headers=headers,
                    data=self.rfile.read(length) if length else None,
                    allow_redirects=False,
                    timeout=30,
                )
                body = upstream.content
                if self.path.split("?")[0] == JWKS_PATH and upstream.status_code == 200:
                    body = json.dumps(proxy.doctor(upstream.json())).encode()
                self.send_response(upstream.status_code)
                for name, value in upstream.headers.items():
                    if name.lower() not in _DROPPED:
                        self.send_header(name, value)
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

            def log_message(self, format: str, *args: Any) -> None:  # noqa: A002 - quiet
                pass

        return Handler
