"""A TCP proxy on 127.0.0.1 that forwards a fixed number of HTTP requests, then dies.

It lets a test stop "Redmine" in the middle of a run without touching the real server:
after ``budget`` requests the proxy closes its listening socket and every open connection,
exactly what a crashed server looks like to a client (connection refused / reset). With
``rewrite`` it bends answers on the way back (a listing that loses an entry) while the
real server stays untouched.
"""

from __future__ import annotations

import contextlib
import socket
import threading
from collections.abc import Callable

import httpx


class DyingProxy:
    def __init__(
        self,
        upstream: str,
        budget: int,
        rewrite: Callable[[str, str, bytes], bytes] | None = None,
    ) -> None:
        self.rewrite = rewrite
        """``(method, target, body) -> body`` applied to every answer, when given."""
        self.upstream = upstream.rstrip("/")
        self.budget = budget
        self.seen = 0
        self._lock = threading.Lock()
        self._sock = socket.socket()
        self._sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        self._sock.bind(("127.0.0.1", 0))
        self._sock.listen(16)
        self.port = self._sock.getsockname()[1]
        self._conns: list[socket.socket] = []
        self._client = httpx.Client(base_url=self.upstream, timeout=30)
        self._thread = threading.Thread(target=self._serve, daemon=True)
        self._thread.start()

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def _serve(self) -> None:
        while True:
            try:
                conn, _ = self._sock.accept()
            except OSError:
                return
            self._conns.append(conn)
            threading.Thread(target=self._handle, args=(conn,), daemon=True).start()

    def _handle(self, conn: socket.socket) -> None:
        reader = conn.makefile("rb")
        try:
            while True:
                line = reader.readline()
                if not line:
                    return
                method, target, _ = line.decode("latin-1").split(" ", 2)
                headers: dict[str, str] = {}
                while True:
                    h = reader.readline().decode("latin-1")
                    if h in ("\r\n", "\n", ""):
                        break
                    name, _, value = h.partition(":")
                    headers[name.strip().lower()] = value.strip()
                body = reader.read(int(headers.get("content-length", "0") or 0))
                with self._lock:
                    self.seen += 1
                    alive = self.seen <= self.budget
                if not alive:
                    self.kill()
                    return
                forward = {
                    k: v
                    for k, v in headers.items()
                    if k in ("x-redmine-api-key", "content-type", "accept")
                }
                upstream = self._client.request(method, target, headers=forward, content=body)
                payload = upstream.content
                if self.rewrite is not None:
                    payload = self.rewrite(method, target, payload)
                head = [f"HTTP/1.1 {upstream.status_code} X"]
                if upstream.headers.get("content-type"):
                    head.append(f"Content-Type: {upstream.headers['content-type']}")
                head.append(f"Content-Length: {len(payload)}")
                conn.sendall(("\r\n".join(head) + "\r\n\r\n").encode("latin-1") + payload)
        except OSError:
            return

    def kill(self) -> None:
        """Stop listening and drop every connection (idempotent)."""
        with contextlib.suppress(OSError):
            self._sock.close()
        for conn in self._conns:
            with contextlib.suppress(OSError):
                conn.shutdown(socket.SHUT_RDWR)
                conn.close()

    def close(self) -> None:
        self.kill()
        self._client.close()
