"""The fleet channel on Redis: every worker listens on one pub/sub connection of its own.

One channel (``<prefix>fleet``) carries every topic, the topic's name leading the message, so a
handler registered after the listener started is reached too, and a reconnect has one thing to
restore. On a Redis Cluster it is a sharded channel (``SSUBSCRIBE``/``SPUBLISH``, Redis 7): a message
goes to the one shard that owns the channel's slot rather than to every node, and the listener
subscribes on that shard's master, found again after each loss (a failover moves it). After an outage
the listener reconnects with a backoff that doubles up to ``_MAX_RETRY_SECONDS``: no busy loop against
a Redis that is down, and back within seconds once it is up. Nothing it meets is raised: a lost
connection or a failing handler is logged, and the listening goes on.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging

import redis.asyncio as aioredis
from redis import exceptions as redis_errors
from redis.asyncio.client import PubSub
from redis.asyncio.cluster import RedisCluster

from app.events.redis_client import Client, Keys, one_connection
from app.events.topics import Topics

logger = logging.getLogger("app.events")

_FIRST_RETRY_SECONDS = 0.1
_MAX_RETRY_SECONDS = 5.0
_START_WAIT_SECONDS = 1.0
"""How long :meth:`FleetListener.start` waits for the subscription before it lets the worker go on."""


async def publish(client: Client, channel: str, topic: str, payload: bytes) -> None:
    """Send ``payload`` to every worker's handler of ``topic``."""
    message = topic.encode() + b" " + payload
    if isinstance(client, RedisCluster):
        await client.spublish(channel, message)
    else:
        await client.publish(channel, message)


class FleetListener:
    def __init__(self, client: Client, keys: Keys, topics: Topics) -> None:
        self.client = client
        """A client of its own (:func:`app.events.redis_client.dedicated`): the subscription holds
        its connection for good, so it must not take one from the shared pool."""
        self.keys = keys
        self.topics = topics
        self._task: asyncio.Task[None] | None = None
        self._listening = asyncio.Event()
        self._retry_in = _FIRST_RETRY_SECONDS
        self._stopping = False
        self._pubsub: PubSub | None = None
        self._shard: aioredis.Redis | None = None
        """On a cluster, the connection to the master that owns the channel's slot."""

    async def start(self) -> None:
        """Listen from now on; returns once subscribed, so a message published next is heard (or after
        ``_START_WAIT_SECONDS`` when Redis is down: the listener keeps trying)."""
        if self._task is None:
            self._task = asyncio.get_running_loop().create_task(self._run())
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(self._listening.wait(), _START_WAIT_SECONDS)

    async def _run(self) -> None:
        """Listen, and after each failure listen again. Nothing is awaited on the way out of a
        cancellation or a close: the pub/sub connection is released by :meth:`stop`, so a listener
        dropped without it (a store never closed) goes quietly."""
        while not self._stopping:  # redis-py's cluster client may swallow a cancellation mid-command
            try:
                pubsub = await self._subscribe()
                if self._stopping:
                    break
                await self._listen(pubsub)
            except (redis_errors.RedisError, redis_errors.RedisClusterException, OSError) as exc:
                logger.warning("the fleet channel lost Redis, retrying in %.1f s: %s", self._retry_in, exc)
            except Exception:
                logger.exception("the fleet channel failed, retrying in %.1f s", self._retry_in)
            self._listening.clear()
            await self._release()
            await asyncio.sleep(self._retry_in)
            self._retry_in = min(2 * self._retry_in, _MAX_RETRY_SECONDS)

    async def _subscribe(self) -> PubSub:
        channel = self.keys.fleet()
        if not isinstance(self.client, RedisCluster):
            self._pubsub = self.client.pubsub()
            await self._pubsub.subscribe(channel)
            return self._pubsub
        await self.client.nodes_manager.initialize()  # who owns the channel's slot now
        node = self.client.get_node_from_key(channel)
        if node is None:
            raise redis_errors.ConnectionError("no master holds the fleet channel's slot")
        self._shard = one_connection(node.connection_class, node.connection_kwargs)
        self._pubsub = self._shard.pubsub()
        await self._pubsub.ssubscribe(channel)
        return self._pubsub

    async def _listen(self, pubsub: PubSub) -> None:
        while True:
            message = await pubsub.get_message(timeout=None)
            if message is None:
                continue  # a health check's answer
            kind = message["type"]
            if kind in ("message", "smessage"):
                topic, _, payload = message["data"].partition(b" ")
                self.topics.dispatch(topic.decode(errors="replace"), payload)
            elif kind in ("subscribe", "ssubscribe"):  # also after redis-py reconnected by itself
                self._listening.set()
                self._retry_in = _FIRST_RETRY_SECONDS
            elif kind == "sunsubscribe":  # the channel's slot moved to another master
                raise redis_errors.ConnectionError("the fleet channel's shard moved")

    async def _release(self) -> None:
        pubsub, shard, self._pubsub, self._shard = self._pubsub, self._shard, None, None
        with contextlib.suppress(redis_errors.RedisError, OSError):
            if pubsub is not None:
                await pubsub.aclose()  # type: ignore[no-untyped-call]
            if shard is not None:
                await shard.aclose()

    async def stop(self) -> None:
        self._stopping = True
        if self._task is not None:
            self._task.cancel()
            await asyncio.wait({self._task})
        await self._release()
        await self.client.aclose()
