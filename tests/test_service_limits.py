"""The HTTP server's bounds (``trackerguard/service/http.py``), each over real HTTP on
127.0.0.1 (uvicorn in a thread, raw sockets as the misbehaving senders): request head size,
the time a head and a body may take to arrive (a slow-loris sender holds no worker, and not
for long), keep-alive, and the concurrency limit."""

from __future__ import annotations

import socket
import sys
import threading
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest

sys.path.insert(0, str(Path(__file__).resolve().parent))
from service_support import helpers as h

from trackerguard.service.app import create_app

URL = "/webhooks/webfile"
PARSERS = ["httptools", "h11"]


@pytest.fixture
def serve(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Any]:
    """``serve(parser, **service_settings)`` -> a running ThreadServer (stopped at the end)."""
    monkeypatch.setenv(h.SECRET_ENV, h.SECRET)
    servers: list[h.ThreadServer] = []

    def start(parser: str = "auto", **service: Any) -> h.ThreadServer:
        config = h.write_setup(tmp_path, service={"coalesce_seconds": 600, **service})
        settings, registry = h.load(config)
        server = h.ThreadServer(create_app(settings, registry, background=False), parser=parser)
        servers.append(server.__enter__())
        return server

    yield start
    for server in servers:
        server.__exit__(None, None, None)


def _connect(server: h.ThreadServer) -> socket.socket:
    return socket.create_connection(("127.0.0.1", server.port), timeout=10)


def _response(sock: socket.socket) -> tuple[int, dict[str, str], bytes]:
    data = b""
    while b"\r\n\r\n" not in data:
        chunk = sock.recv(65536)
        if not chunk:
            raise ConnectionError(f"closed before a response: {data!r}")
        data += chunk
    head, _, rest = data.partition(b"\r\n\r\n")
    lines = head.decode("latin-1").split("\r\n")
    headers = {k.strip().lower(): v.strip() for k, _, v in (x.partition(":") for x in lines[1:])}
    length = int(headers.get("content-length", "0"))
    while len(rest) < length:
        chunk = sock.recv(65536)
        if not chunk:
            break
        rest += chunk
    return int(lines[0].split()[1]), headers, rest[:length]


def _closed_after(sock: socket.socket, limit: float) -> float | None:
    """Seconds until the server closed ``sock`` (None: still open after ``limit``)."""
    started = time.monotonic()
    sock.settimeout(limit)
    try:
        while sock.recv(65536):
            pass
    except TimeoutError:
        return None
    except ConnectionResetError:
        pass
    return time.monotonic() - started


def _delivery(n: int) -> tuple[bytes, dict[str, str]]:
    return h.signed({"event": "updated", "key": "S-1", "actor": "ana"}, f"lim-{n}")


@pytest.mark.parametrize("parser", PARSERS)
def test_a_request_head_over_max_header_bytes_is_431_and_closed(serve: Any, parser: str) -> None:
    server = serve(parser, max_header_bytes=16_384)
    fits = httpx.get(server.url + "/healthz", headers={"X-Pad": "a" * 12_000})
    assert fits.status_code == 200  # a head under the limit is served
    sock = _connect(server)
    sock.sendall(b"POST " + URL.encode() + b" HTTP/1.1\r\nHost: t\r\nX-Pad: ")
    status = None
    try:
        for _ in range(40):  # up to 40 x 8 KiB, never ending the head
            sock.sendall(b"a" * 8192)
    except (BrokenPipeError, ConnectionResetError):
        pass
    status, headers, _ = _response(sock)
    assert status == 431 and headers["connection"] == "close"
    assert _closed_after(sock, 5) is not None
    assert httpx.get(server.url + "/healthz").status_code == 200


@pytest.mark.parametrize("parser", PARSERS)
def test_a_slow_head_and_a_silent_connection_are_cut_off(serve: Any, parser: str) -> None:
    server = serve(parser, header_timeout_seconds=1.0)
    silent = _connect(server)  # connects, never sends a byte
    slow = _connect(server)
    closed_at: list[float | None] = []

    def trickle() -> None:  # a slow-loris head: one byte every 0.2 s, never finished
        started = time.monotonic()
        try:
            for byte in b"POST /webhooks/webfile HTTP/1.1\r\nHost: t\r\nX-Slow: " + b"a" * 200:
                slow.sendall(bytes([byte]))
                time.sleep(0.2)
        except OSError:
            closed_at.append(time.monotonic() - started)

    thread = threading.Thread(target=trickle)
    thread.start()
    waited = _closed_after(silent, 8)
    assert waited is not None and 0.8 <= waited < 6
    thread.join(20)
    status, _, _ = _response(slow) if not closed_at else (408, {}, b"")
    assert status == 408
    assert closed_at and closed_at[0] < 8  # cut off long before the 40 s the trickle takes
    assert httpx.get(server.url + "/healthz").status_code == 200


@pytest.mark.parametrize("parser", PARSERS)
def test_a_slow_body_is_408_and_holds_no_worker(serve: Any, parser: str) -> None:
    server = serve(parser, body_timeout_seconds=1.5)
    slow = []
    for n in range(20):  # 20 senders announce 1,000 bytes and send 10
        sock = _connect(server)
        sock.sendall(
            f"POST {URL} HTTP/1.1\r\nHost: t\r\nContent-Type: application/json\r\n"
            f"X-GitHub-Delivery: slow-{n}\r\nContent-Length: 1000\r\n\r\n".encode()
            + b'{"event":'
        )
        slow.append(sock)
    body, headers = _delivery(1)
    started = time.monotonic()
    meanwhile = httpx.post(server.url + URL, content=body, headers=headers, timeout=10)
    answered = time.monotonic() - started
    assert meanwhile.status_code == 202 and meanwhile.json()["status"] == "queued"
    for sock in slow:
        status, headers_, body_ = _response(sock)
        assert status == 408 and headers_["connection"] == "close", body_
        assert _closed_after(sock, 5) is not None
    waited = time.monotonic() - started
    assert answered < waited  # the valid delivery did not wait for the slow ones
    assert waited >= 1.4  # and they were given their time


@pytest.mark.parametrize("parser", PARSERS)
def test_an_idle_keep_alive_connection_is_closed(serve: Any, parser: str) -> None:
    server = serve(parser, keepalive_seconds=1)
    sock = _connect(server)
    for _ in range(2):  # the connection is reused while busy
        sock.sendall(b"GET /healthz HTTP/1.1\r\nHost: t\r\n\r\n")
        assert _response(sock)[0] == 200
    waited = _closed_after(sock, 8)
    assert waited is not None and 0.8 <= waited < 6


def test_connections_beyond_limit_concurrency_get_503_at_once(serve: Any) -> None:
    server = serve(limit_concurrency=4, header_timeout_seconds=30)
    held = [_connect(server) for _ in range(4)]
    assert h.wait_until(lambda: _busy(server) == 503, 5)
    for sock in held:
        sock.close()
    assert h.wait_until(lambda: _busy(server) == 200, 5)
    body, headers = _delivery(2)
    assert httpx.post(server.url + URL, content=body, headers=headers).status_code == 202


def _busy(server: h.ThreadServer) -> int:
    sock = _connect(server)
    try:
        sock.sendall(b"GET /healthz HTTP/1.1\r\nHost: t\r\nConnection: close\r\n\r\n")
        return _response(sock)[0]
    finally:
        sock.close()
