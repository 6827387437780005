"""A hung tracker API: a TCP server on 127.0.0.1 that accepts connections, reads whatever
is sent, and never answers (the failure a timeout alone does not make harmless)."""

from __future__ import annotations

import contextlib
import socket
import threading


class HungServer:
    """``with HungServer() as hung: hung.url`` — every request to it waits forever."""

    def __init__(self) -> None:
        self._listener = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        self._listener.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        self._listener.bind(("127.0.0.1", 0))
        self._listener.listen(256)
        self.port = self._listener.getsockname()[1]
        self.url = f"http://127.0.0.1:{self.port}"
        self._held: list[socket.socket] = []
        self._lock = threading.Lock()
        self._closed = threading.Event()
        self._thread = threading.Thread(target=self._accept, name="hung-api", daemon=True)

    @property
    def accepted(self) -> int:
        """Connections accepted so far (a client really tried to talk to it)."""
        with self._lock:
            return len(self._held)

    def still_waiting(self) -> int:
        """Accepted connections the client has not given up on (not closed from its side):
        requests to this API that are hanging right now."""
        waiting = 0
        with self._lock:
            for conn in self._held:
                try:
                    data = conn.recv(65536, socket.MSG_PEEK | socket.MSG_DONTWAIT)
                except BlockingIOError:
                    waiting += 1  # open, nothing more sent
                except OSError:
                    continue
                else:
                    waiting += bool(data)  # b"": the client closed it
        return waiting

    def _accept(self) -> None:
        while not self._closed.is_set():
            try:
                conn, _ = self._listener.accept()
            except OSError:
                return
            with self._lock:
                self._held.append(conn)  # held open, never read to completion, never answered

    def __enter__(self) -> HungServer:
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._closed.set()
        with contextlib.suppress(OSError):
            self._listener.close()
        with self._lock:
            for conn in self._held:
                with contextlib.suppress(OSError):
                    conn.close()
            self._held.clear()
        self._thread.join(2)
