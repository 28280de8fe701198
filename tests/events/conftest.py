"""What the event-store tests share: both stores built the same way, and readers of a stream.

The Redis stores use a real ``redis-server`` (the session's ``redis_server`` fixture) and a real Redis
Cluster of three masters (``redis_cluster``): the memory store asks for the server too, so a machine
without Redis fails the contract loudly instead of testing a third of it.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable
from typing import Any

import orjson
import pytest

from app.events.memory import MemoryEventStore
from app.events.redis_client import connect
from app.events.redis_store import RedisEventStore
from app.events.store import Event, EventStore
from tests.support.redis_server import RedisServer

CALLER = "caller-key-1"
"""Whose streams and answers these are (a principal's key)."""
STRANGER = "caller-key-2"

StoreFactory = Callable[..., EventStore]
"""Builds the store under test with the given options (``ttl_seconds``, ``retention_seconds``...)."""


def orphan(request_id: str | int) -> bytes:
    return orjson.dumps({"jsonrpc": "2.0", "id": request_id, "error": {"code": -32603, "message": "worker died"}})


def redis_store(url: str, prefix: str = "test:", **options: Any) -> RedisEventStore:
    return RedisEventStore(
        connect(url, options.pop("max_connections", 64)),
        key_prefix=prefix,
        **{"max_events": 100, "ttl_seconds": 60, **options},
        orphan_message=orphan,
    )


@pytest.fixture(params=["memory", "redis", "redis-cluster"])
async def make_store(request: pytest.FixtureRequest, redis_server: RedisServer) -> AsyncIterator[StoreFactory]:
    made: list[EventStore] = []
    url = redis_server.url if request.param == "redis" else ""
    if request.param == "redis-cluster":
        url = request.getfixturevalue("redis_cluster").url

    def make(**options: Any) -> EventStore:
        if url:
            store: EventStore = redis_store(url, **options)
        else:
            store = MemoryEventStore(**{"max_events": 100, "ttl_seconds": 60, **options})
        made.append(store)
        return store

    yield make
    for store in made:
        await store.aclose()


@pytest.fixture
def store(make_store: StoreFactory) -> EventStore:
    return make_store()


async def collect(store: EventStore, stream_id: str, after: str) -> list[tuple[bytes, bool]]:
    """Every event from ``after`` to the end of an ended stream."""
    events = []
    async for event in store.follow(stream_id, after, poll_seconds=0.2, caller=CALLER):
        if event is not None:
            events.append((event.data, event.final))
    return events


async def collect_until_idle(store: EventStore, stream_id: str, after: str) -> list[Event]:
    """The events from ``after`` that are there now, of an ended stream or not."""
    events = []
    async for event in store.follow(stream_id, after, poll_seconds=0.1, caller=CALLER):
        if event is None:
            break
        events.append(event)
    return events
