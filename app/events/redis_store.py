"""The Redis EventStore: every worker of every replica sees every stream (Redis Streams).

Keys (``<p>`` is ``FASTMCP_REDIS_KEY_PREFIX``; the ``{...}`` part is a Redis Cluster hash tag, so
the keys of one stream live in one slot and the Lua scripts may touch them together)::

    <p>{s:<stream>}:events   STREAM  one entry per event: d=<json>, f=1 on the final one
    <p>{s:<stream>}:meta     HASH    owner=<worker>, caller=<principal key>, request=<json id>,
                                     final=<entry id> once ended
    <p>{w:<worker>}:alive    STRING  refreshed every second while the worker lives (TTL 3 s)
    <p>{r:<request>}:pending STRING  the caller whose call waits for the answer to server request <request>
    <p>{r:<request>}:reply   LIST    that answer, pushed by whichever worker received it
    <p>topic:<name>          CHANNEL pub/sub between workers (cancellations)

Every key has a TTL: an unfinished stream's is ``ttl_seconds`` after its last event, a finished
one's ``retention_seconds`` after its final event, so what a finished call costs Redis is bounded
by the retention window. Streams are trimmed to about ``max_events``. A reader that finds a stream
silent and its owner's ``alive`` key gone appends the JSON-RPC error for the request itself; the
append script refuses a second final event, so a stream ends exactly once.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import math
import secrets
import time
from collections.abc import AsyncGenerator, Callable, Iterator
from typing import Any

import orjson
import redis.asyncio as aioredis
from redis import exceptions as redis_errors

from app.events.ids import START, make_event_id
from app.events.redis_client import Keys, entry_position, translated
from app.events.store import Event, ReplyTimeout, StoreBusy, StoreError, StreamNotFound

logger = logging.getLogger("app.events")

HEARTBEAT_SECONDS = 1.0
OWNER_TTL_SECONDS = 3
_REPLY_TTL_SECONDS = 60

_APPEND = """
if redis.call('EXISTS', KEYS[2]) == 0 then return redis.error_reply('NOSTREAM') end
if redis.call('HEXISTS', KEYS[2], 'final') == 1 then return false end
local id = redis.call('XADD', KEYS[1], 'MAXLEN', '~', ARGV[3], '*', 'd', ARGV[1], 'f', ARGV[2])
local ttl = ARGV[4]
if ARGV[2] == '1' then
  redis.call('HSET', KEYS[2], 'final', id)
  ttl = ARGV[5]
end
redis.call('EXPIRE', KEYS[1], ttl)
redis.call('EXPIRE', KEYS[2], ttl)
return id
"""
_DELIVER = """
if redis.call('GET', KEYS[1]) ~= ARGV[3] then return 0 end
redis.call('DEL', KEYS[1])
redis.call('RPUSH', KEYS[2], ARGV[1])
redis.call('EXPIRE', KEYS[2], ARGV[2])
return 1
"""

OrphanMessage = Callable[[str | int], bytes]
"""Builds the final JSON-RPC error for a request whose worker died."""


class RedisEventStore:
    def __init__(
        self,
        client: aioredis.Redis,
        *,
        key_prefix: str = "mcp:",
        max_events: int = 10_000,
        ttl_seconds: int = 3600,
        retention_seconds: int = 60,
        max_blocking_waits: int = 32,
        orphan_message: OrphanMessage,
    ) -> None:
        self.client = client
        pool = client.connection_pool
        self._heartbeat_client = aioredis.Redis(
            connection_pool=aioredis.ConnectionPool(
                connection_class=pool.connection_class, max_connections=1, **pool.connection_kwargs
            )
        )
        """A connection of its own: the heartbeat never waits behind clients blocked on the pool, so a
        worker that is alive is never taken for dead (and its calls never reaped as orphans)."""
        self.max_blocking_waits = max_blocking_waits
        """Blocking reads (resume followers, answer waits) this worker runs at once; well below the pool
        size, so the other calls always find a connection."""
        self._blocking = 0
        self.keys = Keys(key_prefix)
        self.max_events = max_events
        self.ttl_seconds = ttl_seconds
        self.retention_seconds = retention_seconds
        """A finished stream's keys expire this long after its final event."""
        self.orphan_message = orphan_message
        self.worker_id = secrets.token_hex(8)
        self._append = client.register_script(_APPEND)
        self._deliver = client.register_script(_DELIVER)
        self._heartbeat: asyncio.Task[None] | None = None
        self._handlers: dict[str, Callable[[bytes], None]] = {}
        self._listener: asyncio.Task[None] | None = None

    async def _beat(self) -> None:
        key = self.keys.alive(self.worker_id)
        await self.client.set(key, b"1", ex=OWNER_TTL_SECONDS)

    async def _keep_beating(self) -> None:
        key = self.keys.alive(self.worker_id)
        while True:
            await asyncio.sleep(HEARTBEAT_SECONDS)
            try:
                await self._heartbeat_client.set(key, b"1", ex=OWNER_TTL_SECONDS)
            except (redis_errors.RedisError, OSError) as exc:
                logger.warning("Redis heartbeat failed: %s", exc)

    @contextlib.contextmanager
    def _blocking_slot(self) -> Iterator[None]:
        """One of the worker's blocking waits, or ``StoreBusy`` at once when all are taken."""
        if self._blocking >= self.max_blocking_waits:
            raise StoreBusy(f"{self._blocking} blocking waits on Redis already")
        self._blocking += 1
        try:
            yield
        finally:
            self._blocking -= 1

    async def open(self, stream_id: str, request_id: str | int, caller: str) -> None:
        async with translated():
            await self._beat()
            meta = self.keys.meta(stream_id)
            async with self.client.pipeline(transaction=True) as pipe:
                mapping: dict[str, bytes | str] = {
                    "owner": self.worker_id,
                    "caller": caller,
                    "request": orjson.dumps(request_id),
                }
                pipe.hset(meta, mapping=mapping)  # type: ignore[arg-type]
                pipe.expire(meta, self.ttl_seconds)
                await pipe.execute()
        if self._heartbeat is None or self._heartbeat.done():
            self._heartbeat = asyncio.create_task(self._keep_beating())

    async def append(self, stream_id: str, data: bytes, *, final: bool = False) -> str:
        keys = [self.keys.events(stream_id), self.keys.meta(stream_id)]
        args = [data, b"1" if final else b"0", self.max_events, self.ttl_seconds, self.retention_seconds]
        try:
            async with translated():
                entry = await self._append(keys=keys, args=args)
        except StoreError as exc:
            if "NOSTREAM" in str(exc):
                raise StreamNotFound(stream_id) from exc
            raise
        if entry is None:
            raise StoreError(f"stream {stream_id} has ended")
        return make_event_id(stream_id, entry.decode())

    async def follow(
        self, stream_id: str, after: str, *, poll_seconds: float, caller: str
    ) -> AsyncGenerator[Event | None, None]:
        events_key = self.keys.events(stream_id)
        last = "0-0" if after == START else after
        position = entry_position(last)
        block_ms = max(1, int(poll_seconds * 1000))
        async with translated():
            meta: Any = await self.client.hmget(self.keys.meta(stream_id), ["caller", "final"])
        owner, final_entry = meta
        if owner != caller.encode() or position is None:
            raise StreamNotFound(stream_id)  # unknown, expired, another caller's, or not a position
        if final_entry is not None and position >= (entry_position(final_entry.decode()) or position):
            return  # resumed at or past the end: nothing more will come
        with self._blocking_slot():
            while True:
                async with translated():
                    found: Any = await self.client.xread({events_key: last}, count=100, block=block_ms)
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
                async with translated():
                    found: Any = await self.client.blpop([key], timeout=min(1.0, remaining))
                if found is not None:
                    message: dict[str, Any] = orjson.loads(found[1])
                    return message
        async with translated():
            await self.client.delete(self.keys.pending(request_id))
        raise ReplyTimeout(request_id)

    async def publish(self, topic: str, payload: bytes) -> None:
        async with translated():
            await self.client.publish(self.keys.topic(topic), payload)

    def subscribe(self, topic: str, handler: Callable[[bytes], None]) -> None:
        self._handlers[topic] = handler

    async def start(self) -> None:
        if self._listener is None and self._handlers:
            self._listener = asyncio.get_running_loop().create_task(self._listen())

    async def _listen(self) -> None:
        """Hand each message on a subscribed topic to its handler; resubscribe after an outage."""
        channels = {self.keys.topic(name): handler for name, handler in self._handlers.items()}
        while True:
            try:
                async with self.client.pubsub(ignore_subscribe_messages=True) as pubsub:
                    await pubsub.subscribe(*channels)
                    async for message in pubsub.listen():
                        handler = channels.get(message["channel"].decode())
                        if handler is not None:
                            handler(message["data"])
            except (redis_errors.RedisError, OSError) as exc:
                logger.warning("the fleet channel lost Redis, retrying in 1 s: %s", exc)
                await asyncio.sleep(1.0)

    async def aclose(self) -> None:
        if self._listener is not None:
            self._listener.cancel()
        if self._heartbeat is not None:
            self._heartbeat.cancel()
        with contextlib.suppress(redis_errors.RedisError, OSError):
            await self.client.delete(self.keys.alive(self.worker_id))
        await self.client.aclose()
        await self._heartbeat_client.aclose()
