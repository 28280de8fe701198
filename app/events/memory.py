"""The in-process EventStore: the default, the reference implementation and the tests' double.

Memory is bounded by settings, never by traffic: at most ``max_streams`` streams, ``max_events``
events per stream and ``max_bytes`` of event data in all. A finished stream (its final event
stored) stays resumable for ``retention_seconds``, an unfinished one for ``ttl_seconds`` after its
last event. Past a bound, finished streams go first, oldest first, then the oldest unfinished ones
(a client resuming a dropped stream gets "unknown stream"). Finished streams are kept in the order
they finished, so expiring them costs each request a look at the oldest, not a scan.

Resumption and back-channel answers only reach the worker that holds them, so with more than one
worker use the Redis store.
"""

from __future__ import annotations

import asyncio
import time
from collections import OrderedDict, deque
from collections.abc import AsyncGenerator, Callable
from typing import Any

from app.events.ids import START, make_event_id
from app.events.store import Event, ReplyTimeout, StoreError, StreamNotFound

_SWEEP_SECONDS = 10.0
"""How often unfinished streams are looked over for expiry (finished ones expire as they come)."""
_EVENT_OVERHEAD = 64
"""Bytes counted per event beyond its data (its tuple), so tiny events count too."""
_STREAM_OVERHEAD = 1024
"""Bytes counted per stream (its record and deque, about 1.4 KiB measured with tracemalloc)."""


class _Stream:
    __slots__ = ("caller", "events", "expires", "final", "next_position", "size", "waiters")

    def __init__(self, max_events: int, expires: float, caller: str) -> None:
        self.caller = caller
        self.events: deque[tuple[int, bytes, bool]] = deque(maxlen=max_events)
        self.next_position = 1
        self.final = False
        self.expires = expires
        self.size = _STREAM_OVERHEAD
        self.waiters: list[asyncio.Future[None]] | None = None
        """Followers waiting for the next event; none for most streams, so no object is kept."""

    def wake(self) -> None:
        waiters, self.waiters = self.waiters, None
        for waiter in waiters or ():
            if not waiter.done():
                waiter.set_result(None)


class MemoryEventStore:
    def __init__(
        self,
        *,
        max_events: int = 1_000,
        ttl_seconds: float = 3600,
        retention_seconds: float = 60,
        max_streams: int = 10_000,
        max_bytes: int = 64 * 1024 * 1024,
    ) -> None:
        self.max_events = max_events
        self.ttl_seconds = ttl_seconds
        self.retention_seconds = retention_seconds
        self.max_streams = max_streams
        self.max_bytes = max_bytes
        self._live: OrderedDict[str, _Stream] = OrderedDict()
        """Unfinished streams, oldest opened first."""
        self._finished: OrderedDict[str, _Stream] = OrderedDict()
        """Finished streams, oldest finished first (so also soonest to expire first)."""
        self._bytes = 0
        self._replies: dict[str, tuple[asyncio.Future[dict[str, Any]], str]] = {}
        self._next_sweep = time.monotonic() + _SWEEP_SECONDS
        self._handlers: dict[str, Callable[[bytes], None]] = {}

    def __len__(self) -> int:
        return len(self._live) + len(self._finished)

    @property
    def size(self) -> int:
        """Bytes of event data held (with a small per-event overhead)."""
        return self._bytes

    # -- bounds -------------------------------------------------------------------------------

    def _drop(self, stream_id: str, stream: _Stream) -> None:
        self._bytes -= stream.size
        stream.wake()  # a follower finds it gone

    def _expire(self, now: float) -> None:
        while self._finished:
            stream_id, stream = next(iter(self._finished.items()))
            if stream.expires >= now:
                break
            del self._finished[stream_id]
            self._drop(stream_id, stream)
        if now >= self._next_sweep:
            self._next_sweep = now + _SWEEP_SECONDS
            for stream_id in [key for key, stream in self._live.items() if stream.expires < now]:
                self._drop(stream_id, self._live.pop(stream_id))

    def _evict(self) -> None:
        """Drop streams until every bound holds: finished ones first, oldest first."""
        while self._bytes > self.max_bytes or len(self) > self.max_streams:
            table = self._finished or self._live
            if not table:
                return
            stream_id, stream = table.popitem(last=False)
            self._drop(stream_id, stream)

    def _stream(self, stream_id: str) -> _Stream:
        stream = self._live.get(stream_id) or self._finished.get(stream_id)
        if stream is None or stream.expires < time.monotonic():
            raise StreamNotFound(stream_id)
        return stream

    # -- the EventStore protocol ----------------------------------------------------------------

    async def open(self, stream_id: str, request_id: str | int, caller: str) -> None:
        now = time.monotonic()
        self._expire(now)
        self._live[stream_id] = _Stream(self.max_events, now + self.ttl_seconds, caller)
        self._bytes += _STREAM_OVERHEAD
        self._evict()

    async def append(self, stream_id: str, data: bytes, *, final: bool = False) -> str:
        stream = self._stream(stream_id)
        if stream.final:
            raise StoreError(f"stream {stream_id} has ended")
        position = stream.next_position
        stream.next_position += 1
        data = bytes(memoryview(data))  # an exact copy: orjson's output keeps a 4 KiB buffer alive
        if len(stream.events) == self.max_events:
            stream.size -= len(stream.events[0][1]) + _EVENT_OVERHEAD
            self._bytes -= len(stream.events[0][1]) + _EVENT_OVERHEAD
        stream.events.append((position, data, final))
        stream.size += len(data) + _EVENT_OVERHEAD
        self._bytes += len(data) + _EVENT_OVERHEAD
        now = time.monotonic()
        if final:
            stream.final = True
            stream.expires = now + self.retention_seconds
            self._finished[stream_id] = self._live.pop(stream_id)
        else:
            stream.expires = now + self.ttl_seconds
        stream.wake()
        self._evict()
        return make_event_id(stream_id, str(position))

    async def follow(
        self, stream_id: str, after: str, *, poll_seconds: float, caller: str
    ) -> AsyncGenerator[Event | None, None]:
        stream = self._stream(stream_id)
        if stream.caller != caller or not after.isdigit() or int(after) >= stream.next_position:
            raise StreamNotFound(stream_id)  # another caller's, or a position it never had
        position = 0 if after == START else int(after)
        while True:
            for event_position, data, final in list(stream.events):
                if event_position > position:
                    position = event_position
                    yield Event(make_event_id(stream_id, str(event_position)), data, final)
                    if final:
                        return
            if stream.final:
                return  # resumed at or past the end: nothing more will come
            if self._live.get(stream_id) is not stream:
                raise StreamNotFound(stream_id)  # dropped to keep memory bounded
            waiter = asyncio.get_running_loop().create_future()
            if stream.waiters is None:
                stream.waiters = []
            stream.waiters.append(waiter)
            try:
                await asyncio.wait_for(waiter, poll_seconds)
            except TimeoutError:
                yield None

    async def expect_reply(self, request_id: str, timeout: float, caller: str) -> None:
        self._replies[request_id] = (asyncio.get_running_loop().create_future(), caller)

    async def deliver(self, request_id: str, message: dict[str, Any], caller: str) -> bool:
        future, expected = self._replies.get(request_id, (None, None))
        if future is None or future.done() or expected != caller:
            return False
        future.set_result(message)
        return True

    async def wait_for_reply(self, request_id: str, timeout: float) -> dict[str, Any]:
        future = self._replies[request_id][0]
        try:
            return await asyncio.wait_for(future, timeout)
        except TimeoutError:
            raise ReplyTimeout(request_id) from None
        except asyncio.CancelledError:
            task = asyncio.current_task()
            if future.cancelled() and task is not None and not task.cancelling():
                raise StoreError("the event store closed") from None  # aclose(): the worker stops
            raise
        finally:
            self._replies.pop(request_id, None)

    async def publish(self, topic: str, payload: bytes) -> None:
        handler = self._handlers.get(topic)
        if handler is not None:
            handler(payload)

    def subscribe(self, topic: str, handler: Callable[[bytes], None]) -> None:
        self._handlers[topic] = handler

    async def start(self) -> None:
        """Nothing runs in the background: one process is the whole fleet."""

    async def aclose(self) -> None:
        for table in (self._live, self._finished):
            for stream in table.values():
                stream.wake()
            table.clear()
        self._bytes = 0
        for future, _ in self._replies.values():
            future.cancel()
        self._replies.clear()
