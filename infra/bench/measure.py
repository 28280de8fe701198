"""Turning wrk runs and /proc readings into figures: rounds, medians, cold starts, memory growth."""

import statistics
import time
from collections.abc import Sequence
from dataclasses import dataclass, fields
from pathlib import Path

from infra.bench.load import drive
from infra.bench.peers import Peer
from infra.bench.process import CLK_TCK, SERVER_CPU, Server, launch
from infra.bench.workloads import CALL_LEGACY, Workload

NOISY_SHARE = 0.2
"""A run in which the hypervisor and other processes took more of the server's core is noise."""
_SETTLE = 0.5
_MAX_MEMORY_RUNS = 20


@dataclass(frozen=True)
class Plan:
    """How long and how often each server is driven."""

    duration: int
    warmup: int
    rounds: int
    connections: int


@dataclass(frozen=True)
class Sample:
    """One measured run against one server.

    ``server_busy`` is the share of a core the server's processes used (the kernel's loopback
    work, softirq, is charged to no process, so a saturated server shows 80-90 %); ``client_busy``
    near 1 would mean wrk was the limit. ``steal`` (taken by the hypervisor) and ``other`` (used
    by processes other than the server and wrk) are shares of the server's core: the noise.
    """

    rps: float
    p50_ms: float
    p99_ms: float
    cpu_us: float
    rss_mib: float
    server_busy: float
    client_busy: float
    steal: float
    other: float

    @property
    def noisy(self) -> bool:
        return self.steal + self.other > NOISY_SHARE


@dataclass(frozen=True)
class Result:
    """Every round of one workload against one server, and the per-figure medians. ``phase`` is the
    workload whose rounds it was measured in: its own, or another one it is the reference for."""

    workload: str
    phase: str
    peer: str
    role: str
    workers: int
    median: Sample
    samples: tuple[Sample, ...]
    problem: str
    redone: int

    @property
    def valid(self) -> bool:
        return not self.problem


@dataclass(frozen=True)
class _Ticks:
    busy: int
    steal: int
    total: int


def _core_ticks(server: Server) -> _Ticks:
    """The server's core from /proc/stat (all cores for an unpinned multi-worker run)."""
    name = f"cpu{SERVER_CPU}" if server.workers == 1 else "cpu"
    line = next(line for line in Path("/proc/stat").read_text().splitlines() if line.split()[0] == name)
    ticks = [int(field) for field in line.split()[1:9]]  # user nice system idle iowait irq softirq steal
    return _Ticks(sum(ticks[:3]), ticks[7], sum(ticks))


def _sample(server: Server, workload: Workload, plan: Plan, load_cpu: str | None) -> tuple[Sample, str]:
    cpu_before, ticks_before = server.cpu_seconds(), _core_ticks(server)
    load = drive(server.url, workload, plan.duration, plan.connections, load_cpu)
    cpu = server.cpu_seconds() - cpu_before
    ticks_after = _core_ticks(server)
    observed = max(ticks_after.total - ticks_before.total, 1) / CLK_TCK
    # Unpinned, wrk shares the cores being watched, so its time is not "other".
    accounted = cpu + (load.client_cpu_seconds if load_cpu is None else 0.0)
    busy = (ticks_after.busy - ticks_before.busy) / CLK_TCK
    sample = Sample(
        rps=load.good / load.seconds,
        p50_ms=load.p50_ms,
        p99_ms=load.p99_ms,
        cpu_us=cpu / max(load.good, 1) * 1e6,
        rss_mib=server.rss_mib(),
        server_busy=cpu / load.seconds,
        client_busy=load.client_cpu_seconds / load.seconds,
        steal=(ticks_after.steal - ticks_before.steal) / CLK_TCK / observed,
        other=max(busy - accounted, 0.0) / observed,
    )
    return sample, load.problem


def _median(samples: Sequence[Sample]) -> Sample:
    return Sample(**{f.name: statistics.median(getattr(s, f.name) for s in samples) for f in fields(Sample)})


def compare(
    contestants: Sequence[tuple[Server, Workload]], phase: Workload, plan: Plan, load_cpu: str | None
) -> list[Result]:
    """Warm every contestant up, then drive them in turn, round after round (A B C, A B C), so that
    drift on the machine hits all of them alike. A round in which other work took a visible share
    of the server's core is measured again, at most ``plan.rounds`` times (the noise comes in bursts
    on a shared host); ``Result.redone`` counts those rounds."""
    for server, workload in contestants:
        drive(server.url, workload, plan.warmup, plan.connections, load_cpu)
    runs: list[list[tuple[Sample, str]]] = [[] for _ in contestants]
    redone = 0
    while len(runs[0]) < plan.rounds:
        measured = [_sample(server, workload, plan, load_cpu) for server, workload in contestants]
        if redone < plan.rounds and any(sample.noisy for sample, _ in measured):
            redone += 1
            continue
        for run, entry in zip(runs, measured, strict=True):
            run.append(entry)
    results = []
    for (server, workload), run in zip(contestants, runs, strict=True):
        samples = tuple(sample for sample, _ in run)
        problem = next((problem for _, problem in run if problem), "")
        peer = server.peer
        median = _median(samples)
        results.append(
            Result(
                workload.name, phase.name, peer.name, peer.role.value, server.workers, median, samples, problem, redone
            )
        )
    return results


@dataclass(frozen=True)
class ColdStart:
    """Seconds from spawn to the first correct answer to the probe (a tools/call), per spawn."""

    spawns: tuple[float, ...]

    @property
    def median(self) -> float:
        return statistics.median(self.spawns)

    def describe(self) -> str:
        return f"{self.median:.2f} s (each: {', '.join(f'{s:.2f}' for s in self.spawns)})"


def cold_start(peer: Peer, spawns: int) -> ColdStart:
    """Spawn ``peer`` ``spawns`` times, one at a time, before any server under load is running."""
    times = []
    for _ in range(spawns):
        with launch(peer) as (_server, seconds):
            times.append(seconds)
    return ColdStart(tuple(times))


@dataclass(frozen=True)
class Memory:
    """RSS before and after ``requests`` tools/calls on a warmed-up server."""

    requests: int
    before_mib: float
    after_mib: float
    problem: str

    @property
    def growth_mib(self) -> float:
        return self.after_mib - self.before_mib


def memory_growth(server: Server, requests: int, plan: Plan, load_cpu: str) -> Memory:
    """Drive ``server`` until at least ``requests`` correct answers, in runs sized from the warm-up
    rate (wrk cannot stop at a count) and bounded in number."""
    warmup = drive(server.url, CALL_LEGACY, plan.warmup, plan.connections, load_cpu)
    rate = max(warmup.good / warmup.seconds, 1.0)
    time.sleep(_SETTLE)
    before = server.rss_mib()
    done, problem = 0, warmup.problem
    for _ in range(_MAX_MEMORY_RUNS):
        if done >= requests or problem:
            break
        seconds = min(max(round((requests - done) / rate * 1.1), 1), 60)
        load = drive(server.url, CALL_LEGACY, seconds, plan.connections, load_cpu)
        done, problem = done + load.good, load.problem
    time.sleep(_SETTLE)
    if done < requests and not problem:
        problem = f"only {done} of {requests} requests in {_MAX_MEMORY_RUNS} runs"
    return Memory(done, before, server.rss_mib(), problem)
