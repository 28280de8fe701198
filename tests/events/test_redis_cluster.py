"""What only a Redis Cluster adds: the sharded fleet channel, and a failover of the master that holds a
live stream's slot, or the channel's. Two stores on one cluster are two workers."""

from __future__ import annotations

import asyncio
import contextlib
import time
from collections.abc import AsyncIterator

from app.events.ids import START, new_stream_id
from app.events.redis_store import RedisEventStore
from app.events.store import Event, StoreUnavailable
from tests.events.conftest import CALLER, redis_store
from tests.support.redis_cluster import RedisCluster

Workers = tuple[RedisEventStore, RedisEventStore, "asyncio.Queue[bytes]"]

FAILOVER_BOUND_SECONDS = 20
"""A failover takes about three seconds here: twice that and more means something hangs."""


@contextlib.asynccontextmanager
async def workers(cluster: RedisCluster) -> AsyncIterator[Workers]:
    """Two started stores; what the second hears on the ``cancel`` topic lands in the queue."""
    stores = [redis_store(cluster.url, prefix="cluster:") for _ in range(2)]
    heard: asyncio.Queue[bytes] = asyncio.Queue()
    stores[1].subscribe("cancel", heard.put_nowait)
    try:
        for store in stores:
            await store.start()
        yield stores[0], stores[1], heard
    finally:
        for store in stores:
            await store.aclose()


async def test_the_fleet_channel_is_one_sharded_channel_on_its_slots_master(redis_cluster: RedisCluster) -> None:
    async with workers(redis_cluster) as (one, _, heard):
        channel = one.keys.fleet()
        owner = redis_cluster.master_of(channel)
        assert owner.command("PUBSUB", "SHARDNUMSUB", channel).split() == [channel, "2"]
        assert owner.command("PUBSUB", "NUMPAT").strip() == "0", "no pattern subscription"
        await one.publish("cancel", b'"req-1"')
        assert await asyncio.wait_for(heard.get(), 1) == b'"req-1"'


async def follow_through_failover(store: RedisEventStore, stream: str) -> list[Event]:
    """Follow ``stream`` to its final event as a resuming client does: after a ``StoreUnavailable``
    (the failover's window), wait a moment and resume from the last event received."""
    events: list[Event] = []
    while not events or not events[-1].final:
        after = events[-1].event_id.rpartition(".")[2] if events else START
        try:
            async for event in store.follow(stream, after, poll_seconds=0.2, caller=CALLER):
                if event is not None:
                    events.append(event)
        except StoreUnavailable:
            await asyncio.sleep(0.2)
    return events


async def test_a_live_stream_survives_a_failover_of_its_slots_master(redis_cluster: RedisCluster) -> None:
    """The writer goes on through the failover (an event it cannot store in the window is lost, as a
    Redis outage loses it) and the reader, on another worker, resumes and gets the rest and the end.
    The writer's heartbeat key lives on another master here: see the README on a failover that takes
    the heartbeat's master along."""
    async with workers(redis_cluster) as (writer, reader, _):
        heartbeat_master = redis_cluster.master_of(writer.keys.alive(writer.worker_id))
        stream = new_stream_id()
        while redis_cluster.master_of(writer.keys.events(stream)) is heartbeat_master:
            stream = new_stream_id()
        await writer.open(stream, 1, CALLER)
        reading = asyncio.create_task(follow_through_failover(reader, stream))
        stored, lost = [], 0

        async def write(count: int) -> None:
            nonlocal lost
            for n in range(count):
                try:
                    await writer.append(stream, str(len(stored) + lost).encode())
                    stored.append(n)
                except StoreUnavailable:
                    lost += 1
                await asyncio.sleep(0.05)

        try:
            await write(10)
            killed = redis_cluster.kill_master_of(writer.keys.events(stream))
            started = time.monotonic()
            while lost == 0 or time.monotonic() - started < 4:  # into the window and out again
                assert time.monotonic() - started < FAILOVER_BOUND_SECONDS, "writes never failed or never healed"
                await write(1)
            await write(10)
            await writer.append(stream, b"end", final=True)
            events = await asyncio.wait_for(reading, FAILOVER_BOUND_SECONDS)
        finally:
            reading.cancel()
            await asyncio.get_running_loop().run_in_executor(None, redis_cluster.heal)
    numbers = [int(event.data) for event in events[:-1]]
    assert events[-1].data == b"end" and numbers == sorted(set(numbers)), "in order, none twice"
    assert numbers[:10] == list(range(10)), "what was written before the failover"
    assert len(numbers) >= len(stored) - 1, "at most the last write before the kill is lost in replication"
    assert killed.process is not None, "healed: the old master is back, as a replica"


async def test_the_fleet_channel_follows_its_master_through_a_failover(redis_cluster: RedisCluster) -> None:
    async with workers(redis_cluster) as (one, _, heard):
        redis_cluster.kill_master_of(one.keys.fleet())
        try:
            deadline = time.monotonic() + FAILOVER_BOUND_SECONDS
            while heard.empty():  # at most once: what is published in the window is lost
                assert time.monotonic() < deadline, "the subscription did not come back"
                with contextlib.suppress(StoreUnavailable):
                    await one.publish("cancel", b'"after the failover"')
                await asyncio.sleep(0.2)
            assert heard.get_nowait() == b'"after the failover"'
        finally:
            await asyncio.get_running_loop().run_in_executor(None, redis_cluster.heal)
