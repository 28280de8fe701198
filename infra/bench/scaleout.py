"""The scale-out path on one pinned worker: the 3-progress SSE reply plain (2025-06-18), resumable
with the memory store and resumable with Redis (2025-11-25), driven side by side in the same rounds;
then the Redis round trips one resumable call costs, read from Redis around a wrk run.

A round trip is one read of a client's request by Redis (``INFO stats`` total_reads_processed: a
script or a pipeline is one, however many commands it runs); the commands, scripts' own included,
come from ``INFO commandstats``. Both include the worker's background heartbeat (one a second).
"""

from __future__ import annotations

import contextlib
import sys
from collections.abc import Iterator
from dataclasses import dataclass, replace

import redis

from infra.bench.load import drive
from infra.bench.measure import Plan, Result, compare
from infra.bench.peers import OURS, Peer
from infra.bench.process import Server, launch
from infra.bench.redis_server import redis_server
from infra.bench.workloads import SSE_PROGRESS, SSE_RESUMABLE

REDIS_STORE = replace(
    OURS,
    name="ours, Redis store",
    answers=frozenset({SSE_RESUMABLE.name}),
    ready=SSE_RESUMABLE,
)
"""Our app on a Redis store; its URL is added when the bench's own redis-server is up."""
_COUNT_SECONDS = 2


@dataclass(frozen=True)
class RoundTrips:
    """Redis round trips and commands per correct resumable call, over ``calls`` calls."""

    calls: int
    per_call: float
    commands: dict[str, float]

    def describe(self) -> str:
        parts = ", ".join(f"{name} {count:.2f}" for name, count in sorted(self.commands.items()))
        return f"{self.per_call:.2f} round trips per call over {self.calls:,} calls (commands per call: {parts})"


def _reading(client: redis.Redis) -> tuple[int, dict[str, int]]:
    """Reads processed so far (this one included), and calls so far by command."""
    reads = int(client.info("stats")["total_reads_processed"])
    stats = client.info("commandstats")
    return reads, {name.removeprefix("cmdstat_"): int(figures["calls"]) for name, figures in stats.items()}


def round_trips(server: Server, redis_url: str, load_cpu: str | None) -> RoundTrips:
    """Drive ``server`` with resumable calls and count what Redis did meanwhile (less our two reads)."""
    with redis.Redis.from_url(redis_url) as client:
        reads_before, before = _reading(client)
        load = drive(server.url, SSE_RESUMABLE, _COUNT_SECONDS, 32, load_cpu)
        reads_after, after = _reading(client)
    calls = max(load.good, 1)
    counted = {name: (count - before.get(name, 0)) / calls for name, count in after.items() if name != "info"}
    commands = {name: count for name, count in counted.items() if count > 0}
    return RoundTrips(load.good, (reads_after - reads_before - 2) / calls, commands)


@contextlib.contextmanager
def _servers(redis_cpu: str | None) -> Iterator[tuple[Server, Server, str]]:
    with redis_server(redis_cpu) as url, launch(OURS) as (memory, _):
        peer: Peer = replace(REDIS_STORE, env=(*OURS.env, ("FASTMCP_EVENT_STORE", "redis"), ("FASTMCP_REDIS_URL", url)))
        with launch(peer) as (on_redis, _):
            yield memory, on_redis, url


def measure(plan: Plan, load_cpu: str | None) -> tuple[list[Result], RoundTrips]:
    """The three SSE rows, side by side, and the round trips of the Redis one. Redis shares wrk's
    core, so that the worker's core is its own, as for the other rows."""
    with _servers(load_cpu) as (memory, on_redis, url):
        print(f"{SSE_RESUMABLE.title}, by store...", file=sys.stderr)
        contestants = [(memory, SSE_PROGRESS), (memory, SSE_RESUMABLE), (on_redis, SSE_RESUMABLE)]
        results = compare(contestants, SSE_RESUMABLE, plan, load_cpu)
        return results, round_trips(on_redis, url, load_cpu)
