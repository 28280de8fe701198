"""The EventStore, observed: every operation counted (with ``error.type`` when it failed) and noted as an
event on the request's span, resumptions counted, and the waits for a client's answer measured.

It wraps whichever store is configured, so the backends know nothing of telemetry, and it exists
only when telemetry is on.
"""

from __future__ import annotations

from collections.abc import AsyncGenerator, Awaitable, Callable, Sequence
from dataclasses import replace
from typing import Any, TypeVar

from app.events.store import Event, EventStore, Opening, ReplyTimeout, StoreError
from app.telemetry.observer import ServerMetrics
from app.telemetry.spans import CURRENT_SPAN

T = TypeVar("T")


class ObservedStore(EventStore):
    def __init__(self, store: EventStore, metrics: ServerMetrics, backend: str) -> None:
        self.store = store
        self.metrics = metrics
        self.backend = backend

    def _count(self, operation: str, error: BaseException | None = None) -> None:
        error_type = None if error is None else type(error).__name__
        self.metrics.store_operations.add((operation, self.backend, error_type))
        span = CURRENT_SPAN.get()
        if span is not None and span.sampled:
            attributes: dict[str, Any] = {"mcp.event_store.backend": self.backend}
            if error_type is not None:
                attributes["error.type"] = error_type
            span.add_event(f"event_store.{operation}", attributes)

    async def _observed(self, operation: str, result: Awaitable[T]) -> T:
        try:
            value = await result
        except StoreError as exc:
            self._count(operation, exc)
            raise
        self._count(operation)
        return value

    async def append_many(
        self, stream_id: str, events: Sequence[bytes], *, final: bool = False, opening: Opening | None = None
    ) -> list[str]:
        """Counted as an ``open`` when it opens the stream and as an ``append`` when it stores events."""
        if opening is not None and not opening.trace:
            span = CURRENT_SPAN.get()
            if span is not None:
                opening = replace(opening, trace=span.traceparent)
        try:
            ids = await self.store.append_many(stream_id, events, final=final, opening=opening)
        except StoreError as exc:
            for operation in self._operations(events, opening):
                self._count(operation, exc)
            raise
        for operation in self._operations(events, opening):
            self._count(operation)
        return ids

    @staticmethod
    def _operations(events: Sequence[bytes], opening: Opening | None) -> tuple[str, ...]:
        return ("open",) * (opening is not None) + ("append",) * bool(events)

    async def trace_of(self, stream_id: str) -> str:
        return await self.store.trace_of(stream_id)

    async def follow(
        self, stream_id: str, after: str, *, poll_seconds: float, caller: str
    ) -> AsyncGenerator[Event | None, None]:
        """A resumption: counted once, by how its start went."""
        events = self.store.follow(stream_id, after, poll_seconds=poll_seconds, caller=caller)
        try:
            try:
                first = await anext(events)
            except StopAsyncIteration:
                self.metrics.resumes.add((None,))
                return
            except StoreError as exc:
                self.metrics.resumes.add((type(exc).__name__,))
                self._count("follow", exc)
                raise
            self.metrics.resumes.add((None,))
            self._count("follow")
            yield first
            async for event in events:
                yield event
        finally:
            await events.aclose()

    async def expect_reply(self, request_id: str, timeout: float, caller: str) -> None:
        await self._observed("expect_reply", self.store.expect_reply(request_id, timeout, caller))

    async def deliver(self, request_id: str, message: dict[str, Any], caller: str) -> bool:
        return await self._observed("deliver", self.store.deliver(request_id, message, caller))

    async def wait_for_reply(self, request_id: str, timeout: float) -> dict[str, Any]:
        """A tool waiting for its client's answer: counted while it waits, and by how the wait ended."""
        self.metrics.waiting += 1
        try:
            answer = await self.store.wait_for_reply(request_id, timeout)
        except StoreError as exc:
            self.metrics.client_requests.add((type(exc).__name__,))
            if not isinstance(exc, ReplyTimeout):
                self._count("wait_for_reply", exc)
            raise
        finally:
            self.metrics.waiting -= 1
        self.metrics.client_requests.add((None,))
        return answer

    async def publish(self, topic: str, payload: bytes) -> None:
        await self._observed("publish", self.store.publish(topic, payload))

    def subscribe(self, topic: str, handler: Callable[[bytes], None]) -> None:
        self.store.subscribe(topic, handler)

    async def start(self) -> None:
        await self.store.start()

    async def aclose(self) -> None:
        await self.store.aclose()
