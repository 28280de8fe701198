"""One contract, run against every EventStore: the in-memory one and Redis (a real server)."""

from __future__ import annotations

import asyncio
import time

import pytest

from app.events.ids import START, new_stream_id, parse_event_id
from app.events.store import EventStore, Opening, ReplyTimeout, StoreClosed, StoreError, StreamNotFound
from tests.events.conftest import CALLER, STRANGER, StoreFactory, collect, collect_until_idle


def position_of(event_id: str) -> str:
    parsed = parse_event_id(event_id)
    assert parsed is not None
    return parsed[1]


def after(position: str) -> str:
    """The position just past ``position``, in the same store's notation."""
    milliseconds, dash, sequence = position.partition("-")
    return f"{milliseconds}-{int(sequence) + 1}" if dash else str(int(position) + 1)


async def test_follow_replays_in_order_and_ends_with_the_final_event(store: EventStore) -> None:
    stream = new_stream_id()
    await store.open(stream, 1, CALLER)
    ids = [await store.append(stream, f"e{n}".encode()) for n in range(3)]
    await store.append(stream, b"result", final=True)
    assert await collect(store, stream, START) == [(b"e0", False), (b"e1", False), (b"e2", False), (b"result", True)]
    assert await collect(store, stream, position_of(ids[1])) == [(b"e2", False), (b"result", True)]


async def test_one_write_opens_a_stream_and_stores_a_batch_with_its_final_event(store: EventStore) -> None:
    stream = new_stream_id()
    ids = await store.append_many(stream, [b"p1", b"p2"], opening=Opening(4, CALLER, "00-trace"))
    assert len(set(ids)) == 2
    assert await store.trace_of(stream) == "00-trace"
    ids += await store.append_many(stream, [b"p3", b"result"], final=True)
    assert await collect(store, stream, START) == [(b"p1", False), (b"p2", False), (b"p3", False), (b"result", True)]
    assert await collect(store, stream, position_of(ids[1])) == [(b"p3", False), (b"result", True)]
    with pytest.raises(StoreError):
        await store.append_many(stream, [b"late"])
    with pytest.raises(StreamNotFound):
        await store.append_many(new_stream_id(), [b"never opened"])


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


async def test_another_callers_stream_looks_like_no_stream(store: EventStore) -> None:
    stream = new_stream_id()
    await store.open(stream, 7, CALLER)
    await store.append(stream, b"mine", final=True)
    with pytest.raises(StreamNotFound):
        await anext(store.follow(stream, START, poll_seconds=0.2, caller=STRANGER))
    assert await collect(store, stream, START) == [(b"mine", True)]


# -- how long streams are kept ----------------------------------------------------------------


async def test_a_finished_stream_is_kept_for_the_retention_window_only(make_store: StoreFactory) -> None:
    store = make_store(ttl_seconds=60, retention_seconds=1)
    finished, running = new_stream_id(), new_stream_id()
    for stream in (finished, running):
        await store.open(stream, 1, CALLER)
        await store.append(stream, b"first")
    await store.append(finished, b"last", final=True)
    assert await collect(store, finished, START) == [(b"first", False), (b"last", True)], "within the window"
    await asyncio.sleep(1.3)
    with pytest.raises(StreamNotFound):
        await anext(store.follow(finished, START, poll_seconds=0.2, caller=CALLER))
    assert [event.data for event in await collect_until_idle(store, running, START)] == [b"first"], (
        "an unfinished stream keeps the TTL"
    )


async def test_an_unfinished_stream_lasts_its_ttl_after_its_last_event(make_store: StoreFactory) -> None:
    store = make_store(ttl_seconds=1)
    stream = new_stream_id()
    await store.open(stream, 1, CALLER)
    for n in range(3):  # 1.8 s in all, each event within the TTL of the one before
        await asyncio.sleep(0.6)
        await store.append(stream, f"e{n}".encode())
    assert len(await collect_until_idle(store, stream, START)) == 3
    await asyncio.sleep(1.3)
    with pytest.raises(StreamNotFound):
        await anext(store.follow(stream, START, poll_seconds=0.2, caller=CALLER))


# -- resuming at, past and beside the end ---------------------------------------------------------


async def test_resuming_at_the_end_of_a_finished_stream_ends_at_once(store: EventStore) -> None:
    stream = new_stream_id()
    await store.open(stream, 1, CALLER)
    await store.append(stream, b"a")
    last = position_of(await store.append(stream, b"b", final=True))
    started = time.monotonic()
    assert await asyncio.wait_for(collect(store, stream, last), 2) == []
    assert time.monotonic() - started < 0.15, "no polling for events that cannot come"


@pytest.mark.parametrize("finished", [False, True], ids=["running", "finished"])
async def test_a_position_the_stream_never_had_is_no_stream(store: EventStore, finished: bool) -> None:
    """Positions that parse as an event id's but name nothing the store can use: past the last event,
    beyond any counter or entry id (Redis would refuse ``99999999999999999999-0``), absurdly long."""
    stream = new_stream_id()
    await store.open(stream, 1, CALLER)
    last = position_of(await store.append(stream, b"a", final=finished))
    for position in (
        after(last),
        "99999999999999999999-0",
        "1-99999999999999999999",
        "99999999999999999999",
        "9" * 5000,
    ):
        follower = store.follow(stream, position, poll_seconds=0.2, caller=CALLER)
        with pytest.raises(StreamNotFound):
            await asyncio.wait_for(anext(follower), 2)


# -- answers to server-to-client requests -----------------------------------------------------


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


async def test_only_the_caller_may_answer(store: EventStore) -> None:
    await store.expect_reply("s-owned", 5, CALLER)
    answer = {"jsonrpc": "2.0", "id": "s-owned", "result": {"from": "stranger"}}
    assert not await store.deliver("s-owned", answer, STRANGER)
    assert await store.deliver("s-owned", {**answer, "result": {"from": "caller"}}, CALLER)
    assert (await store.wait_for_reply("s-owned", 5))["result"] == {"from": "caller"}


# -- the fleet channel ------------------------------------------------------------------------


async def test_a_published_message_reaches_this_workers_handler(store: EventStore) -> None:
    received: asyncio.Queue[bytes] = asyncio.Queue()
    store.subscribe("before", received.put_nowait)
    await store.start()
    await store.start()  # idempotent
    store.subscribe("after", lambda payload: received.put_nowait(b"after:" + payload))
    store.subscribe("broken", lambda payload: 1 / 0)  # type: ignore[arg-type, return-value]
    await store.publish("broken", b"x")  # logged, not raised, and the channel goes on
    await store.publish("nobody", b"x")
    await store.publish("before", b"one")
    await store.publish("after", b"two")
    assert [await asyncio.wait_for(received.get(), 1) for _ in range(2)] == [b"one", b"after:two"]


# -- closing ----------------------------------------------------------------------------------


async def test_closing_the_store_ends_every_wait_at_once(store: EventStore) -> None:
    stream = new_stream_id()
    await store.open(stream, 1, CALLER)
    await store.expect_reply("s-closing", 30, CALLER)
    follower = asyncio.create_task(collect(store, stream, START))
    answer = asyncio.create_task(store.wait_for_reply("s-closing", 30))
    await asyncio.sleep(0.3)  # both are waiting now
    started = time.monotonic()
    await store.aclose()
    for waiter in (follower, answer):
        with pytest.raises(StoreClosed):
            await asyncio.wait_for(waiter, 1)
    assert time.monotonic() - started < 0.5
    with pytest.raises(StoreClosed):
        await store.wait_for_reply("s-closing", 30)
