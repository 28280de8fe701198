"""The soak: one worker of ours under sustained load, one reply kind and one event store at a time,
its memory read all along.

A leak shows only over many calls: a finished stream kept for an hour costs some KiB, which the
allocator's noise hides for the minute a benchmark round lasts. So a run is counted in calls, not
seconds. wrk cannot stop at a count, so it drives the worker in one-second slices; after each slice
the worker's RSS and, with the Redis store, Redis' used_memory and key count are read: a reading a
second, each tied to the calls answered so far. With the Redis store the run then waits for the
retention window to pass and reads Redis once more: what is left then is what it never lets go.

``python -m infra.bench --soak`` runs it (``python -m infra.bench.soak`` too, for ``make soak``).
"""

from __future__ import annotations

import contextlib
import math
import sys
import time
from collections.abc import Sequence
from dataclasses import dataclass, replace

from infra.bench.load import LOAD_CPU, drive
from infra.bench.peers import OURS
from infra.bench.process import Server, launch
from infra.bench.redis_server import RedisGauge, RedisMemory, redis_server
from infra.bench.workloads import CALL_LEGACY, CALL_TASK, SSE_PROGRESS, SSE_RESUMABLE, Workload

KINDS: dict[str, Workload] = {"json": CALL_LEGACY, "sse": SSE_PROGRESS, "resumable": SSE_RESUMABLE, "task": CALL_TASK}
"""The reply kinds: one JSON body; an SSE stream of 3 progress events and the result, not stored;
the same on 2025-11-25, resumable, so every event is stored; a call answered with a task handle, the
task kept in the store for its TTL (the retention window here)."""
STORES = ("memory", "redis")
OWN_SETTINGS = frozenset(
    {"FASTMCP_EVENT_STORE", "FASTMCP_REDIS_URL", "FASTMCP_EVENT_STORE_RETENTION_SECONDS", "FASTMCP_TASK_TTL_SECONDS"}
)
"""Set by the soak itself, per run; every other ``FASTMCP_*`` setting is at its default unless given."""
NEAR_ZERO_KEYS = 10
"""Keys Redis may still hold once the retention window has passed: the worker's heartbeat and the
odd call in flight, never streams by the thousand."""
_EXPIRY_GRACE = 5.0
"""Redis expires keys in the background, a little after their TTL."""
LONGEST_WAIT = 60.0
"""A retention window longer than this (an hour, the old behaviour) is not waited out, for warm-up
or for the keys to go: growth past a minute, and keys still there after it, are the answer."""


@dataclass(frozen=True)
class SoakPlan:
    """How long and how hard each run drives the worker, and the settings it runs with."""

    calls: int = 1_000_000
    retention_seconds: int = 5
    """``FASTMCP_EVENT_STORE_RETENTION_SECONDS``: short, so the window's bound shows within the run."""
    warmup_share: float = 0.1
    connections: int = 16
    slice_seconds: int = 1
    settings: tuple[tuple[str, str], ...] = ()
    """Further ``FASTMCP_*`` settings (e.g. the old unbounded store, to see the soak fail)."""

    @property
    def warmup_calls(self) -> int:
        return math.ceil(self.calls * self.warmup_share)

    @property
    def window_seconds(self) -> float:
        """The retention window as far as the soak waits it out (``LONGEST_WAIT`` at most)."""
        return min(self.retention_seconds, LONGEST_WAIT)

    @property
    def warmup_seconds(self) -> float:
        """Before a whole retention window has passed, no finished stream has expired yet: a store
        cannot be at its steady size, so no reading before it counts as warm."""
        return self.window_seconds + 1.0

    def environment(self, store: str, redis_url: str | None) -> tuple[tuple[str, str], ...]:
        own = {
            "FASTMCP_EVENT_STORE": store,
            "FASTMCP_EVENT_STORE_RETENTION_SECONDS": str(self.retention_seconds),
            "FASTMCP_TASK_TTL_SECONDS": str(self.retention_seconds),
        }
        if redis_url is not None:
            own["FASTMCP_REDIS_URL"] = redis_url
        return (*OURS.env, *own.items(), *self.settings)


@dataclass(frozen=True)
class Reading:
    """The worker after ``calls`` correct answers and ``seconds`` of load (pauses to read excluded)."""

    calls: int
    seconds: float
    rss_mib: float
    redis: RedisMemory | None


@dataclass(frozen=True)
class SoakRun:
    """One reply kind on one store: every reading, and Redis once the retention window had passed."""

    kind: str
    store: str
    plan: SoakPlan
    readings: tuple[Reading, ...]
    after_window: RedisMemory | None
    waited_seconds: float
    wall_seconds: float
    problem: str
    """Empty unless a slice had a wrong answer or a socket error: then the figures prove nothing."""

    @property
    def warm(self) -> Reading | None:
        return _warm(self.readings, self.plan)

    @property
    def end(self) -> Reading:
        return self.readings[-1]

    @property
    def calls(self) -> int:
        return self.end.calls

    @property
    def rps(self) -> float:
        return self.end.calls / self.end.seconds if self.end.seconds else 0.0

    @property
    def rss_growth_mib(self) -> float:
        warm = self.warm
        return self.end.rss_mib - warm.rss_mib if warm is not None else math.nan

    @property
    def redis_growth_mib(self) -> float:
        warm, end = self.warm, self.end.redis
        if warm is None or warm.redis is None or end is None:
            return math.nan
        return end.used_mib - warm.redis.used_mib

    def redis_readings(self) -> list[RedisMemory]:
        return [r.redis for r in self.readings if r.redis is not None]


def _warm(readings: Sequence[Reading], plan: SoakPlan) -> Reading | None:
    """The first reading after warm-up: ``plan.warmup_share`` of the calls and a retention window."""
    return next((r for r in readings if r.calls >= plan.warmup_calls and r.seconds >= plan.warmup_seconds), None)


def _finished(readings: Sequence[Reading], plan: SoakPlan) -> bool:
    """At least ``calls`` in all, and all but the warm-up share of them after warm-up (so a short run
    whose warm-up is set by the retention window still measures that many calls warm)."""
    end, warm = readings[-1], _warm(readings, plan)
    return warm is not None and end.calls >= plan.calls and end.calls - warm.calls >= plan.calls - plan.warmup_calls


def _read(server: Server, gauge: RedisGauge | None, calls: int, seconds: float) -> Reading:
    return Reading(calls, seconds, server.rss_mib(), gauge.read() if gauge is not None else None)


def soak(kind: str, store: str, plan: SoakPlan, redis_url: str | None = None) -> SoakRun:
    """Drive a fresh worker with ``kind`` on ``store`` (``redis_url`` needed for Redis, which is emptied first)."""
    if store == "redis" and redis_url is None:
        raise ValueError("the Redis store needs a redis_url")
    workload = KINDS[kind]
    url = redis_url if store == "redis" else None
    peer = replace(OURS, name=f"ours ({kind}, {store} store)", env=plan.environment(store, url))
    started = time.monotonic()
    with contextlib.ExitStack() as stack:
        gauge = stack.enter_context(RedisGauge(url)) if url is not None else None
        if gauge is not None:
            gauge.empty()
        server, _ = stack.enter_context(launch(peer))
        readings = [_read(server, gauge, 0, 0.0)]
        problem = ""
        while not problem and not _finished(readings, plan):
            load = drive(server.url, workload, plan.slice_seconds, plan.connections, LOAD_CPU)
            problem = load.problem
            last = readings[-1]
            readings.append(_read(server, gauge, last.calls + load.good, last.seconds + load.seconds))
        after, waited = None, 0.0
        if gauge is not None:
            time.sleep(plan.window_seconds)
            after, grace = gauge.wait_for_keys(NEAR_ZERO_KEYS, _EXPIRY_GRACE)
            waited = plan.window_seconds + grace
    return SoakRun(kind, store, plan, tuple(readings), after, waited, time.monotonic() - started, problem)


def soak_all(plan: SoakPlan, kinds: Sequence[str], stores: Sequence[str]) -> list[SoakRun]:
    """Every kind on every store, one after the other, with a Redis of its own for the Redis store."""
    runs = []
    with contextlib.ExitStack() as stack:
        redis_url = stack.enter_context(redis_server()) if "redis" in stores else None
        for store in stores:
            for kind in kinds:
                print(f"soak: {kind} on the {store} store, {plan.calls:,} calls...", file=sys.stderr)
                run = soak(kind, store, plan, redis_url)
                print(f"  {run.calls:,} calls, {run.rps:,.0f} req/s, {run.wall_seconds:.0f} s", file=sys.stderr)
                runs.append(run)
    return runs


if __name__ == "__main__":
    from infra.bench.__main__ import main

    sys.exit(main(["--soak", *sys.argv[1:]]))
