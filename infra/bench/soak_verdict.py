"""Whether a soak run's memory stayed flat: the one judgement shared by the report and the test.

Growth is measured from the first warm reading to the last, never from the start: a worker's first
calls import lazily, fill caches and grow the allocator's arenas, and a store fills up to its steady
size during the first retention window. After that a bounded worker and a bounded Redis stay flat,
while a leak grows with every call.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

from infra.bench.soak import NEAR_ZERO_KEYS, SoakRun


@dataclass(frozen=True)
class Limits:
    """What counts as growing. 32 MiB per worker is the issue's threshold for a million calls."""

    rss_growth_mib: float = 32.0
    redis_growth_mib: float = 32.0
    keys_left: int = NEAR_ZERO_KEYS


def problems(run: SoakRun, limits: Limits) -> list[str]:
    """Why ``run`` is not flat, in words; empty when it is."""
    if run.problem:
        return [f"invalid run: {run.problem}"]
    if run.warm is None:
        return ["the run ended before warm-up"]
    found = []
    if not run.rss_growth_mib < limits.rss_growth_mib:
        found.append(f"worker RSS grew {run.rss_growth_mib:+.1f} MiB after warm-up (limit {limits.rss_growth_mib:g})")
    if run.store == "redis":
        growth = run.redis_growth_mib
        if math.isnan(growth) or not growth < limits.redis_growth_mib:
            found.append(f"Redis used_memory grew {growth:+.1f} MiB after warm-up (limit {limits.redis_growth_mib:g})")
        left = run.after_window
        if left is None or left.keys > limits.keys_left:
            keys = "?" if left is None else f"{left.keys:,}"
            found.append(
                f"Redis still held {keys} keys {run.waited_seconds:.0f} s after the load "
                f"(retention {run.plan.retention_seconds} s; at most {limits.keys_left} may stay)"
            )
    return found


def verdict(run: SoakRun, limits: Limits) -> str:
    """``flat``, ``GROWING`` or ``INVALID`` (a run with a wrong answer shows nothing about memory)."""
    if run.problem:
        return "INVALID"
    return "GROWING" if problems(run, limits) else "flat"
