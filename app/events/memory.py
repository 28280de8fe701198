"""The in-process EventStore: the default, the reference implementation and the tests' double.

Streams live in a dict, bounded in length and expiring ``ttl_seconds`` after their last event.
Resumption and back-channel answers only reach the worker that holds them, so with more than one
worker use the Redis store.
"""

from __future__ import annotations

import asyncio
import time
from collections import deque
from collections.abc import AsyncGenerator, Callable
from typing import Any

from app.events.ids import START, make_event_id
from app.events.store import Event, ReplyTimeout, StoreError, StreamNotFound

_SWEEP_SECONDS = 60.0


class _Stream:
    __slots__ = ("caller", "changed", "events", "expires", "final", "next_position")

    def __init__(self, max_events: int, expires: float, caller: str) -> None:
        self.caller = caller
        self.events: deque[tuple[int, bytes, bool]] = deque(maxlen=max_events)
        self.next_position = 1
        self.final = False
        self.expires = expires
        self.changed = asyncio.Event()


class MemoryEventStore:
    def __init__(self, *, max_events: int = 10_000, ttl_seconds: float = 3600) -> None:
        self.max_events = max_events
        self.ttl_seconds = ttl_seconds
        self._streams: dict[str, _Stream] = {}
        self._replies: dict[str, tuple[asyncio.Future[dict[str, Any]], str]] = {}
        self._next_sweep = time.monotonic() + _SWEEP_SECONDS
        self._handlers: dict[str, Callable[[bytes], None]] = {}

    def _sweep(self, now: float) -> None:
        if now >= self._next_sweep:
            self._next_sweep = now + _SWEEP_SECONDS
            for stream_id in [key for key, stream in self._streams.items() if stream.expires < now]:
                del self._streams[stream_id]

    def _stream(self, stream_id: str) -> _Stream:
        stream = self._streams.get(stream_id)
        if stream is None or stream.expires < time.monotonic():
            raise StreamNotFound(stream_id)
        return stream

    async def open(self, stream_id: str, request_id: str | int, caller: str) -> None:
        now = time.monotonic()
        self._sweep(now)
        self._streams[stream_id] = _Stream(self.max_events, now + self.ttl_seconds, caller)

    async def append(self, stream_id: str, data: bytes, *, final: bool = False) -> str:
        stream = self._stream(stream_id)
        if stream.final:
            raise StoreError(f"stream {stream_id} has ended")
        position = stream.next_position
        stream.next_position += 1
        stream.events.append((position, data, final))
        stream.final = final
        stream.expires = time.monotonic() + self.ttl_seconds
        stream.changed.set()
        stream.changed = asyncio.Event()
        return make_event_id(stream_id, str(position))

    async def follow(
        self, stream_id: str, after: str, *, poll_seconds: float, caller: str
    ) -> AsyncGenerator[Event | None, None]:
        stream = self._stream(stream_id)
        if stream.caller != caller:
            raise StreamNotFound(stream_id)
        if not after.isdigit():
            raise StreamNotFound(f"{stream_id}: no position {after!r}")
        position = 0 if after == START else int(after)
        while True:
            for event_position, data, final in list(stream.events):
                if event_position > position:
                    position = event_position
                    yield Event(make_event_id(stream_id, str(event_position)), data, final)
                    if final:
                        return
            changed = stream.changed
            try:
                await asyncio.wait_for(changed.wait(), poll_seconds)
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
        self._streams.clear()
        for future, _ in self._replies.values():
            future.cancel()
        self._replies.clear()
