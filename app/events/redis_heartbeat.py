"""A worker's heartbeat: the Redis key that tells readers its streams still have a writer.

A reader that finds a stream silent and its owner's key gone ends the stream with an error, so a
live worker must never miss a beat. The heartbeat therefore runs on a connection of its own: a pool
taken by clients blocked on their streams, or a burst of calls, cannot make it wait (and the key
lapse) while the worker is alive.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import time

from redis import exceptions as redis_errors

from app.events.redis_client import Client

logger = logging.getLogger("app.events")

HEARTBEAT_SECONDS = 1.0
OWNER_TTL_SECONDS = 3
"""The key's TTL: three beats, so one slow beat does not make the worker look dead."""


class Heartbeat:
    def __init__(self, client: Client, key: str) -> None:
        self.client = client
        """A client of its own (:func:`app.events.redis_client.dedicated`)."""
        self.key = key
        self._task: asyncio.Task[None] | None = None
        self._stopping = False
        self._last_beat = -float("inf")

    @property
    def fresh(self) -> bool:
        """True while the key is known to live for another two beats at least."""
        return time.monotonic() - self._last_beat < OWNER_TTL_SECONDS - 2 * HEARTBEAT_SECONDS

    def start(self) -> None:
        """Beat from now on, every ``HEARTBEAT_SECONDS`` (again, if a beat ever broke the loop)."""
        if self._task is None or self._task.done():
            self._task = asyncio.get_running_loop().create_task(self._run())

    async def ensure(self, client: Client) -> None:
        """Make sure the key lives a while yet: a recent beat did, or one now through ``client`` (the
        shared pool, as the heartbeat's own connection may be busy beating)."""
        if not self.fresh:
            await self._beat(client)

    async def _beat(self, client: Client) -> None:
        await client.set(self.key, b"1", ex=OWNER_TTL_SECONDS)
        self._last_beat = time.monotonic()

    async def _run(self) -> None:
        while not self._stopping:  # redis-py's cluster client may swallow a cancellation mid-command
            try:
                await self._beat(self.client)
            except (redis_errors.RedisError, OSError) as exc:
                logger.warning("Redis heartbeat failed: %s", exc)
            await asyncio.sleep(HEARTBEAT_SECONDS)

    async def stop(self) -> None:
        """Stop beating and remove the key, so readers end this worker's unfinished streams at once."""
        self._stopping = True
        if self._task is not None:
            self._task.cancel()
            await asyncio.wait({self._task})
        with contextlib.suppress(redis_errors.RedisError, OSError):
            await self.client.delete(self.key)
        await self.client.aclose()
