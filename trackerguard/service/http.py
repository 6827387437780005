"""The HTTP server's limits: what one connection may hold, and for how long.

uvicorn bounds little by default: no limit on a request head under httptools (h11 has
``h11_max_incomplete_event_size``), no timeout until a connection sends its first request
head, none while a head trickles in byte by byte, none while a body does. Each
is a way for a sender (or a crowd of idle sockets) to hold memory and file descriptors
until real deliveries are refused. :func:`uvicorn_config` sets every bound from
``[service]``:

========================  =======================================================================
``max_header_bytes``      request head larger: ``431``, connection closed (both parsers)
``header_timeout_seconds``  head not complete this long after the connection opened or the
                          next request's first byte: connection closed (``408`` if bytes came)
``body_timeout_seconds``  body not complete this long after its head: ``408``, closed (app.py)
``keepalive_seconds``     idle keep-alive connection closed (uvicorn ``timeout_keep_alive``)
``limit_concurrency``     more connections/requests in flight: ``503`` at once (uvicorn)
``backlog``               kernel ``listen()`` queue
``max_body_bytes``        body larger: ``413`` (app.py, by ``Content-Length`` and by counting)
========================  =======================================================================

The head bounds are a small mixin over whichever uvicorn protocol class is in use, so they
hold for ``httptools`` (the fast parser) and ``h11`` alike.
"""

from __future__ import annotations

import asyncio
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    import uvicorn

    from trackerguard.service.settings import ServiceSettings

_TIMEOUT = (
    b"HTTP/1.1 408 Request Timeout\r\nContent-Type: text/plain\r\nConnection: close\r\n"
    b"Content-Length: 23\r\n\r\nrequest head too slow.\n"
)
_TOO_LARGE = (
    b"HTTP/1.1 431 Request Header Fields Too Large\r\nContent-Type: text/plain\r\n"
    b"Connection: close\r\nContent-Length: 24\r\n\r\nrequest head too large.\n"
)


class _HeadGuard:
    """Bounds the request head of every request on a connection: size and arrival time.

    The head phase starts when the connection opens (the timer runs at once: a socket that
    never sends is closed too) and again at the first byte after a response (between
    requests the keep-alive timeout applies). It ends when the parser has built the
    request's cycle (``self.cycle`` changes).
    """

    max_head_bytes: int = 65_536
    head_timeout: float = 10.0
    # provided by uvicorn's protocol classes
    cycle: Any
    transport: asyncio.Transport
    loop: asyncio.AbstractEventLoop

    def connection_made(self, transport: asyncio.Transport) -> None:
        super().connection_made(transport)  # type: ignore[misc]
        self._head_cycle: Any = self.cycle
        self._head_bytes = 0
        self._head_waiting = True
        self._head_timer: asyncio.TimerHandle | None = self.loop.call_later(
            self.head_timeout, self._head_expired
        )

    def data_received(self, data: bytes) -> None:
        if self._head_waiting:
            if self._head_timer is None:
                self._head_timer = self.loop.call_later(self.head_timeout, self._head_expired)
            self._head_bytes += len(data)
        super().data_received(data)  # type: ignore[misc]
        if not self._head_waiting:
            return
        if self.cycle is not self._head_cycle:  # the head is parsed: a request is running
            self._head_waiting = False
            self._cancel_head_timer()
        elif self._head_bytes > self.max_head_bytes:
            self._refuse(_TOO_LARGE)

    def on_response_complete(self) -> None:
        super().on_response_complete()  # type: ignore[misc]
        self._cancel_head_timer()  # the next one starts with the next request's first byte
        self._head_cycle = self.cycle
        self._head_bytes = 0
        # a pipelined request may already be running (h11 starts it in the call above)
        running = self.cycle is not None and not getattr(self.cycle, "response_complete", True)
        self._head_waiting = not running

    def connection_lost(self, exc: Exception | None) -> None:
        self._cancel_head_timer()
        super().connection_lost(exc)  # type: ignore[misc]

    def _head_expired(self) -> None:
        self._head_timer = None
        if self._head_waiting and not self.transport.is_closing():
            self._refuse(_TIMEOUT if self._head_bytes else b"")

    def _refuse(self, answer: bytes) -> None:
        self._head_waiting = False
        self._cancel_head_timer()
        if answer:
            self.transport.write(answer)
        self.transport.close()

    def _cancel_head_timer(self) -> None:
        timer = getattr(self, "_head_timer", None)
        if timer is not None:
            timer.cancel()
            self._head_timer = None


def protocol_class(cfg: ServiceSettings, parser: str = "auto") -> type[asyncio.Protocol]:
    """uvicorn's HTTP protocol (``httptools`` when installed, else ``h11``; or the one named)
    with the head bounds of ``cfg``."""
    base: type[asyncio.Protocol]
    if parser == "auto":
        try:
            import httptools  # noqa: F401
        except ImportError:
            parser = "h11"
        else:
            parser = "httptools"
    if parser == "httptools":
        from uvicorn.protocols.http.httptools_impl import HttpToolsProtocol

        base = HttpToolsProtocol
    else:
        from uvicorn.protocols.http.h11_impl import H11Protocol

        base = H11Protocol
    attrs = {"max_head_bytes": cfg.max_header_bytes, "head_timeout": cfg.header_timeout_seconds}
    return type(f"Guarded{base.__name__}", (_HeadGuard, base), attrs)


def uvicorn_config(
    app: Any, cfg: ServiceSettings, *, host: str, port: int, parser: str = "auto", **extra: Any
) -> uvicorn.Config:
    """The uvicorn configuration with every bound of ``cfg`` (see the module's table)."""
    import uvicorn

    options: dict[str, Any] = {
        "lifespan": "on",
        "access_log": False,
        "log_level": "info",
        "timeout_graceful_shutdown": max(1, int(cfg.shutdown_timeout / 2)),
    }
    options.update(extra)
    return uvicorn.Config(
        app,
        host=host,
        port=port,
        http=protocol_class(cfg, parser),
        # h11's own bound, a backstop one read (256 KiB) above ours so that ours answers 431
        h11_max_incomplete_event_size=cfg.max_header_bytes + 262_144,
        timeout_keep_alive=cfg.keepalive_seconds,
        limit_concurrency=cfg.limit_concurrency,
        backlog=cfg.backlog,
        **options,
    )
