"""The in-process EventStore: the default, the reference implementation and the tests' double.

Memory is bounded by settings, never by traffic: at most ``max_streams`` streams, ``max_events``
events per stream and ``max_bytes`` of event data in all. A finished stream (its final event
stored) stays resumable for ``retention_seconds``, an unfinished one for ``ttl_seconds`` after its
last event. Past a bound, finished streams go first, oldest first, then the unfinished ones silent
longest (a client resuming a dropped stream gets "unknown stream"). Both kinds are kept in the order
they expire, so expiring them costs a look at the oldest of each, never a scan. An announced answer
nobody waits for (the request never went out) is forgotten with its timeout.

Resumption and back-channel answers only reach the worker that holds them, so with more than one
worker use the Redis store.
"""

from __future__ import annotations

import asyncio
import heapq
import sys
import time
from collections import OrderedDict
from collections.abc import AsyncGenerator, Callable, Sequence
from typing import Any

from app.events.ids import make_event_id
from app.events.store import Event, EventStore, Opening, ReplyTimeout, StoreClosed, StoreError, StreamNotFound
from app.events.topics import Topics

_EVENT_OVERHEAD = 48
"""Bytes counted per event beyond its data (the bytes object's header, its slot in the list)."""
_STREAM_OVERHEAD = 400
"""Bytes counted per stream (its record, event list, id and table entry: about 350 measured with
tracemalloc), so empty streams count too."""
_REPLY_GRACE_SECONDS = 5.0
"""An announced answer is accepted this long past the timeout, as the wait for it starts a little later."""
_CLOSED: dict[str, Any] = {}
"""What :meth:`MemoryEventStore.aclose` hands every waiting call instead of an answer."""


class _Stream:
    """One stream's events, as exact ``bytes`` in a plain list: the position of ``events[i]`` is
    ``first + i``, so no per-event record is kept."""

    __slots__ = ("caller", "events", "expires", "final", "first", "size", "trace", "waiters")

    def __init__(self, caller: str, expires: float, trace: str = "") -> None:
        self.caller = caller
        self.trace = trace
        self.events: list[bytes] = []
        self.first = 1
        """The position of ``events[0]``: positions start at 1, after the priming event's 0."""
        self.final = False
        self.expires = expires
        self.size = _STREAM_OVERHEAD
        self.waiters: list[asyncio.Future[None]] | None = None
        """Followers waiting for the next event; none for most streams, so no list is kept."""

    @property
    def last(self) -> int:
        """The newest event's position (0 while there is none)."""
        return self.first + len(self.events) - 1

    def wake(self) -> None:
        waiters, self.waiters = self.waiters, None
        for waiter in waiters or ():
            if not waiter.done():
                waiter.set_result(None)

    async def wait(self, seconds: float) -> None:
        """Until the next event, or ``seconds`` (``TimeoutError``), whichever comes first."""
        waiter = asyncio.get_running_loop().create_future()
        if self.waiters is None:
            self.waiters = []
        self.waiters.append(waiter)
        try:
            await asyncio.wait_for(waiter, seconds)
        finally:
            if self.waiters is not None and waiter in self.waiters:
                self.waiters.remove(waiter)  # timed out: a silent stream must not collect them


def _position(text: str) -> int | None:
    """A position of this store, or ``None`` (Redis entry ids, numbers longer than any counter)."""
    return int(text) if text.isdigit() and len(text) <= 18 else None


class MemoryEventStore(EventStore):
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
        """Unfinished streams, silent longest first (so also soonest to expire first)."""
        self._finished: OrderedDict[str, _Stream] = OrderedDict()
        """Finished streams, oldest finished first (so also soonest to expire first)."""
        self._bytes = 0
        self._replies: dict[str, tuple[asyncio.Future[dict[str, Any]], str, float]] = {}
        """Announced answers: the waiting call's future, its caller, and when the announcement lapses."""
        self._reply_deadlines: list[tuple[float, str]] = []
        """A heap of the announcements' deadlines, so one never waited for is still forgotten."""
        self._topics = Topics()
        self._closed = False

    def __len__(self) -> int:
        return len(self._live) + len(self._finished)

    @property
    def size(self) -> int:
        """Bytes of event data held (with a small per-event and per-stream overhead)."""
        return self._bytes

    # -- bounds -------------------------------------------------------------------------------

    def _drop(self, stream: _Stream) -> None:
        self._bytes -= stream.size
        stream.wake()  # a follower finds it gone

    def _expire(self, now: float) -> None:
        for table in (self._finished, self._live):
            while table:
                stream = next(iter(table.values()))
                if stream.expires >= now:
                    break
                table.popitem(last=False)
                self._drop(stream)

    def _evict(self) -> None:
        """Drop streams until every bound holds: finished ones first, oldest first."""
        while self._bytes > self.max_bytes or len(self) > self.max_streams:
            table = self._finished or self._live
            if not table:
                return
            self._drop(table.popitem(last=False)[1])

    def _stream(self, stream_id: str) -> _Stream:
        stream = self._live.get(stream_id) or self._finished.get(stream_id)
        if stream is None or stream.expires < time.monotonic():
            raise StreamNotFound(stream_id)
        return stream

    # -- streams ------------------------------------------------------------------------------

    def _new(self, stream_id: str, opening: Opening, now: float) -> _Stream:
        """A new stream; the bounds are enforced once its first events are in."""
        self._expire(now)
        caller = sys.intern(opening.caller)  # one copy per caller, not per stream (a JWT's key is new per request)
        stream = self._live[stream_id] = _Stream(caller, now + self.ttl_seconds, opening.trace)
        stream.size += len(opening.trace)  # a traceparent with telemetry on: counted like the events
        self._bytes += stream.size
        return stream

    async def trace_of(self, stream_id: str) -> str:
        stream = self._live.get(stream_id) or self._finished.get(stream_id)
        return stream.trace if stream is not None else ""

    async def append_many(
        self, stream_id: str, events: Sequence[bytes], *, final: bool = False, opening: Opening | None = None
    ) -> list[str]:
        now = time.monotonic()
        stream = self._stream(stream_id) if opening is None else self._new(stream_id, opening, now)
        if stream.final:
            raise StoreError(f"stream {stream_id} has ended")
        added = 0
        for data in events:
            if len(stream.events) == self.max_events:
                trimmed = len(stream.events.pop(0)) + _EVENT_OVERHEAD
                stream.first += 1
                added -= trimmed
            exact = bytes(memoryview(data))  # an exact copy: orjson's output keeps a 4 KiB buffer alive
            stream.events.append(exact)
            added += len(exact) + _EVENT_OVERHEAD
        stream.size += added
        self._bytes += added
        if final and events:
            stream.final = True
            stream.expires = now + self.retention_seconds
            self._finished[stream_id] = self._live.pop(stream_id)
        else:
            stream.expires = now + self.ttl_seconds
            if opening is None:  # a new stream is the newest already
                self._live.move_to_end(stream_id)
        stream.wake()
        self._evict()
        last = stream.last
        return [make_event_id(stream_id, str(position)) for position in range(last - len(events) + 1, last + 1)]

    async def follow(
        self, stream_id: str, after: str, *, poll_seconds: float, caller: str
    ) -> AsyncGenerator[Event | None, None]:
        stream = self._stream(stream_id)
        position = _position(after)
        if stream.caller != caller or position is None or position > stream.last:
            raise StreamNotFound(stream_id)  # another caller's, or a position it never had
        while True:
            while position < stream.last:
                position = max(position + 1, stream.first)  # events trimmed meanwhile are skipped
                final = stream.final and position == stream.last
                yield Event(make_event_id(stream_id, str(position)), stream.events[position - stream.first], final)
            if stream.final:
                return  # at the end: nothing more will come
            if self._closed:
                raise StoreClosed("the event store closed")
            if self._live.get(stream_id) is not stream or stream.expires < time.monotonic():
                raise StreamNotFound(stream_id)  # expired, or dropped to keep memory bounded
            try:
                await stream.wait(poll_seconds)
            except TimeoutError:
                yield None

    # -- answers to server-to-client requests -------------------------------------------------

    def _forget_lapsed_replies(self, now: float) -> None:
        deadlines = self._reply_deadlines
        while deadlines and deadlines[0][0] < now:
            deadline, request_id = heapq.heappop(deadlines)
            entry = self._replies.get(request_id)
            if entry is not None and entry[2] == deadline:
                del self._replies[request_id]

    async def expect_reply(self, request_id: str, timeout: float, caller: str) -> None:
        now = time.monotonic()
        self._forget_lapsed_replies(now)
        deadline = now + timeout + _REPLY_GRACE_SECONDS
        self._replies[request_id] = (asyncio.get_running_loop().create_future(), caller, deadline)
        heapq.heappush(self._reply_deadlines, (deadline, request_id))

    async def deliver(self, request_id: str, message: dict[str, Any], caller: str) -> bool:
        future, expected, _ = self._replies.get(request_id, (None, None, None))
        if future is None or future.done() or expected != caller:
            return False
        future.set_result(message)
        return True

    async def wait_for_reply(self, request_id: str, timeout: float) -> dict[str, Any]:
        if self._closed:
            raise StoreClosed("the event store closed")
        entry = self._replies.get(request_id)
        if entry is None:
            raise ReplyTimeout(request_id)  # never announced, or announced too long ago
        try:
            message = await asyncio.wait_for(entry[0], timeout)
        except TimeoutError:
            raise ReplyTimeout(request_id) from None
        finally:
            self._replies.pop(request_id, None)
        if message is _CLOSED:
            raise StoreClosed("the event store closed")
        return message

    # -- the fleet channel: in one process, publishing is handling ------------------------------

    async def publish(self, topic: str, payload: bytes) -> None:
        self._topics.dispatch(topic, payload)

    def subscribe(self, topic: str, handler: Callable[[bytes], None]) -> None:
        self._topics.subscribe(topic, handler)

    async def start(self) -> None:
        """Nothing runs in the background: one process is the whole fleet."""

    async def aclose(self) -> None:
        self._closed = True
        for table in (self._live, self._finished):
            for stream in table.values():
                stream.wake()
            table.clear()
        self._bytes = 0
        for future, _, _ in self._replies.values():
            if not future.done():
                future.set_result(_CLOSED)
        self._replies.clear()
        self._reply_deadlines.clear()
