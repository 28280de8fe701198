"""What only the Redis store has: many workers on one server, key expiry, outages and isolation."""

from __future__ import annotations

import asyncio
import time

import orjson
import pytest

from app.events.ids import START, new_stream_id
from app.events.redis_heartbeat import OWNER_TTL_SECONDS
from app.events.store import StoreBusy, StoreUnavailable
from tests.events.conftest import CALLER, collect, redis_store
from tests.support.redis_server import RedisServer
from tests.support.servers import free_port


async def test_a_reply_crosses_workers(redis_server: RedisServer) -> None:
    """Two stores are two workers: the answer POSTed to one reaches the call waiting on the other."""
    waiting_worker, receiving_worker = redis_store(redis_server.url), redis_store(redis_server.url)
    try:
        await waiting_worker.expect_reply("s-3", 5, CALLER)
        waiting = asyncio.create_task(waiting_worker.wait_for_reply("s-3", 5))
        assert await receiving_worker.deliver("s-3", {"jsonrpc": "2.0", "id": "s-3", "result": {"n": 3}}, CALLER)
        assert (await waiting)["result"] == {"n": 3}
    finally:
        await waiting_worker.aclose()
        await receiving_worker.aclose()


async def test_the_stream_of_a_dead_worker_ends_with_an_error(redis_server: RedisServer) -> None:
    producer, reader = redis_store(redis_server.url), redis_store(redis_server.url)
    stream = new_stream_id()
    await producer.open(stream, 99, CALLER)
    await producer.append(stream, b"before death")
    await producer.aclose()  # its heartbeat stops and its alive key goes, as when the process dies
    try:
        started = time.monotonic()
        events = await collect(reader, stream, START)
        assert events[0] == (b"before death", False)
        final = orjson.loads(events[-1][0])
        assert events[-1][1] and final["id"] == 99 and final["error"]["code"] == -32603
        assert time.monotonic() - started < 5
    finally:
        await reader.aclose()


async def test_keys_all_expire_and_a_streams_share_a_cluster_slot(redis_server: RedisServer) -> None:
    store = redis_store(redis_server.url, prefix="ttl:", ttl_seconds=600, retention_seconds=30)
    try:
        finished, running = new_stream_id(), new_stream_id()
        for stream in (finished, running):
            await store.open(stream, 1, CALLER)
            await store.append(stream, b"x")
        await store.append(finished, b"y", final=True)
        await store.expect_reply("s-ttl", 30, CALLER)
        keys = await store.client.keys("ttl:*")
        assert len(keys) >= 6
        for key in keys:
            assert await store.client.ttl(key) > 0, f"{key!r} has no TTL"
        for key in (store.keys.events(finished), store.keys.meta(finished)):
            assert 0 < await store.client.ttl(key) <= 30, "a finished stream is kept for the retention window"
        for key in (store.keys.events(running), store.keys.meta(running)):
            assert await store.client.ttl(key) > 500, "an unfinished one for the TTL"
        tags = {key.split(b"}")[0] for key in keys if f"{{s:{finished}".encode() in key}
        assert tags == {f"ttl:{{s:{finished}".encode()}, "a stream's keys carry one hash tag"
    finally:
        await store.aclose()


async def test_an_outage_is_a_fast_clear_error() -> None:
    store = redis_store(f"redis://127.0.0.1:{free_port()}/0")
    started = time.monotonic()
    with pytest.raises(StoreUnavailable):
        await store.open(new_stream_id(), 1, CALLER)
    assert time.monotonic() - started < 3
    await store.aclose()


async def test_the_store_reconnects_by_itself_after_a_restart(redis_server: RedisServer) -> None:
    store = redis_store(redis_server.url)
    try:
        await store.open(new_stream_id(), 1, CALLER)
        redis_server.stop()
        with pytest.raises(StoreUnavailable):
            await store.open(new_stream_id(), 2, CALLER)
        redis_server.start()
        stream = new_stream_id()
        await store.open(stream, 3, CALLER)  # the pooled connection is stale: one retry heals it
        await store.append(stream, b"after", final=True)
    finally:
        await store.aclose()


async def test_blocking_waits_are_capped_and_the_heartbeat_never_waits(redis_server: RedisServer) -> None:
    """Followers take every blocking slot: a further follower, and a wait for an answer, are refused at
    once, while appends and answers still find a connection. Then the whole pool is taken for longer
    than the heartbeat key's TTL, and the heartbeat, on its own connection, keeps the worker alive (so
    none of its streams is taken for an orphan)."""
    store = redis_store(redis_server.url, prefix="busy:", max_connections=3, max_blocking_waits=2)
    checker = redis_store(redis_server.url, prefix="busy:")
    stream = new_stream_id()
    await store.open(stream, 1, CALLER)  # starts the heartbeat
    followers = [store.follow(stream, START, poll_seconds=4.0, caller=CALLER) for _ in range(3)]
    blocked = [asyncio.create_task(anext(follower)) for follower in followers[:2]]
    try:
        await asyncio.sleep(0.3)
        started = time.monotonic()
        with pytest.raises(StoreBusy):
            await anext(followers[2])
        with pytest.raises(StoreBusy):
            await store.wait_for_reply("s-busy", 5)
        assert time.monotonic() - started < 0.2, "refused at once"
        await store.expect_reply("s-busy", 5, CALLER)
        assert await store.deliver("s-busy", {"jsonrpc": "2.0", "id": "s-busy", "result": {}}, CALLER)
        await store.append(stream, b"still works")
        assert [(await task).data for task in blocked] == [b"still works"] * 2  # type: ignore[union-attr]

        hogs = [
            asyncio.create_task(store.client.blpop([f"busy:hog{n}"], timeout=OWNER_TTL_SECONDS + 1.5)) for n in range(3)
        ]
        await asyncio.sleep(OWNER_TTL_SECONDS + 1)  # every pooled connection blocked all along
        assert not any(hog.done() for hog in hogs), "the pool was taken"
        assert await checker.client.exists(checker.keys.alive(store.worker_id)), "the heartbeat lapsed"
        await asyncio.gather(*hogs)
    finally:
        for task in blocked:
            task.cancel()
        await asyncio.gather(*blocked, return_exceptions=True)
        for follower in followers:
            await follower.aclose()
        await checker.aclose()
        await store.aclose()
