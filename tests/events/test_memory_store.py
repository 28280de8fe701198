"""The in-memory store's bounds: what it holds depends on its settings, never on how much traffic came."""

from __future__ import annotations

import asyncio
import gc
import tracemalloc

import orjson
import pytest

from app.events import memory
from app.events.ids import START, new_stream_id
from app.events.memory import MemoryEventStore
from app.events.store import StreamNotFound
from tests.events.conftest import CALLER, collect, collect_until_idle


async def resumable(store: MemoryEventStore, stream_id: str) -> bool:
    try:
        await collect_until_idle(store, stream_id, START)
    except StreamNotFound:
        return False
    return True


async def finished_stream(store: MemoryEventStore, size: int = 100) -> str:
    stream = new_stream_id()
    await store.open(stream, 1, CALLER)
    await store.append(stream, b"r" * size, final=True)
    return stream


async def test_past_max_streams_finished_streams_go_first_then_the_longest_silent() -> None:
    store = MemoryEventStore(max_streams=4)
    running = [new_stream_id() for _ in range(3)]
    for stream in running:
        await store.open(stream, 1, CALLER)
    finished = [await finished_stream(store) for _ in range(3)]
    assert len(store) == 4
    assert [await resumable(store, stream) for stream in finished] == [False, False, True], "oldest finished first"
    await store.append(running[0], b"still talking")  # now the most recent of the running ones
    for n in range(3):  # the first takes the last finished stream's place, the others two running ones'
        await store.open(new_stream_id(), n, CALLER)
    assert len(store) == 4
    assert [await resumable(store, stream) for stream in running] == [True, False, False]


async def test_past_max_events_a_stream_keeps_its_newest() -> None:
    store, same_three = MemoryEventStore(max_events=3), MemoryEventStore()
    stream = new_stream_id()
    await store.open(stream, 1, CALLER)
    await same_three.open(stream, 1, CALLER)
    for n in range(5):
        await store.append(stream, f"e{n}".encode() * 50)
    await store.append(stream, b"end", final=True)
    assert await collect(store, stream, START) == [(b"e3" * 50, False), (b"e4" * 50, False), (b"end", True)]
    for data in (b"e3" * 50, b"e4" * 50, b"end"):
        await same_three.append(stream, data)
    assert store.size == same_three.size, "trimmed events are no longer counted"


async def test_past_max_bytes_the_oldest_finished_streams_go_first() -> None:
    store = MemoryEventStore(max_bytes=20_000)
    running = new_stream_id()
    await store.open(running, 0, CALLER)
    await store.append(running, b"x" * 1000)
    finished = [await finished_stream(store, 1000) for _ in range(50)]
    assert store.size <= 20_000
    assert await resumable(store, running), "the running stream outlives fifty finished ones"
    kept = [await resumable(store, stream) for stream in finished]
    assert kept[-1] and not kept[0] and kept == sorted(kept), "the oldest went, the newest stayed"


async def test_a_follower_of_a_dropped_stream_is_told_at_once() -> None:
    store = MemoryEventStore(max_streams=1)
    stream = new_stream_id()
    await store.open(stream, 1, CALLER)
    follower = store.follow(stream, START, poll_seconds=30, caller=CALLER)
    waiting = asyncio.create_task(anext(follower))
    await asyncio.sleep(0.05)
    await store.open(new_stream_id(), 2, CALLER)  # past max_streams: the running stream goes
    with pytest.raises(StreamNotFound):
        await asyncio.wait_for(waiting, 1)


async def test_expired_streams_are_forgotten_without_waiting_for_a_sweep() -> None:
    store = MemoryEventStore(ttl_seconds=0.2, retention_seconds=0.2)
    for n in range(20):
        stream = new_stream_id()
        await store.open(stream, n, CALLER)
        await store.append(stream, b"x", final=n % 2 == 0)
    assert len(store) == 20
    await asyncio.sleep(0.3)
    await store.open(new_stream_id(), 99, CALLER)
    assert len(store) == 1
    assert store.size < 1000


async def test_a_silent_follower_holds_one_waiter_at_most() -> None:
    store = MemoryEventStore()
    stream = new_stream_id()
    await store.open(stream, 1, CALLER)
    follower = store.follow(stream, START, poll_seconds=0.01, caller=CALLER)
    for _ in range(30):
        assert await anext(follower) is None
    assert len(store._live[stream].waiters or ()) <= 1
    await follower.aclose()


async def test_an_answer_never_waited_for_is_forgotten(monkeypatch: pytest.MonkeyPatch) -> None:
    """``expect_reply`` without ``wait_for_reply`` (the request never went out): the announcement
    lapses with its timeout instead of staying for good."""
    monkeypatch.setattr(memory, "_REPLY_GRACE_SECONDS", 0.0)
    store = MemoryEventStore()
    await store.expect_reply("s-lapsed", 0.1, CALLER)
    await asyncio.sleep(0.2)
    await store.expect_reply("s-next", 5, CALLER)
    assert not await store.deliver("s-lapsed", {"jsonrpc": "2.0", "id": "s-lapsed", "result": {}}, CALLER)
    assert await store.deliver("s-next", {"jsonrpc": "2.0", "id": "s-next", "result": {}}, CALLER)


def progress(n: int) -> bytes:
    params = {"progressToken": "p1-" + "x" * 60, "progress": n, "total": 3, "message": f"step {n} of 3"}
    return orjson.dumps({"jsonrpc": "2.0", "method": "notifications/progress", "params": params})


def result(request_id: int) -> bytes:
    content = [{"type": "text", "text": "hello " * 30}]
    return orjson.dumps({"jsonrpc": "2.0", "id": request_id, "result": {"content": content, "isError": False}})


async def test_a_retained_stream_costs_its_data_and_a_few_hundred_bytes() -> None:
    """Three progress events and a result, as the benchmark's ``progress_echo`` streams them, each
    from ``orjson.dumps`` (whose ``bytes`` sit in a 4 KiB block: the store must keep exact copies)."""
    store = MemoryEventStore(max_streams=10_000, retention_seconds=600)
    data_size = 3 * len(progress(1)) + len(result(1))
    count = 500
    gc.collect()
    tracemalloc.start()
    try:
        before = tracemalloc.get_traced_memory()[0]
        for n in range(count):
            stream = new_stream_id()
            await store.open(stream, n, CALLER)
            for step in (1, 2, 3):
                await store.append(stream, progress(step))
            await store.append(stream, result(n), final=True)
        gc.collect()
        per_stream = (tracemalloc.get_traced_memory()[0] - before) / count
    finally:
        tracemalloc.stop()
    assert len(store) == count
    assert per_stream < data_size + 700, f"{per_stream:.0f} B per stream for {data_size} B of events"
