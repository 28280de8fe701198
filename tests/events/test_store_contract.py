"""One contract, run against every EventStore: the in-memory one and Redis (a real server)."""

from __future__ import annotations

import asyncio
import time
from collections.abc import AsyncIterator

import orjson
import pytest

from app.events.ids import START, new_stream_id, parse_event_id
from app.events.memory import MemoryEventStore
from app.events.redis_client import connect
from app.events.redis_store import RedisEventStore
from app.events.store import (
    Event,
    EventStore,
    ReplyTimeout,
    StoreBusy,
    StoreError,
    StoreUnavailable,
    StreamNotFound,
)
from tests.support.redis_server import RedisServer
from tests.support.servers import free_port

CALLER = "caller-key-1"
"""Whose streams and answers these are (a principal's key)."""
STRANGER = "caller-key-2"


def orphan(request_id: str | int) -> bytes:
    return orjson.dumps({"jsonrpc": "2.0", "id": request_id, "error": {"code": -32603, "message": "worker died"}})


def redis_store(url: str, prefix: str = "test:") -> RedisEventStore:
    return RedisEventStore(connect(url), key_prefix=prefix, max_events=100, ttl_seconds=60, orphan_message=orphan)


@pytest.fixture(params=["memory", "redis"])
async def store(request: pytest.FixtureRequest, redis_server: RedisServer) -> AsyncIterator[EventStore]:
    backend: EventStore = MemoryEventStore(max_events=100, ttl_seconds=60)
    if request.param == "redis":
        backend = redis_store(redis_server.url)
    yield backend
    await backend.aclose()


async def collect(store: EventStore, stream_id: str, after: str) -> list[tuple[bytes, bool]]:
    events = []
    async for event in store.follow(stream_id, after, poll_seconds=0.2, caller=CALLER):
        if event is not None:
            events.append((event.data, event.final))
    return events


async def test_follow_replays_in_order_and_ends_with_the_final_event(store: EventStore) -> None:
    stream = new_stream_id()
    await store.open(stream, 1, CALLER)
    ids = [await store.append(stream, f"e{n}".encode()) for n in range(3)]
    await store.append(stream, b"result", final=True)
    assert await collect(store, stream, START) == [(b"e0", False), (b"e1", False), (b"e2", False), (b"result", True)]
    _, position = parse_event_id(ids[1])  # type: ignore[misc]
    assert await collect(store, stream, position) == [(b"e2", False), (b"result", True)]


async def test_an_ended_stream_refuses_more_events(store: EventStore) -> None:
    stream = new_stream_id()
    await store.open(stream, "a", CALLER)
    await store.append(stream, b"done", final=True)
    with pytest.raises(StoreError):
        await store.append(stream, b"late")
    with pytest.raises(StoreError):
        await store.append(stream, b"second final", final=True)


async def test_follow_waits_for_live_events(store: EventStore) -> None:
    stream = new_stream_id()
    await store.open(stream, 2, CALLER)
    follower = store.follow(stream, START, poll_seconds=0.2, caller=CALLER)
    assert await anext(follower) is None  # silence is reported, so callers can send keep-alives

    async def produce() -> None:
        await asyncio.sleep(0.3)
        await store.append(stream, b"live")
        await store.append(stream, b"end", final=True)

    producer = asyncio.create_task(produce())
    seen = [event.data async for event in follower if event is not None]
    await producer
    assert seen == [b"live", b"end"]


async def test_unknown_streams_are_not_found(store: EventStore) -> None:
    with pytest.raises(StreamNotFound):
        await anext(store.follow(new_stream_id(), START, poll_seconds=0.2, caller=CALLER))
    with pytest.raises(StreamNotFound):
        await store.append(new_stream_id(), b"x")


async def test_a_reply_reaches_the_waiting_call(store: EventStore) -> None:
    await store.expect_reply("s-1", 5, CALLER)
    waiting = asyncio.create_task(store.wait_for_reply("s-1", 5))
    await asyncio.sleep(0.05)
    assert await store.deliver("s-1", {"jsonrpc": "2.0", "id": "s-1", "result": {"ok": True}}, CALLER)
    assert (await waiting)["result"] == {"ok": True}
    assert not await store.deliver("s-1", {"jsonrpc": "2.0", "id": "s-1", "result": {}}, CALLER), "delivered twice"


async def test_a_reply_nobody_waits_for_is_refused(store: EventStore) -> None:
    assert not await store.deliver("s-unknown", {"jsonrpc": "2.0", "id": "s-unknown", "result": {}}, CALLER)


async def test_waiting_for_a_reply_times_out(store: EventStore) -> None:
    await store.expect_reply("s-2", 0.3, CALLER)
    started = time.monotonic()
    with pytest.raises(ReplyTimeout):
        await store.wait_for_reply("s-2", 0.3)
    assert time.monotonic() - started < 2


async def test_redis_reply_crosses_workers(redis_server: RedisServer) -> None:
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


async def test_redis_stream_of_a_dead_worker_ends_with_an_error(redis_server: RedisServer) -> None:
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


async def test_redis_keys_all_expire_and_share_a_cluster_slot(redis_server: RedisServer) -> None:
    store = redis_store(redis_server.url, prefix="ttl:")
    try:
        stream = new_stream_id()
        await store.open(stream, 1, CALLER)
        await store.append(stream, b"x", final=True)
        await store.expect_reply("s-ttl", 30, CALLER)
        keys = await store.client.keys("ttl:*")
        assert len(keys) >= 4
        for key in keys:
            assert await store.client.ttl(key) > 0, f"{key!r} has no TTL"
        tags = {key.split(b"}")[0] for key in keys if b"{s:" in key}
        assert tags == {f"ttl:{{s:{stream}".encode()}, "a stream's keys carry one hash tag"
    finally:
        await store.aclose()


async def test_redis_outage_is_a_fast_clear_error() -> None:
    store = redis_store(f"redis://127.0.0.1:{free_port()}/0")
    started = time.monotonic()
    with pytest.raises(StoreUnavailable):
        await store.open(new_stream_id(), 1, CALLER)
    assert time.monotonic() - started < 3
    await store.aclose()


async def test_redis_reconnects_by_itself_after_a_restart(redis_server: RedisServer) -> None:
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


async def test_another_callers_stream_looks_like_no_stream(store: EventStore) -> None:
    stream = new_stream_id()
    await store.open(stream, 7, CALLER)
    await store.append(stream, b"mine", final=True)
    with pytest.raises(StreamNotFound):
        await anext(store.follow(stream, START, poll_seconds=0.2, caller=STRANGER))
    assert await collect(store, stream, START) == [(b"mine", True)]


async def test_only_the_caller_may_answer(store: EventStore) -> None:
    await store.expect_reply("s-owned", 5, CALLER)
    answer = {"jsonrpc": "2.0", "id": "s-owned", "result": {"from": "stranger"}}
    assert not await store.deliver("s-owned", answer, STRANGER)
    assert await store.deliver("s-owned", {**answer, "result": {"from": "caller"}}, CALLER)
    assert (await store.wait_for_reply("s-owned", 5))["result"] == {"from": "caller"}


async def test_a_finished_stream_is_kept_for_the_retention_window_only(redis_server: RedisServer) -> None:
    memory = MemoryEventStore(max_events=100, ttl_seconds=60, retention_seconds=0.3)
    redis = RedisEventStore(
        connect(redis_server.url), key_prefix="retention:", ttl_seconds=60, retention_seconds=1, orphan_message=orphan
    )
    try:
        for store, window in ((memory, 0.3), (redis, 1.0)):
            finished, running = new_stream_id(), new_stream_id()
            for stream in (finished, running):
                await store.open(stream, 1, CALLER)
                await store.append(stream, b"first")
            await store.append(finished, b"last", final=True)
            await asyncio.sleep(window + 1.1)
            with pytest.raises(StreamNotFound):
                await anext(store.follow(finished, START, poll_seconds=0.2, caller=CALLER))
            assert (await anext(store.follow(running, START, poll_seconds=0.2, caller=CALLER))) is not None
    finally:
        await memory.aclose()
        await redis.aclose()


async def test_resuming_at_the_end_of_a_finished_stream_ends_at_once(store: EventStore) -> None:
    stream = new_stream_id()
    await store.open(stream, 1, CALLER)
    await store.append(stream, b"a")
    last = parse_event_id(await store.append(stream, b"b", final=True))
    assert last is not None
    started = time.monotonic()
    assert await collect(store, stream, last[1]) == []
    assert time.monotonic() - started < 0.2, "no polling for events that cannot come"


async def test_a_position_the_stream_never_had_is_no_stream() -> None:
    store = MemoryEventStore()
    stream = new_stream_id()
    await store.open(stream, 1, CALLER)
    await store.append(stream, b"a")
    for position in ("5", "99999999999999999999", "1-0"):
        with pytest.raises(StreamNotFound):
            await anext(store.follow(stream, position, poll_seconds=0.2, caller=CALLER))


async def test_the_memory_store_keeps_its_bounds_dropping_finished_streams_first() -> None:
    store = MemoryEventStore(max_events=3, max_streams=10, max_bytes=10_000, retention_seconds=60)
    unfinished = new_stream_id()
    await store.open(unfinished, 0, CALLER)
    for _ in range(5):
        await store.append(unfinished, b"x" * 100)  # only the last 3 events stay
    for n in range(50):
        stream = new_stream_id()
        await store.open(stream, n, CALLER)
        await store.append(stream, b"y" * 500, final=True)
        assert len(store) <= 10 and store.size <= 10_000
    assert await anext(store.follow(unfinished, START, poll_seconds=0.2, caller=CALLER)) is not None, (
        "the unfinished stream outlives fifty finished ones"
    )
    assert len(await collect_until_idle(store, unfinished)) == 3


async def collect_until_idle(store: EventStore, stream_id: str) -> list[Event]:
    events = []
    async for event in store.follow(stream_id, START, poll_seconds=0.1, caller=CALLER):
        if event is None:
            break
        events.append(event)
    return events


async def test_closing_the_memory_store_ends_a_waiting_answer_at_once() -> None:
    store = MemoryEventStore()
    await store.expect_reply("s-closing", 30, CALLER)
    waiting = asyncio.create_task(store.wait_for_reply("s-closing", 30))
    await asyncio.sleep(0.05)
    await store.aclose()
    with pytest.raises(StoreError):
        await asyncio.wait_for(waiting, 1)


async def test_blocking_waits_are_capped_and_the_heartbeat_never_waits(redis_server: RedisServer) -> None:
    """Two blocked followers take the worker's two blocking slots: a third is refused at once, while
    appends, answers and the heartbeat (on its own connection) carry on."""
    store = RedisEventStore(
        connect(redis_server.url, max_connections=3),
        key_prefix="busy:",
        max_blocking_waits=2,
        orphan_message=orphan,
    )
    stream = new_stream_id()
    await store.open(stream, 1, CALLER)
    followers = [store.follow(stream, START, poll_seconds=1.0, caller=CALLER) for _ in range(3)]
    blocked = [asyncio.create_task(anext(follower)) for follower in followers[:2]]
    try:
        await asyncio.sleep(0.2)
        started = time.monotonic()
        with pytest.raises(StoreBusy):
            await anext(followers[2])
        assert time.monotonic() - started < 0.5
        await store.append(stream, b"still works")
        await store.expect_reply("s-busy", 5, CALLER)
        assert await store.deliver("s-busy", {"jsonrpc": "2.0", "id": "s-busy", "result": {}}, CALLER)
    finally:
        for task in blocked:
            task.cancel()
        await asyncio.gather(*blocked, return_exceptions=True)
        for follower in followers:
            await follower.aclose()
        await store.aclose()


async def test_the_heartbeat_beats_while_every_pooled_connection_is_blocked(redis_server: RedisServer) -> None:
    store = RedisEventStore(
        connect(redis_server.url, max_connections=2), key_prefix="beat:", max_blocking_waits=2, orphan_message=orphan
    )
    stream = new_stream_id()
    await store.open(stream, 1, CALLER)  # starts the heartbeat
    followers = [store.follow(stream, START, poll_seconds=5.0, caller=CALLER) for _ in range(2)]
    blocked = [asyncio.create_task(anext(follower)) for follower in followers]
    checker = redis_store(redis_server.url, "beat:")
    try:
        await asyncio.sleep(4.5)  # past the heartbeat key's TTL (3 s), the pool all blocked meanwhile
        assert await checker.client.exists(checker.keys.alive(store.worker_id))
    finally:
        for task in blocked:
            task.cancel()
        await asyncio.gather(*blocked, return_exceptions=True)
        for follower in followers:
            await follower.aclose()
        await checker.aclose()
        await store.aclose()
