"""A fault-injecting HTTP proxy on 127.0.0.1, in front of any tracker (simulator or real).

The trust-critical faults are the ones a simulator's own error switch cannot produce: a
write the tracker **applied** whose answer never arrived. :class:`FaultProxy` forwards each
request to the upstream server over real HTTP and then, for requests a :class:`Fault`
matches, does one of:

* ``"502"``  forward (the write is applied), then answer 502 Bad Gateway;
* ``"drop"`` forward, then close the connection without a byte of answer (a reset);
* ``"hang"`` forward, then say nothing for ``hang`` seconds (past the client's timeout);
* ``"down"`` do not forward: answer 503 (a tracker outage; nothing is applied);
* ``"limit"`` do not forward: answer 429 with ``Retry-After: retry_after`` (a rate limit).

Everything else passes through unchanged. :attr:`FaultProxy.hits` counts what each fault did,
so a test can assert that the fault actually happened.
"""

from __future__ import annotations

import contextlib
import re
import socket
import threading
import time
from collections import Counter
from dataclasses import dataclass
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import httpx

_HOP = {"connection", "keep-alive", "transfer-encoding", "content-length", "content-encoding"}


@dataclass
class Fault:
    """What to do to the requests matching ``method`` and the ``path`` regex (searched)."""

    mode: str  # "502" | "drop" | "hang" | "down" | "limit"
    method: str = "*"
    path: str = ""
    count: int = 1
    """How many matching requests get the fault (then they pass); -1 for all of them."""
    after: int = 0
    """Let this many matching requests pass before the fault starts (an outage mid-run)."""
    hang: float = 2.0
    retry_after: int = 3600
    body: str = ""
    """A regex the request body must contain (a GraphQL mutation's name)."""

    def matches(self, method: str, path: str, body: bytes = b"") -> bool:
        return (
            self.method in ("*", method)
            and re.search(self.path, path) is not None
            and (not self.body or re.search(self.body, body.decode("utf-8", "replace")) is not None)
        )


class FaultProxy:
    """Forwards to ``upstream``; ``faults`` (first match wins) decide what goes wrong."""

    def __init__(self, upstream: str) -> None:
        self.upstream = upstream.rstrip("/")
        self.faults: list[Fault] = []
        self.hits: Counter[str] = Counter()
        self.forwarded: list[tuple[str, str, int]] = []
        self.down_after: tuple[Fault, int] | None = None
        """(pattern, n): after ``n`` requests matching the pattern were forwarded, the
        tracker is down (every request answers 503) until :meth:`clear`."""
        self.down = False
        self._lock = threading.Lock()
        self._client = httpx.Client(timeout=60, follow_redirects=False)
        proxy = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def log_message(self, *args: Any) -> None:
                return

            def _any(self) -> None:
                proxy._handle(self)

            do_GET = do_POST = do_PUT = do_PATCH = do_DELETE = do_HEAD = _any

        self._server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self._server.daemon_threads = True
        self._thread = threading.Thread(target=self._server.serve_forever, daemon=True)
        self._thread.start()

    @property
    def url(self) -> str:
        host, port = self._server.server_address[:2]
        return f"http://{host}:{port}"

    def add(self, *faults: Fault) -> FaultProxy:
        with self._lock:
            self.faults.extend(faults)
        return self

    def clear(self) -> None:
        with self._lock:
            self.faults.clear()
            self.down_after = None
            self.down = False

    def close(self) -> None:
        self._server.shutdown()
        self._server.server_close()
        self._client.close()

    # -- one request -------------------------------------------------------------------------
    def _pick(self, method: str, path: str, body: bytes) -> Fault | None:
        with self._lock:
            for fault in self.faults:
                if fault.count == 0 or not fault.matches(method, path, body):
                    continue
                if fault.after > 0:
                    fault.after -= 1
                    return None
                if fault.count > 0:
                    fault.count -= 1
                self.hits[fault.mode] += 1
                return fault
        return None

    def _handle(self, handler: BaseHTTPRequestHandler) -> None:
        method = handler.command
        length = int(handler.headers.get("content-length") or 0)
        body = handler.rfile.read(length) if length else b""
        path = handler.path
        fault = self._pick(method, path.split("?", 1)[0], body)
        if self.down:
            self.hits["outage"] += 1
            self._answer(handler, 503, b'{"message": "Service Unavailable"}', {})
            return
        if fault is not None and fault.mode == "down":
            self._answer(handler, 503, b'{"message": "Service Unavailable"}', {})
            return
        if fault is not None and fault.mode == "limit":
            headers = {"Retry-After": str(fault.retry_after)}
            self._answer(handler, 429, b'{"message": "Too Many Requests"}', headers)
            return
        headers = {k: v for k, v in handler.headers.items() if k.lower() not in _HOP | {"host"}}
        response = self._client.request(method, self.upstream + path, content=body, headers=headers)
        with self._lock:
            self.forwarded.append((method, path, response.status_code))
            if self.down_after is not None:
                pattern, n = self.down_after
                if pattern.matches(method, path.split("?", 1)[0], body):
                    self.down_after = (pattern, n - 1)
                    self.down = n - 1 <= 0
        if fault is None:
            out = {k: v for k, v in response.headers.items() if k.lower() not in _HOP}
            self._answer(handler, response.status_code, response.content, out)
            return
        if fault.mode == "502":
            self._answer(handler, 502, b'{"message": "Bad Gateway"}', {})
        elif fault.mode == "hang":
            time.sleep(fault.hang)
            self._drop(handler)
        else:  # "drop"
            self._drop(handler)

    @staticmethod
    def _answer(
        handler: BaseHTTPRequestHandler, status: int, body: bytes, headers: dict[str, str]
    ) -> None:
        handler.send_response(status)
        for name, value in headers.items():
            handler.send_header(name, value)
        if "content-type" not in {k.lower() for k in headers}:
            handler.send_header("Content-Type", "application/json")
        handler.send_header("Content-Length", str(len(body)))
        handler.end_headers()
        if handler.command != "HEAD":
            handler.wfile.write(body)

    @staticmethod
    def _drop(handler: BaseHTTPRequestHandler) -> None:
        handler.close_connection = True
        with contextlib.suppress(OSError):
            handler.connection.shutdown(socket.SHUT_RDWR)
