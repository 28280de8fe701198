"""The fleet channel on Redis: two stores on one server are two workers, and each hears the other."""

from __future__ import annotations

import asyncio
import time

from app.events.redis_store import RedisEventStore
from tests.events.conftest import redis_store
from tests.support.redis_server import RedisServer


class Worker:
    """A store with a handler on the ``cancel`` topic that queues what it hears."""

    def __init__(self, url: str) -> None:
        self.store: RedisEventStore = redis_store(url, prefix="fleet:")
        self.heard: asyncio.Queue[bytes] = asyncio.Queue()
        self.store.subscribe("cancel", self.heard.put_nowait)


async def heard_within(worker: Worker, seconds: float) -> bytes:
    return await asyncio.wait_for(worker.heard.get(), seconds)


async def test_a_message_published_on_one_worker_reaches_every_worker(redis_server: RedisServer) -> None:
    one, other = Worker(redis_server.url), Worker(redis_server.url)
    try:
        await one.store.start()
        await other.store.start()
        await one.store.publish("cancel", b'"req-1"')
        assert await heard_within(other, 1) == b'"req-1"'
        assert await heard_within(one, 1) == b'"req-1"', "the publisher's own handler hears it too"
    finally:
        await one.store.aclose()
        await other.store.aclose()


async def test_the_channel_recovers_after_redis_restarts(redis_server: RedisServer) -> None:
    one, other = Worker(redis_server.url), Worker(redis_server.url)
    try:
        await one.store.start()
        await other.store.start()
        redis_server.stop()
        await asyncio.sleep(0.5)  # both listeners lose their connection and back off
        redis_server.start()
        deadline = time.monotonic() + 10
        while other.heard.empty():  # at most once: a message sent before the listener is back is lost
            assert time.monotonic() < deadline, "the subscription did not come back"
            await one.store.publish("cancel", b'"after the restart"')
            await asyncio.sleep(0.2)
        assert await heard_within(other, 1) == b'"after the restart"'
    finally:
        await one.store.aclose()
        await other.store.aclose()


async def test_closing_stops_the_listener(redis_server: RedisServer) -> None:
    one, other = Worker(redis_server.url), Worker(redis_server.url)

    async def listeners() -> int:
        return sum(int(client["sub"]) for client in await one.store.client.client_list())

    await one.store.start()
    try:
        listening = await listeners()
        await other.store.start()
        assert await listeners() == listening + 1
        await other.store.aclose()
        assert await listeners() == listening
    finally:
        await one.store.aclose()
