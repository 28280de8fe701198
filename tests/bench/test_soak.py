"""The short soak in ``make test``: each reply kind on each event store, 20,000 calls after warm-up
(``python -m infra.bench --soak`` runs the million-call one and writes infra/bench/soak.md).

It must catch the leak it was written for: the old store kept every finished stream for an hour
(13.6 KiB each then, 1.9 KiB since stored events are exact copies), so the worker, or Redis, grew
with every resumable call. Run against a store that does so (retention 3600 s, no bound on streams
or bytes), this test saw the worker grow by 49 MiB and Redis by 83 MiB, keeping 43,000 keys past the
window; bounded, both move by less than a MiB here (0.1 MiB over a million calls). 16 MiB lies well
between. A one-second retention window lets the stores reach their steady size early in the run,
and lets Redis be seen to let go of every stream once it has passed.

A load test: wrk and the worker take both cores for about 45 s; run it alone on the machine.
"""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from infra.bench.load import wrk_version
from infra.bench.soak import KINDS, STORES, SoakPlan, SoakRun, soak
from infra.bench.soak_report import settings_line
from infra.bench.soak_verdict import Limits, problems
from tests.support.redis_server import RedisServer

PLAN = SoakPlan(calls=20_000, retention_seconds=1)
LIMITS = Limits(rss_growth_mib=16.0, redis_growth_mib=16.0)


@pytest.fixture(scope="module")
def soak_redis() -> Iterator[str]:
    """A Redis of the soak's own (it empties it and counts every key); fails, never skips, without
    redis-server or wrk."""
    wrk_version()
    server = RedisServer()
    server.start()
    try:
        yield server.url
    finally:
        server.stop()


def _figures(run: SoakRun) -> str:
    warm = run.warm
    rss = f"RSS {'?' if warm is None else f'{warm.rss_mib:.1f}'} -> {run.end.rss_mib:.1f} MiB"
    redis = run.redis_readings()
    if redis and run.after_window is not None:
        peak = max(redis, key=lambda r: r.keys)
        rss += (
            f"; Redis peak {peak.used_mib:.1f} MiB / {peak.keys:,} keys, "
            f"after the window {run.after_window.used_mib:.1f} MiB / {run.after_window.keys:,} keys"
        )
    return f"{run.kind} on {run.store}: {run.calls:,} calls at {run.rps:,.0f} req/s, {rss}"


@pytest.mark.parametrize("store", STORES)
@pytest.mark.parametrize("kind", KINDS)
def test_memory_stays_flat_under_sustained_load(kind: str, store: str, soak_redis: str) -> None:
    run = soak(kind, store, PLAN, soak_redis)
    print(_figures(run))
    assert problems(run, LIMITS) == [], f"{_figures(run)}; settings: {settings_line(run.plan)}"
