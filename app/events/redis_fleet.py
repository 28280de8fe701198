"""The fleet channel on Redis: every worker listens on one pub/sub connection of its own.

One pattern subscription (``<prefix>topic:*``) carries every topic, so a handler registered after
the listener started is reached too, and a reconnect has one thing to restore. After an outage the
listener reconnects with a backoff that doubles up to ``_MAX_RETRY_SECONDS``: no busy loop against
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

from app.events.redis_client import Keys
from app.events.topics import Topics

logger = logging.getLogger("app.events")

_FIRST_RETRY_SECONDS = 0.1
_MAX_RETRY_SECONDS = 5.0
_START_WAIT_SECONDS = 1.0
"""How long :meth:`FleetListener.start` waits for the subscription before it lets the worker go on."""


class FleetListener:
    def __init__(self, client: aioredis.Redis, keys: Keys, topics: Topics) -> None:
        self.client = client
        """A client of its own (:func:`app.events.redis_client.dedicated`): the subscription holds
        its connection for good, so it must not take one from the shared pool."""
        self.keys = keys
        self.topics = topics
        self._task: asyncio.Task[None] | None = None
        self._listening = asyncio.Event()
        self._retry_in = _FIRST_RETRY_SECONDS

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
        while True:
            pubsub = self.client.pubsub()
            try:
                await self._listen(pubsub)
            except (redis_errors.RedisError, OSError) as exc:
                logger.warning("the fleet channel lost Redis, retrying in %.1f s: %s", self._retry_in, exc)
            except Exception:
                logger.exception("the fleet channel failed, retrying in %.1f s", self._retry_in)
            self._listening.clear()
            with contextlib.suppress(redis_errors.RedisError, OSError):
                await pubsub.aclose()  # type: ignore[no-untyped-call]
            await asyncio.sleep(self._retry_in)
            self._retry_in = min(2 * self._retry_in, _MAX_RETRY_SECONDS)

    async def _listen(self, pubsub: PubSub) -> None:
        await pubsub.psubscribe(self.keys.topics())
        while True:
            message = await pubsub.get_message(timeout=None)
            if message is None:
                continue  # a health check's answer
            if message["type"] == "pmessage":
                self.topics.dispatch(self.keys.topic_name(message["channel"]), message["data"])
            elif message["type"] == "psubscribe":  # also after redis-py reconnected by itself
                self._listening.set()
                self._retry_in = _FIRST_RETRY_SECONDS

    async def stop(self) -> None:
        if self._task is not None:
            self._task.cancel()
            await asyncio.wait({self._task})
        await self.client.aclose()
