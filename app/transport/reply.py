"""One POST's answer: a JSON body, or an SSE stream once the call has something to say before its result.

Nothing is sent until the result is known, or until a notification, a server-to-client request or a
keep-alive (the call stayed silent for ``keepalive_seconds``) must go out: then the reply commits to
``200 text/event-stream`` and the final response ends it. Writers take turns, because keep-alives and
server closes come from other tasks.

A *resumable* reply (2025-11-25 clients) also appends each event to the EventStore and gives it an
id, after a priming event. The server may then close the connection on purpose (shutdown, or a
maximum stream age): the call keeps running and keeps appending, and the client resumes with
``GET`` + ``Last-Event-ID`` on any worker.
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections import deque
from collections.abc import Coroutine
from typing import Any

import orjson
from starlette.types import Send

from app.events.ids import START, make_event_id, new_stream_id
from app.events.store import EventStore, StoreError
from app.transport import sse
from app.transport.streams import OpenStreams, StreamSettings

logger = logging.getLogger("app.transport")


class Reply:
    """The state of one answer. Attributes that most replies never need are class-level defaults, so
    a reply that ends as plain JSON costs a handful of assignments."""

    streaming = False
    detached = False
    """The server closed the connection on purpose; events now only go to the store."""
    stream_id: str | None = None
    announces = False
    """A handshake-era call's stream: it also carries the fleet's change notifications its caller wants."""
    _closed = False
    _busy = False
    """A writer is between its first and last ``send``: one reply's writers take turns, because the
    call, keep-alives and a server close may all want to write. Checking a flag costs nothing in the
    usual case, where the call is the only writer."""
    _waiting: deque[asyncio.Future[None]] | None = None
    _pending: list[bytes] | None = None
    _close_timer: asyncio.TimerHandle | None = None
    _background: set[asyncio.Task[None]] | None = None

    def __init__(
        self,
        send: Send,
        request_id: str | int,
        *,
        settings: StreamSettings,
        streams: OpenStreams,
        store: EventStore,
        resumable: bool,
        caller: str,
    ) -> None:
        self.send = send
        self.request_id = request_id
        self.settings = settings
        self.streams = streams
        self.store = store
        self.resumable = resumable
        self.caller = caller
        """Whose stream this is: only the same caller may resume it."""
        self.last_sent = streams.watch(self)

    def _spawn(self, coroutine: Coroutine[Any, Any, None]) -> None:
        """Run a helper task for this reply, keeping a reference until it is done."""
        if self._background is None:
            self._background = set()
        task = asyncio.get_running_loop().create_task(coroutine)
        self._background.add(task)
        task.add_done_callback(self._background.discard)

    def send_keepalive(self) -> None:
        self._spawn(self.keepalive())  # a slow client must not hold up the scanner

    async def keepalive(self) -> None:
        """Send an SSE comment (committing to SSE first, if the call has been silent so far)."""
        await self._take_turn()
        try:
            if self._closed:
                return
            await self._start()
            if not self.detached:
                self._queue(sse.KEEPALIVE)
            self.last_sent = time.monotonic()
        finally:
            self._end_turn()

    # -- writing -----------------------------------------------------------------------------

    async def _take_turn(self) -> None:
        while self._busy:
            if self._waiting is None:
                self._waiting = deque()
            waiter = asyncio.get_running_loop().create_future()
            self._waiting.append(waiter)
            await waiter
        self._busy = True

    def _end_turn(self) -> None:
        self._busy = False
        while self._waiting:
            waiter = self._waiting.popleft()
            if not waiter.done():
                waiter.set_result(None)
                return

    async def emit(self, message: dict[str, Any]) -> None:
        """Send a notification or a server-to-client request on this reply's stream."""
        await self.write(orjson.dumps(message), final=False)

    async def write(self, data: bytes, *, final: bool) -> None:
        if self._busy:
            await self._take_turn()
        self._busy = True
        try:
            if self._closed and not final:
                return
            await self._start()
            event_id = None
            if self.stream_id is not None:
                try:
                    event_id = await self.store.append(self.stream_id, data, final=final)
                except StoreError as exc:
                    logger.warning("event not stored, the client cannot resume past it: %s", exc)
            if self.detached:
                return
            if final:
                await self._send_pending(sse.event(data, event_id), more_body=False)
            else:
                self._queue(sse.event(data, event_id))
            self.last_sent = time.monotonic()
        finally:
            self._end_turn()

    def _queue(self, chunk: bytes) -> None:
        """Hold a chunk until the end of this loop tick: events written together (a burst of progress,
        then the result) leave in one socket write instead of one each."""
        if self._pending is None:
            self._pending = [chunk]
            self._spawn(self._flush())
        else:
            self._pending.append(chunk)

    async def _flush(self) -> None:
        await self._take_turn()
        try:
            if self._pending is not None and not self.detached:
                await self._send_pending(b"", more_body=True)
        finally:
            self._end_turn()

    async def _send_pending(self, last: bytes, *, more_body: bool) -> None:
        pending, self._pending = self._pending, None
        body = b"".join(pending) + last if pending else last
        await self.send({"type": "http.response.body", "body": body, "more_body": more_body})

    async def _start(self) -> None:
        """Commit to SSE: open the stored stream (if resumable), send the headers and priming event."""
        if self.streaming:
            return
        self.streaming = True
        if self.resumable:
            stream_id = new_stream_id()
            try:
                await self.store.open(stream_id, self.request_id, self.caller)
            except StoreError as exc:
                logger.warning("stream not resumable, the event store failed: %s", exc)
            else:
                self.stream_id = stream_id
                self._queue(sse.priming(make_event_id(stream_id, START), self.settings.retry_ms))
                self.streams.resumable.add(self)
                if self.settings.close_after_seconds is not None:
                    loop = asyncio.get_running_loop()
                    self._close_timer = loop.call_later(self.settings.close_after_seconds, self._close_soon)
        await self.send({"type": "http.response.start", "status": 200, "headers": sse.HEADERS})

    # -- ending ------------------------------------------------------------------------------

    def _close_soon(self) -> None:
        self._spawn(self.close_for_resume())

    async def close_for_resume(self) -> None:
        """End the connection but not the stream: the client reconnects after ``retry`` and resumes."""
        await self._take_turn()
        try:
            if self._closed or self.detached or self.stream_id is None:
                return
            self.detached = True
            await self._send_pending(sse.retry(self.settings.retry_ms), more_body=False)
        finally:
            self._end_turn()

    def finish(self) -> bool:
        """Stop timers and watchers; true when the reply streams and so must end with an SSE event."""
        self._closed = True
        if self._close_timer is not None:
            self._close_timer.cancel()
        self.streams.forget(self)
        return self.streaming
