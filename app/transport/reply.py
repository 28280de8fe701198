"""One POST's answer: a JSON body, or an SSE stream once the call has something to say before its result.

Nothing is sent until the result is known, or until a notification, a server-to-client request or a
keep-alive (the call stayed silent for ``keepalive_seconds``) must go out: then the reply commits to
``200 text/event-stream`` and the final response ends it. Writers take turns, because keep-alives and
server closes come from other tasks.

A *resumable* reply (2025-11-25 clients) also appends each event to the EventStore and gives it an
id, after a priming event. The server may then close the connection on purpose (shutdown, or a
maximum stream age): the call keeps running and keeps appending, and the client resumes with
``GET`` + ``Last-Event-ID`` on any worker.

A resumable reply holds the events written in one loop tick and stores them together at its end,
opening the stream in the same step: a call that reports progress and returns costs the store one
round trip, not one per event. An event leaves for the client only once it is stored (with its id),
so a resume on another worker never misses what the client has seen.
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
from app.events.store import EventStore, Opening, StoreError
from app.transport import sse
from app.transport.streams import OpenStreams, StreamSettings

logger = logging.getLogger("app.transport")

MAX_HELD_EVENTS = 100
"""Events a resumable reply holds for the store at most: a call that writes more in one tick waits
for them to be stored, so a fast writer meets the store's pace instead of growing memory."""


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
    """Chunks ready for the client, sent together at the end of the loop tick."""
    _flush_due = False
    _held: list[bytes] | None = None
    """A resumable reply's events not yet in the store; ``None`` until it streams into the store."""
    _opening: Opening | None = None
    """Set until the stream exists in the store: the first store write opens it."""
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
        if not final and self._held is not None and len(self._held) < MAX_HELD_EVENTS:
            if not self._closed:  # stored and sent with the tick's other events
                self._held.append(data)
                self._flush_soon()
            return
        if self._busy:
            await self._take_turn()
        self._busy = True
        try:
            if self._closed and not final:
                return
            await self._start()
            if self._held is not None:
                self._held.append(data)
                if not final and len(self._held) < MAX_HELD_EVENTS:
                    self._flush_soon()
                    return
                await self._store(final=final)
                if not self.detached:
                    await self._send_pending(b"", more_body=not final)
            elif final:
                await self._send_pending(sse.event(data), more_body=False)
            else:
                self._queue(sse.event(data))
            self.last_sent = time.monotonic()
        finally:
            self._end_turn()

    async def _store(self, *, final: bool = False) -> None:
        """Store the held events in one step (opening the stream first, if it is new), then queue them
        with their ids; the priming event goes first, once the stream exists."""
        assert self.stream_id is not None  # a resumable reply, streaming
        events, self._held = self._held or [], []
        opening, self._opening = self._opening, None
        try:
            ids: list[str] | list[None] = await self.store.append_many(
                self.stream_id, events, final=final, opening=opening
            )
        except StoreError as exc:
            if opening is None:
                logger.warning("events not stored, the client cannot resume past them: %s", exc)
            else:
                logger.warning("stream not resumable, the event store failed: %s", exc)
                self._not_resumable()
            ids = [None] * len(events)
        else:
            if opening is not None:
                self._pending = [sse.priming(make_event_id(self.stream_id, START), self.settings.retry_ms)] + (
                    self._pending or []
                )
        for data, event_id in zip(events, ids, strict=True):
            self._queue(sse.event(data, event_id), flush=False)

    def _flush_soon(self) -> None:
        """Send (and first store) what is waiting at the end of this loop tick: events written
        together, a burst of progress and then the result, leave in one write instead of one each."""
        if not self._flush_due:
            self._flush_due = True
            asyncio.get_running_loop().call_soon(self._flush_if_needed)

    def _flush_if_needed(self) -> None:
        """A task only if something still waits: usually the final write has taken it all along."""
        self._flush_due = False
        if self._held or self._opening is not None or self._pending is not None:
            self._spawn(self._flush())

    def _queue(self, chunk: bytes, *, flush: bool = True) -> None:
        if self._pending is None:
            self._pending = [chunk]
        else:
            self._pending.append(chunk)
        if flush:
            self._flush_soon()

    async def _flush(self) -> None:
        await self._take_turn()
        try:
            if self._held or self._opening is not None:
                await self._store()
            if self._pending is not None and not self.detached:
                await self._send_pending(b"", more_body=True)
                self.last_sent = time.monotonic()
        finally:
            self._end_turn()

    async def _send_pending(self, last: bytes, *, more_body: bool) -> None:
        pending, self._pending = self._pending, None
        body = b"".join(pending) + last if pending else last
        await self.send({"type": "http.response.body", "body": body, "more_body": more_body})

    async def _start(self) -> None:
        """Commit to SSE: send the headers; a resumable reply's stream is opened by its first store
        write, which also queues the priming event."""
        if self.streaming:
            return
        self.streaming = True
        if self.resumable:
            self.stream_id = new_stream_id()
            self._held = []
            self._opening = Opening(self.request_id, self.caller)
            self.streams.resumable.add(self)
            if self.settings.close_after_seconds is not None:
                loop = asyncio.get_running_loop()
                self._close_timer = loop.call_later(self.settings.close_after_seconds, self._close_soon)
        await self.send({"type": "http.response.start", "status": 200, "headers": sse.HEADERS})

    def _not_resumable(self) -> None:
        """The store failed to open the stream: the reply streams on without ids."""
        self.stream_id = None
        self._held = None
        self.streams.resumable.discard(self)
        if self._close_timer is not None:
            self._close_timer.cancel()

    # -- ending ------------------------------------------------------------------------------

    def _close_soon(self) -> None:
        self._spawn(self.close_for_resume())

    async def close_for_resume(self) -> None:
        """End the connection but not the stream: the client reconnects after ``retry`` and resumes."""
        await self._take_turn()
        try:
            if self._closed or self.detached or self.stream_id is None:
                return
            if self._held or self._opening is not None:
                await self._store()  # the client leaves with the id of every event it was sent
                if self.stream_id is None:
                    return  # the stream could not be opened: nothing to resume
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
