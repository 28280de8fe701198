"""The Redis side of the store that is not the store itself: key names, the connection, and the one
boundary where redis-py's exceptions become ours.
"""

from __future__ import annotations

import contextlib
import re
from collections.abc import AsyncIterator

import redis.asyncio as aioredis
from redis import exceptions as redis_errors
from redis.asyncio.retry import Retry
from redis.backoff import NoBackoff

from app.events.redis_packing import hiredis_packed
from app.events.store import StoreError, StoreUnavailable


class Keys:
    """Every key name, built from the prefix in one place."""

    def __init__(self, prefix: str) -> None:
        self.prefix = prefix

    def events(self, stream_id: str) -> str:
        return f"{self.prefix}{{s:{stream_id}}}:events"

    def meta(self, stream_id: str) -> str:
        return f"{self.prefix}{{s:{stream_id}}}:meta"

    def alive(self, worker_id: str) -> str:
        return f"{self.prefix}{{w:{worker_id}}}:alive"

    def pending(self, request_id: str) -> str:
        return f"{self.prefix}{{r:{request_id}}}:pending"

    def reply(self, request_id: str) -> str:
        return f"{self.prefix}{{r:{request_id}}}:reply"

    def task(self, task_id: str) -> str:
        return f"{self.prefix}{{t:{task_id}}}:task"

    def topic(self, name: str) -> str:
        return f"{self.prefix}topic:{name}"

    def topics(self) -> str:
        """The pattern every topic's channel matches (the prefix's glob characters escaped)."""
        return re.sub(r"([*?\[\]\\])", r"\\\1", self.prefix) + "topic:*"

    def topic_name(self, channel: bytes) -> str:
        """The topic a channel of :meth:`topics` carries."""
        return channel.decode().removeprefix(f"{self.prefix}topic:")


def connect(url: str, max_connections: int = 64) -> aioredis.Redis:
    """A client with short timeouts and one retry: a stale pooled connection heals at once after an
    outage, and a dead server costs about a second, not a hang. The pool is bounded and a caller
    waits at most a second for a free connection (every follower of a stream holds one while it
    blocks), then gets ``StoreUnavailable`` rather than opening connections without end."""
    pool = aioredis.BlockingConnectionPool.from_url(
        url,
        max_connections=max_connections,
        timeout=1.0,
        socket_connect_timeout=1.0,
        socket_timeout=5.0,
        retry=Retry(NoBackoff(), 1),
        retry_on_error=[redis_errors.ConnectionError, redis_errors.TimeoutError],
        health_check_interval=30,
    )
    pool.connection_class = hiredis_packed(pool.connection_class)
    return aioredis.Redis.from_pool(pool)


def dedicated(client: aioredis.Redis) -> aioredis.Redis:
    """A client with one connection of its own to ``client``'s server, with the same options: for
    work that must never queue behind the shared pool (the heartbeat, the fleet channel)."""
    pool = client.connection_pool
    own = aioredis.ConnectionPool(connection_class=pool.connection_class, max_connections=1, **pool.connection_kwargs)
    return aioredis.Redis.from_pool(own)


@contextlib.asynccontextmanager
async def translated() -> AsyncIterator[None]:
    """The one boundary where redis-py's exceptions become ours."""
    try:
        yield
    except (redis_errors.ConnectionError, redis_errors.TimeoutError, OSError) as exc:
        raise StoreUnavailable(f"Redis is unavailable: {exc}") from exc
    except redis_errors.RedisError as exc:
        raise StoreError(str(exc)) from exc


def entry_position(entry_id: str) -> tuple[int, int] | None:
    """A Redis stream entry id as numbers, or ``None`` for one Redis would refuse."""
    milliseconds, _, sequence = entry_id.partition("-")
    try:
        parsed = int(milliseconds), int(sequence or 0)
    except ValueError:
        return None
    return parsed if max(parsed) < 2**64 else None
