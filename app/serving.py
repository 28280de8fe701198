"""How uvicorn serves the app: its httptools protocol with the two limits it lacks, and the gunicorn
worker that uses it.

uvicorn bounds neither the size of a request's head (URL and headers) nor the time a client takes to
send it, so one slow or oversized client could hold a connection and its memory for ever, whatever
the proxy in front does. :class:`LimitedHttpProtocol` answers 431 past ``FASTMCP_MAX_REQUEST_HEAD_SIZE``
bytes and 408 when a head is not complete ``FASTMCP_REQUEST_HEAD_TIMEOUT_SECONDS`` after its first
byte (or after the connection opened), then closes the connection. ``python -m app`` and
``make serve`` use it; with the uvicorn CLI, pass ``--http app.serving:LimitedHttpProtocol``.
"""

from __future__ import annotations

import asyncio
from typing import Any

from uvicorn.protocols.http.httptools_impl import HttpToolsProtocol
from uvicorn_worker import UvicornWorker  # type: ignore[import-untyped]

from app.settings import load_settings

_STATUS = {408: b"HTTP/1.1 408 Request Timeout\r\n", 431: b"HTTP/1.1 431 Request Header Fields Too Large\r\n"}


class _HeadTooLarge(Exception):
    pass


class LimitedHttpProtocol(HttpToolsProtocol):
    max_head_size = 0
    head_timeout_seconds = 0.0
    """Both read from the settings on the first connection of the process (see :meth:`_configure`)."""

    _head_size = 0
    """Bytes of URL and headers parsed so far: the precise count."""
    _head_read = 0
    """Bytes received since the head began: stops one header that httptools would buffer whole."""
    _reading_head = True
    _head_timer: asyncio.TimerHandle | None = None
    _refused: int | None = None

    @classmethod
    def _configure(cls) -> None:
        settings = load_settings()
        cls.max_head_size = settings.max_request_head_size
        cls.head_timeout_seconds = settings.request_head_timeout_seconds

    def connection_made(self, transport: asyncio.Transport) -> None:  # type: ignore[override]
        if not self.max_head_size:
            self._configure()
        super().connection_made(transport)
        self._start_head_timer()

    def connection_lost(self, exc: Exception | None) -> None:
        self._stop_head_timer()
        super().connection_lost(exc)

    def data_received(self, data: bytes) -> None:
        if self._reading_head:
            if self._head_read > self.max_head_size:
                self._refuse(431)
                return
            self._head_read += len(data)
        super().data_received(data)

    def on_message_begin(self) -> None:
        super().on_message_begin()
        self._head_size = 0
        if self._head_timer is None:
            self._start_head_timer()

    def on_url(self, url: bytes) -> None:
        self._count(len(url))
        super().on_url(url)

    def on_header(self, name: bytes, value: bytes) -> None:
        self._count(len(name) + len(value))
        super().on_header(name, value)

    def on_headers_complete(self) -> None:
        self._stop_head_timer()
        self._reading_head = False
        super().on_headers_complete()

    def on_message_complete(self) -> None:
        super().on_message_complete()
        self._reading_head = True  # what arrives next is the next request's head
        self._head_read = 0

    def _count(self, size: int) -> None:
        self._head_size += size
        if self._head_size > self.max_head_size:
            self._refused = 431
            raise _HeadTooLarge  # httptools stops parsing; uvicorn then calls send_400_response

    def send_400_response(self, msg: str) -> None:
        if self._refused is None:
            super().send_400_response(msg)
        else:
            self._refuse(self._refused)

    def _start_head_timer(self) -> None:
        self._head_timer = self.loop.call_later(self.head_timeout_seconds, self._head_timed_out)

    def _stop_head_timer(self) -> None:
        if self._head_timer is not None:
            self._head_timer.cancel()
            self._head_timer = None

    def _head_timed_out(self) -> None:
        self._head_timer = None
        if self.cycle is not None and not self.cycle.response_complete:
            self._start_head_timer()  # a response is still going out; the next head waits its turn
            return
        self._refuse(408)

    def _refuse(self, status: int) -> None:
        if not self.transport.is_closing():
            self.transport.write(_STATUS[status] + b"content-length: 0\r\nconnection: close\r\n\r\n")
            self.transport.close()


class Worker(UvicornWorker):  # type: ignore[misc]
    """gunicorn's uvicorn worker, with the limited protocol."""

    CONFIG_KWARGS: dict[str, Any] = {"loop": "auto", "http": LimitedHttpProtocol}
