"""Turning wrk runs and /proc readings into figures: rounds, medians, cold starts, memory growth."""

import statistics
import time
from collections.abc import Sequence
from dataclasses import dataclass, fields

from infra.bench.load import drive
from infra.bench.peers import Peer
from infra.bench.process import Server, launch
from infra.bench.workloads import CALL_LEGACY, Workload

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
    """One measured run against one server. ``server_busy`` near 1 means the server was saturated
    (so CPU per request is its real cost); ``client_busy`` near 1 would mean wrk was the limit."""

    rps: float
    p50_ms: float
    p99_ms: float
    cpu_us: float
    rss_mib: float
    server_busy: float
    client_busy: float


@dataclass(frozen=True)
class Result:
    """Every round of one workload against one server, and the per-figure medians."""

    workload: str
    peer: str
    role: str
    workers: int
    median: Sample
    samples: tuple[Sample, ...]
    problem: str

    @property
    def valid(self) -> bool:
        return not self.problem


def _sample(server: Server, workload: Workload, plan: Plan, load_cpu: str | None) -> tuple[Sample, str]:
    cpu_before = server.cpu_seconds()
    load = drive(server.url, workload, plan.duration, plan.connections, load_cpu)
    cpu = server.cpu_seconds() - cpu_before
    sample = Sample(
        rps=load.good / load.seconds,
        p50_ms=load.p50_ms,
        p99_ms=load.p99_ms,
        cpu_us=cpu / max(load.good, 1) * 1e6,
        rss_mib=server.rss_mib(),
        server_busy=cpu / load.seconds,
        client_busy=load.client_cpu_seconds / load.seconds,
    )
    return sample, load.problem


def _median(samples: Sequence[Sample]) -> Sample:
    return Sample(**{f.name: statistics.median(getattr(s, f.name) for s in samples) for f in fields(Sample)})


def compare(servers: Sequence[Server], workload: Workload, plan: Plan, load_cpu: str | None) -> list[Result]:
    """Warm every server up, then drive them in turn, round after round (A B C, A B C), so that
    drift on the machine hits all of them alike."""
    for server in servers:
        drive(server.url, workload, plan.warmup, plan.connections, load_cpu)
    runs: dict[str, list[tuple[Sample, str]]] = {server.peer.name: [] for server in servers}
    for _ in range(plan.rounds):
        for server in servers:
            runs[server.peer.name].append(_sample(server, workload, plan, load_cpu))
    results = []
    for server in servers:
        samples = tuple(sample for sample, _ in runs[server.peer.name])
        problem = next((problem for _, problem in runs[server.peer.name] if problem), "")
        peer = server.peer
        results.append(
            Result(
                workload.name, peer.name, peer.role.value, server.workers, _median(samples), samples, problem
            )
        )
    return results


def cold_start(peer: Peer, spawns: int) -> float:
    """Median seconds from spawn to the first correct answer to its probe (a tools/call), over
    ``spawns`` starts made while nothing else runs on the server's core."""
    times = []
    for _ in range(spawns):
        with launch(peer) as (_server, seconds):
            times.append(seconds)
    return statistics.median(times)


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
