"""A real HTTP server on loopback, for integration tests that must not patch `requests`.

    server = LoopbackHTTPServer().start()
    server.set_json({"keys": [...]}, headers={"Cache-Control": "max-age=60"})
    ... server.url("/jwks.json") ...
    assert server.hits == 1
    server.stop()

Every path answers with the default response unless a route was set for it with
`set_response(..., path="/x")`. A response can be delayed, or trickled out in small
chunks, to exercise client timeouts; `handler=` answers from a callable instead.
Every request is recorded (method, path, headers, body), so a test can assert that
a server saw zero requests.
"""

from __future__ import annotations

import json
import threading
import time
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any, Callable

__all__ = ["CannedResponse", "LoopbackHTTPServer", "RecordedRequest"]


@dataclass(frozen=True)
class RecordedRequest:
    method: str
    path: str
    headers: dict[str, str]
    body: bytes


@dataclass
class CannedResponse:
    """What the server answers. `trickle` sends the body one `trickle_chunk` at a time,
    sleeping `trickle` seconds between chunks (a slow-loris JWKS)."""

    status: int = 200
    body: bytes = b""
    headers: dict[str, str] = field(default_factory=dict)
    delay: float = 0.0
    trickle: float = 0.0
    trickle_chunk: int = 16


Handler = Callable[[RecordedRequest], CannedResponse]


class LoopbackHTTPServer:
    """`http.server.ThreadingHTTPServer` on 127.0.0.1, an ephemeral port, in a thread."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._default = CannedResponse(status=404, body=b"not found")
        self._routes: dict[str, CannedResponse] = {}
        self._handler: Handler | None = None
        self.requests: list[RecordedRequest] = []
        self._httpd: ThreadingHTTPServer | None = None
        self._thread: threading.Thread | None = None

    # -- lifecycle ---------------------------------------------------------------
    def start(self) -> "LoopbackHTTPServer":
        owner = self

        class _RequestHandler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def _serve(self) -> None:
                length = int(self.headers.get("Content-Length") or 0)
                body = self.rfile.read(length) if length else b""
                request = RecordedRequest(
                    method=self.command,
                    path=self.path,
                    headers={k: v for k, v in self.headers.items()},
                    body=body,
                )
                response = owner._record_and_pick(request)
                if response.delay:
                    time.sleep(response.delay)
                try:
                    self.send_response(response.status)
                    headers = {"Content-Type": "application/json", **response.headers}
                    for name, value in headers.items():
                        self.send_header(name, value)
                    self.send_header("Content-Length", str(len(response.body)))
                    self.send_header("Connection", "close")
                    self.end_headers()
                    if response.trickle:
                        step = max(1, response.trickle_chunk)
                        for i in range(0, len(response.body), step):
                            self.wfile.write(response.body[i : i + step])
                            self.wfile.flush()
                            time.sleep(response.trickle)
                    else:
                        self.wfile.write(response.body)
                except (BrokenPipeError, ConnectionResetError):
                    pass  # the client gave up (size cap, timeout): that is the point
                self.close_connection = True

            do_GET = do_POST = do_PUT = do_PATCH = do_DELETE = do_HEAD = _serve

            def log_message(self, format: str, *args: Any) -> None:  # noqa: A002
                pass  # keep test output clean

        self._httpd = ThreadingHTTPServer(("127.0.0.1", 0), _RequestHandler)
        self._httpd.daemon_threads = True
        self._thread = threading.Thread(
            target=self._httpd.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True
        )
        self._thread.start()
        return self

    def stop(self) -> None:
        if self._httpd is not None:
            self._httpd.shutdown()
            self._httpd.server_close()
            self._httpd = None
        if self._thread is not None:
            self._thread.join(timeout=5)
            self._thread = None

    def __enter__(self) -> "LoopbackHTTPServer":
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()

    # -- configuration -----------------------------------------------------------
    @property
    def port(self) -> int:
        assert self._httpd is not None, "server not started"
        return self._httpd.server_address[1]

    def url(self, path: str = "/") -> str:
        """`http://127.0.0.1:<port><path>`."""
        return f"http://127.0.0.1:{self.port}{path}"

    def set_response(
        self,
        body: bytes | str = b"",
        *,
        status: int = 200,
        headers: dict[str, str] | None = None,
        delay: float = 0.0,
        trickle: float = 0.0,
        trickle_chunk: int = 16,
        path: str | None = None,
    ) -> None:
        """Answer `path` (or every path without a route, when None) with this response."""
        if isinstance(body, str):
            body = body.encode()
        response = CannedResponse(status, body, dict(headers or {}), delay, trickle, trickle_chunk)
        with self._lock:
            if path is None:
                self._default = response
            else:
                self._routes[path] = response

    def set_json(
        self,
        document: Any,
        *,
        status: int = 200,
        headers: dict[str, str] | None = None,
        delay: float = 0.0,
        path: str | None = None,
    ) -> None:
        """Answer with `document` serialized as JSON."""
        self.set_response(
            json.dumps(document), status=status, headers=headers, delay=delay, path=path
        )

    def set_handler(self, handler: Handler | None) -> None:
        """Answer every request by calling `handler(request)` (overrides canned responses)."""
        with self._lock:
            self._handler = handler

    # -- observation ---------------------------------------------------------------
    @property
    def hits(self) -> int:
        with self._lock:
            return len(self.requests)

    def hits_for(self, path: str) -> int:
        with self._lock:
            return sum(1 for r in self.requests if r.path.split("?")[0] == path)

    def reset_hits(self) -> None:
        with self._lock:
            self.requests.clear()

    def _record_and_pick(self, request: RecordedRequest) -> CannedResponse:
        with self._lock:
            self.requests.append(request)
            handler = self._handler
            response = self._routes.get(request.path.split("?")[0], self._default)
        return handler(request) if handler is not None else response
