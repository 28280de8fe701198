"""The Redis EventStore: every worker of every replica sees every stream (Redis Streams).

Keys (``<p>`` is ``FASTMCP_REDIS_KEY_PREFIX``; the ``{...}`` part is a Redis Cluster hash tag, so
the keys of one stream live in one slot and the Lua scripts may touch them together)::

    <p>{s:<stream>}:events   STREAM  one entry per event: d=<json>, f=1 on the final one
    <p>{s:<stream>}:meta     HASH    owner=<worker>, caller=<principal key>, request=<json id>,
                                     final=<entry id> once ended, trace=<traceparent> with telemetry
    <p>{w:<worker>}:alive    STRING  refreshed every second while the worker lives (TTL 3 s)
    <p>{r:<request>}:pending STRING  the caller whose call waits for the answer to server request <request>
    <p>{r:<request>}:reply   LIST    that answer, pushed by whichever worker received it
    <p>fleet                 CHANNEL pub/sub between workers (cancellations, list changes), "<topic> <payload>";
                                     a sharded channel on a Redis Cluster; no key, nothing stored

One script call opens a stream and stores a batch of its events (a reply sends what one loop tick
wrote), so a call that reports progress and returns costs Redis one round trip.

Every key has a TTL: an unfinished stream's is ``ttl_seconds`` after its last event, a finished
one's ``retention_seconds`` after its final event (set by the append script with that event), so
what a finished call costs Redis is bounded by the retention window. Streams are trimmed to about
``max_events``. A reader that finds a stream silent and its owner's ``alive`` key gone appends the
JSON-RPC error for the request itself; the append script refuses a second final event, so a stream
ends exactly once.

Each worker holds at most ``max_blocking_waits`` blocking reads (resumes, answer waits) on the
shared pool, well below its size, so the other calls always find a connection; past the cap a
caller gets ``StoreBusy`` at once. The heartbeat and the fleet channel have connections of their own.
"""

from __future__ import annotations

import asyncio
import contextlib
import functools
import logging
import math
import secrets
import time
from collections.abc import AsyncGenerator, Awaitable, Callable, Iterator, Sequence
from typing import Any, TypeVar

import orjson

from app.events import redis_scripts
from app.events.ids import START, make_event_id
from app.events.redis_client import Client, Keys, dedicated, entry_position, translated
from app.events.redis_fleet import FleetListener, publish
from app.events.redis_heartbeat import Heartbeat
from app.events.store import (
    Event,
    EventStore,
    Opening,
    ReplyTimeout,
    StoreBusy,
    StoreClosed,
    StoreError,
    StreamNotFound,
)
from app.events.topics import Topics

logger = logging.getLogger("app.events")

_REPLY_TTL_SECONDS = 60
T = TypeVar("T")

OrphanMessage = Callable[[str | int], bytes]
"""Builds the final JSON-RPC error for a request whose worker died."""


class RedisEventStore(EventStore):
    def __init__(
        self,
        client: Client,
        *,
        key_prefix: str = "mcp:",
        max_events: int = 1_000,
        ttl_seconds: int = 3600,
        retention_seconds: int = 60,
        max_blocking_waits: int = 32,
        orphan_message: OrphanMessage,
    ) -> None:
        self.client = client
        self.keys = Keys(key_prefix)
        self.max_events = max_events
        self.ttl_seconds = ttl_seconds
        self.retention_seconds = retention_seconds
        """A finished stream's keys expire this long after its final event."""
        self.max_blocking_waits = max_blocking_waits
        """Blocking reads (resume followers, answer waits) this worker runs at once; well below the pool
        size, so the other calls always find a connection."""
        self.orphan_message = orphan_message
        self.worker_id = secrets.token_hex(8)
        self._limits = [str(limit).encode() for limit in (max_events, ttl_seconds, retention_seconds)]
        """The APPEND script's fixed arguments, encoded once."""
        self._append = client.register_script(redis_scripts.APPEND)
        self._resume_point = client.register_script(redis_scripts.RESUME_POINT)
        self._deliver = client.register_script(redis_scripts.DELIVER)
        self._heartbeat = Heartbeat(dedicated(client), self.keys.alive(self.worker_id))
        self._topics = Topics()
        self._fleet = FleetListener(dedicated(client), self.keys, self._topics)
        self._blocking = 0
        self._blocked: set[asyncio.Task[Any]] = set()
        """Tasks inside a blocking command now: :meth:`aclose` interrupts them."""
        self._closed = False

    # -- blocking commands --------------------------------------------------------------------

    @contextlib.contextmanager
    def _blocking_slot(self) -> Iterator[None]:
        """One of the worker's blocking waits, or ``StoreBusy`` at once when all are taken."""
        if self._closed:
            raise StoreClosed("the event store closed")
        if self._blocking >= self.max_blocking_waits:
            raise StoreBusy(f"{self._blocking} blocking waits on Redis already")
        self._blocking += 1
        try:
            yield
        finally:
            self._blocking -= 1

    async def _interruptible(self, command: Callable[[], Awaitable[T]]) -> T:
        """Run a blocking command that :meth:`aclose` ends at once with ``StoreClosed`` (closing the
        pool alone would not: redis-py retries on a fresh connection)."""
        task = asyncio.current_task()
        assert task is not None  # always, in a coroutine
        if self._closed:
            raise StoreClosed("the event store closed")
        self._blocked.add(task)
        try:
            async with translated():
                return await command()
        except asyncio.CancelledError:
            if self._closed and task.uncancel() == 0:  # cancelled by aclose() alone
                raise StoreClosed("the event store closed") from None
            raise
        finally:
            self._blocked.discard(task)

    # -- streams ------------------------------------------------------------------------------

    async def trace_of(self, stream_id: str) -> str:
        async with translated():
            trace = await self.client.hget(self.keys.meta(stream_id), "trace")
        return trace.decode() if isinstance(trace, bytes) else ""

    def _opening_fields(self, opening: Opening | None) -> list[bytes | str]:
        """The APPEND script's count of meta fields, then the fields of a new stream's meta."""
        if opening is None:
            return [b"0"]
        fields: list[bytes | str] = [
            "owner",
            self.worker_id,
            "caller",
            opening.caller,
            "request",
            orjson.dumps(opening.request_id),
        ]
        if opening.trace:
            fields += ["trace", opening.trace]
        return [str(len(fields) // 2), *fields]

    async def claim(self) -> None:
        """This worker now owns something readers check it is alive for (a stream, a task): beat from
        now on, and make sure the ``alive`` key exists already."""
        self._heartbeat.start()
        await self._heartbeat.ensure(self.client)

    async def append_many(
        self, stream_id: str, events: Sequence[bytes], *, final: bool = False, opening: Opening | None = None
    ) -> list[str]:
        keys = [self.keys.events(stream_id), self.keys.meta(stream_id)]
        args = [b"1" if final else b"0", *self._limits, *self._opening_fields(opening), *events]
        try:
            async with translated():
                if opening is not None:
                    await self.claim()  # the key must exist before the stream does
                entries = await self._append(keys=keys, args=args)
        except StoreError as exc:
            if "NOSTREAM" in str(exc):
                raise StreamNotFound(stream_id) from exc
            raise
        if entries is None:
            raise StoreError(f"stream {stream_id} has ended")
        return [make_event_id(stream_id, entry.decode()) for entry in entries]

    async def _start_position(self, stream_id: str, after: str, caller: str) -> tuple[int, int] | None:
        """Where a resume of ``caller`` from ``after`` starts: ``None`` at the end of an ended stream,
        ``StreamNotFound`` for a stream it may not see or a position the stream never had."""
        position = entry_position("0-0" if after == START else after)
        keys = [self.keys.events(stream_id), self.keys.meta(stream_id)]
        async with translated():
            owner, final, newest = await self._resume_point(keys=keys)
        last = entry_position(newest.decode()) if newest is not None else (0, 0)
        if owner != caller.encode() or position is None or last is None or position > last:
            raise StreamNotFound(stream_id)  # unknown, expired, another caller's, or not a position of it
        return None if final is not None and position == last else position

    async def follow(
        self, stream_id: str, after: str, *, poll_seconds: float, caller: str
    ) -> AsyncGenerator[Event | None, None]:
        position = await self._start_position(stream_id, after, caller)
        if position is None:
            return  # resumed at the end: nothing more will come
        last = "{}-{}".format(*position)
        events_key = self.keys.events(stream_id)
        block_ms = max(1, int(poll_seconds * 1000))
        with self._blocking_slot():
            while True:
                read = functools.partial(self.client.xread, {events_key: last}, count=100, block=block_ms)
                found: Any = await self._interruptible(read)
                if not found:
                    await self._reap_if_orphaned(stream_id)
                    yield None
                    continue
                for entry_id, fields in found[0][1]:
                    last = entry_id.decode()
                    final = fields.get(b"f") == b"1"
                    yield Event(make_event_id(stream_id, last), fields[b"d"], final)
                    if final:
                        return

    async def _reap_if_orphaned(self, stream_id: str) -> None:
        """End a silent stream whose owner stopped beating with an error for its request."""
        async with translated():
            meta: Any = await self.client.hgetall(self.keys.meta(stream_id))
            if not meta:
                raise StreamNotFound(stream_id)
            if b"final" in meta or await self.client.exists(self.keys.alive(meta[b"owner"].decode())):
                return
        logger.warning("stream %s lost its worker; ending it with an error", stream_id)
        with contextlib.suppress(StoreError):
            await self.append(stream_id, self.orphan_message(orjson.loads(meta[b"request"])), final=True)

    # -- answers to server-to-client requests -------------------------------------------------

    async def expect_reply(self, request_id: str, timeout: float, caller: str) -> None:
        async with translated():
            await self.client.set(self.keys.pending(request_id), caller, ex=math.ceil(timeout) + 5)

    async def deliver(self, request_id: str, message: dict[str, Any], caller: str) -> bool:
        keys = [self.keys.pending(request_id), self.keys.reply(request_id)]
        args: list[bytes | str | int] = [orjson.dumps(message), _REPLY_TTL_SECONDS, caller]
        async with translated():
            return bool(await self._deliver(keys=keys, args=args))

    async def wait_for_reply(self, request_id: str, timeout: float) -> dict[str, Any]:
        """Blocking pops in one-second slices, so the socket timeout never cuts a wait."""
        deadline = time.monotonic() + timeout
        key = self.keys.reply(request_id)
        with self._blocking_slot():
            while (remaining := deadline - time.monotonic()) > 0:
                pop = functools.partial(self.client.blpop, [key], timeout=min(1.0, remaining))
                found: Any = await self._interruptible(pop)
                if found is not None:
                    message: dict[str, Any] = orjson.loads(found[1])
                    return message
        async with translated():
            await self.client.delete(self.keys.pending(request_id))
        raise ReplyTimeout(request_id)

    # -- the fleet channel and the worker's lifetime ---------------------------------------------

    async def publish(self, topic: str, payload: bytes) -> None:
        async with translated():
            await publish(self.client, self.keys.fleet(), topic, payload)

    def subscribe(self, topic: str, handler: Callable[[bytes], None]) -> None:
        self._topics.subscribe(topic, handler)

    async def start(self) -> None:
        self._heartbeat.start()
        await self._fleet.start()

    async def aclose(self) -> None:
        if self._closed:
            return
        self._closed = True
        for task in self._blocked:
            task.cancel()
        await self._fleet.stop()
        await self._heartbeat.stop()
        await self.client.aclose()
