"""The Redis store through Sentinel: a primary, its replica and a sentinel, all real. The store finds the
primary by name, and after the primary dies and the sentinel promotes the replica, it finds the new
one: the streams, the answers and the fleet channel go on there."""

from __future__ import annotations

import asyncio
import contextlib
import time
from collections.abc import Iterator

import pytest

from app.events.ids import START, new_stream_id
from app.events.store import StoreUnavailable
from tests.events.conftest import CALLER, collect, redis_store
from tests.support.redis_sentinel import RedisSentinel


@pytest.fixture(scope="module")
def sentinel() -> Iterator[RedisSentinel]:
    watched = RedisSentinel()
    try:
        watched.start()
        yield watched
    finally:
        watched.stop()


async def test_the_store_works_through_the_sentinel_and_survives_a_failover(sentinel: RedisSentinel) -> None:
    writer, reader = redis_store(sentinel.url, prefix="sentinel:"), redis_store(sentinel.url, prefix="sentinel:")
    heard: asyncio.Queue[bytes] = asyncio.Queue()
    reader.subscribe("cancel", heard.put_nowait)
    try:
        for store in (writer, reader):
            await store.start()
        stream = new_stream_id()
        await writer.open(stream, 1, CALLER)
        await writer.append(stream, b"before")
        await writer.publish("cancel", b'"before"')
        assert await asyncio.wait_for(heard.get(), 1) == b'"before"'
        assert writer.client.connection_pool.master_address == ("127.0.0.1", sentinel.primary.port)

        await asyncio.get_running_loop().run_in_executor(None, sentinel.fail_primary)
        deadline = time.monotonic() + 10
        while True:  # the first call after the failover may meet the dead primary's pooled connection
            with contextlib.suppress(StoreUnavailable):
                await writer.append(stream, b"after")
                break
            assert time.monotonic() < deadline, "the store did not find the new primary"
        await writer.append(stream, b"end", final=True)
        assert await collect(reader, stream, START) == [(b"before", False), (b"after", False), (b"end", True)]
        assert writer.client.connection_pool.master_address == ("127.0.0.1", sentinel.primary.port)

        await writer.expect_reply("s-1", 5, CALLER)
        waiting = asyncio.create_task(writer.wait_for_reply("s-1", 5))
        assert await reader.deliver("s-1", {"jsonrpc": "2.0", "id": "s-1", "result": {}}, CALLER)
        assert (await waiting)["id"] == "s-1"

        while heard.empty():  # the listener reconnects with a backoff; at most once in the meantime
            assert time.monotonic() < deadline, "the fleet channel did not come back"
            await writer.publish("cancel", b'"after"')
            await asyncio.sleep(0.2)
        assert heard.get_nowait() == b'"after"'
    finally:
        await writer.aclose()
        await reader.aclose()
