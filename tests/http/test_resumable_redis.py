"""A resumable reply on the Redis store, seen from Redis: what a call costs it in round trips, and that
every event id the client holds names an event already stored, while the call still runs."""

from __future__ import annotations

import json
import secrets
from collections.abc import Iterator

import httpx
import pytest
import redis

from app.events.ids import parse_event_id
from app.transport.reply import MAX_HELD_EVENTS
from tests.support.redis_server import RedisServer
from tests.support.servers import EXAMPLE_SERVER, RunningServer, ServerPool, ServerSpec
from tests.support.sse import iter_events

HEADERS = {
    "Accept": "application/json, text/event-stream",
    "Content-Type": "application/json",
    "MCP-Protocol-Version": "2025-11-25",
}
CALLS = 30
BENCH_SERVER = "infra.bench.servers.ours:server"


def _on_redis(pool: ServerPool, redis_url: str, target: str) -> RunningServer:
    """``target`` on the Redis store, under a key prefix of its own."""
    return pool.get(
        ServerSpec.of(
            target,
            FASTMCP_EVENT_STORE="redis",
            FASTMCP_REDIS_URL=redis_url,
            FASTMCP_REDIS_KEY_PREFIX="resumable:",
            FASTMCP_REQUEST_STATE_KEYS=json.dumps([secrets.token_hex(32)]),
        )
    )


@pytest.fixture(scope="module")
def bench_tools(server_pool: ServerPool, redis_server: RedisServer) -> RunningServer:
    """The benchmark's tools: ``progress_echo`` reports three progress events and returns at once."""
    return _on_redis(server_pool, redis_server.url, BENCH_SERVER)


@pytest.fixture(scope="module")
def example_tools(server_pool: ServerPool, redis_server: RedisServer) -> RunningServer:
    """The example tools: ``countdown`` reports progress, then sleeps a second."""
    return _on_redis(server_pool, redis_server.url, EXAMPLE_SERVER)


@pytest.fixture(scope="module")
def test_tools(server_pool: ServerPool, redis_server: RedisServer) -> RunningServer:
    """The scale-out tests' tools: ``burst`` reports progress many times in one loop tick."""
    return _on_redis(server_pool, redis_server.url, "tests.scaleout.tools:server")


@pytest.fixture(scope="module")
def inspector(redis_server: RedisServer) -> Iterator[redis.Redis]:
    with redis.Redis.from_url(redis_server.url) as client:
        yield client


def _call(tool: str, arguments: dict[str, object]) -> dict[str, object]:
    params = {"name": tool, "arguments": arguments, "_meta": {"progressToken": "p"}}
    return {"jsonrpc": "2.0", "id": 1, "method": "tools/call", "params": params}


def _reads(client: redis.Redis) -> int:
    return int(client.info("stats")["total_reads_processed"])


def test_a_call_with_three_progress_events_costs_one_round_trip(
    bench_tools: RunningServer, inspector: redis.Redis
) -> None:
    with httpx.Client(timeout=10) as http:
        body = _call("progress_echo", {"text": "hi"})
        http.post(bench_tools.url, json=body, headers=HEADERS)  # the script is loaded, the heartbeat beats
        before = _reads(inspector)
        for _ in range(CALLS):
            answer = http.post(bench_tools.url, json=body, headers=HEADERS)
            events = [event for event in iter_events(answer) if event.data]
            assert [event.id is not None for event in events] == [True] * 4  # three progress, the result
        trips = _reads(inspector) - before - 1  # less our second INFO
    # One script call per call; the heartbeat beats once a second on its own connection meanwhile.
    assert CALLS <= trips <= CALLS + 5, f"{trips} round trips for {CALLS} calls"


def test_every_id_the_client_holds_is_stored_while_the_call_runs(
    example_tools: RunningServer, inspector: redis.Redis
) -> None:
    with (
        httpx.Client(timeout=10) as http,
        http.stream("POST", example_tools.url, json=_call("countdown", {"seconds": 2}), headers=HEADERS) as response,
    ):
        events = iter_events(response)
        priming = next(events)
        first = next(events)  # the first progress; the call now sleeps a second before the next
        for event in (priming, first):
            assert event.id is not None
            parsed = parse_event_id(event.id)
            assert parsed is not None
            stream, position = parsed
            assert inspector.exists(f"resumable:{{s:{stream}}}:meta")
            if position != "0":
                assert inspector.xrange(f"resumable:{{s:{stream}}}:events", position, position)
        assert [event for event in events if event.message and "result" in event.message]


def test_a_burst_past_the_held_bound_arrives_whole_in_order_and_resumes_midway(test_tools: RunningServer) -> None:
    count = MAX_HELD_EVENTS * 2 + 50  # stored in several steps, the tool never pausing
    with httpx.Client(timeout=10) as http:
        answer = http.post(test_tools.url, json=_call("burst", {"count": count}), headers=HEADERS)
        events = [event for event in iter_events(answer) if event.data]
        progress = [event.message["params"]["progress"] for event in events[:-1] if event.message]
        assert progress == list(range(1, count + 1))
        assert events[-1].message is not None and events[-1].message["result"]["content"][0]["text"] == f"burst {count}"
        midway = events[MAX_HELD_EVENTS + 10].id
        assert midway is not None
        resumed = http.get(test_tools.url, headers={**HEADERS, "Last-Event-ID": midway})
        rest = [event.id for event in iter_events(resumed) if event.data]
        assert rest == [event.id for event in events[MAX_HELD_EVENTS + 11 :]]
