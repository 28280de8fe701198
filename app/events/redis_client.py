"""The Redis side of the store that is not the store itself: key names, the connection (to one server,
a Redis Cluster or a Sentinel-managed primary), and the one boundary where redis-py's exceptions
become ours.
"""

from __future__ import annotations

import contextlib
from collections.abc import AsyncIterator
from typing import Any

import redis.asyncio as aioredis
from redis import exceptions as redis_errors
from redis.asyncio.cluster import ClusterNode, RedisCluster
from redis.asyncio.connection import AbstractConnection
from redis.asyncio.retry import Retry
from redis.asyncio.sentinel import Sentinel, SentinelConnectionPool
from redis.backoff import NoBackoff

from app.events.redis_packing import hiredis_packed
from app.events.redis_url import RedisTarget, parse_redis_url
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

    def fleet(self) -> str:
        """The fleet channel: one for every topic (the topic travels in the message), so it needs no
        pattern and is one sharded channel on a cluster."""
        return f"{self.prefix}fleet"


Client = aioredis.Redis | RedisCluster
"""What :func:`connect` returns: the store works through either (every multi-key command it sends
stays in one hash slot)."""

_TIMEOUTS: dict[str, Any] = {"socket_connect_timeout": 1.0, "socket_timeout": 5.0, "health_check_interval": 30}


def connect(url: str, max_connections: int = 64) -> Client:
    """A client with short timeouts and one retry: a stale pooled connection heals at once after an
    outage, and a dead server costs about a second, not a hang. The pool is bounded and a caller
    waits at most a second for a free connection (every follower of a stream holds one while it
    blocks), then gets ``StoreUnavailable`` rather than opening connections without end.

    ``url`` may name a Redis Cluster or a Sentinel-managed primary (:mod:`app.events.redis_url`). A
    cluster client finds each key's node itself, follows it through failovers, and holds up to
    ``max_connections`` per node; a Sentinel client asks the sentinels for the primary whenever a
    connection opens, so it follows a failover too."""
    target = parse_redis_url(url)
    retry = {"retry": Retry(NoBackoff(), 1)}
    if target.mode == "cluster":
        return ClusterClient(list(target.nodes), max_connections, {**_TIMEOUTS, **retry, **_credentials(target)})
    if target.mode == "sentinel":
        return SentinelClient.of(target, max_connections, {**_TIMEOUTS, **retry, **_credentials(target)})
    pool = aioredis.BlockingConnectionPool.from_url(
        url,
        max_connections=max_connections,
        timeout=1.0,
        retry_on_error=[redis_errors.ConnectionError, redis_errors.TimeoutError],
        **_TIMEOUTS,
        **retry,
    )
    pool.connection_class = hiredis_packed(pool.connection_class)
    return aioredis.Redis.from_pool(pool)


def _credentials(target: RedisTarget) -> dict[str, Any]:
    return {"username": target.username, "password": target.password, "ssl": target.tls}


class ClusterClient(RedisCluster):
    """A cluster client that remembers how it was made, so that :func:`dedicated` can make another."""

    def __init__(self, seeds: list[tuple[str, int]], max_connections: int, options: dict[str, Any]) -> None:
        nodes = [ClusterNode(host, port) for host, port in seeds]
        super().__init__(startup_nodes=nodes, max_connections=max_connections, **options)
        self.seeds = seeds
        self.options = options

    def dedicated(self) -> ClusterClient:
        return ClusterClient(self.seeds, 1, self.options)


class _BlockingSentinelPool(SentinelConnectionPool, aioredis.BlockingConnectionPool):
    """Sentinel's pool, waiting (a bounded time) for a free connection like the standalone one."""


class SentinelClient(aioredis.Redis):
    """A client of the primary the sentinels name; it closes its own connections to the sentinels."""

    sentinels: Sentinel
    target: RedisTarget
    options: dict[str, Any]

    @classmethod
    def of(cls, target: RedisTarget, max_connections: int, options: dict[str, Any]) -> SentinelClient:
        sentinel_options = {**_TIMEOUTS, "password": target.sentinel_password, "ssl": target.tls}
        sentinels = Sentinel(list(target.nodes), sentinel_kwargs=sentinel_options)  # type: ignore[no-untyped-call]
        pool_class = _BlockingSentinelPool if max_connections > 1 else SentinelConnectionPool
        pool_options = {"timeout": 1.0} if max_connections > 1 else {}
        client: SentinelClient = sentinels.master_for(
            target.primary, cls, pool_class, max_connections=max_connections, db=target.db, **pool_options, **options
        )
        client.sentinels, client.target, client.options = sentinels, target, options
        return client

    def dedicated(self) -> SentinelClient:
        return self.of(self.target, 1, self.options)

    async def aclose(self, close_connection_pool: bool | None = None) -> None:
        await super().aclose(close_connection_pool)
        await self.sentinels.aclose()


def dedicated(client: Client) -> Client:
    """A client with one connection of its own to ``client``'s server, with the same options: for
    work that must never queue behind the shared pool (the heartbeat, the fleet channel). On a
    cluster, one connection per node: the work it does touches one key or one channel."""
    if isinstance(client, ClusterClient | SentinelClient):
        return client.dedicated()
    if isinstance(client, RedisCluster):
        raise TypeError("a cluster client made by connect() is needed")
    return one_connection(client.connection_pool.connection_class, client.connection_pool.connection_kwargs)


def one_connection(connection_class: type[AbstractConnection], options: dict[str, Any]) -> aioredis.Redis:
    """A client of one server with a pool of one connection."""
    pool = aioredis.ConnectionPool(connection_class=connection_class, max_connections=1, **options)
    return aioredis.Redis.from_pool(pool)


_UNAVAILABLE = (
    redis_errors.ConnectionError,
    redis_errors.TimeoutError,
    redis_errors.ClusterError,  # the cluster is down, or a slot's master is, for a failover's time
    redis_errors.RedisClusterException,  # no node answers, or a slot has no master yet
    redis_errors.TryAgainError,  # a slot is being moved
    redis_errors.ReadOnlyError,  # a primary just demoted
    OSError,
)


@contextlib.asynccontextmanager
async def translated() -> AsyncIterator[None]:
    """The one boundary where redis-py's exceptions become ours."""
    try:
        yield
    except _UNAVAILABLE as exc:
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
