"""The issue's targets, checked against figures from one run, each PASS, MISS or n/a."""

from collections.abc import Callable, Sequence
from dataclasses import dataclass

from infra.bench.measure import ColdStart, Memory, Result, Sample
from infra.bench.peers import OURS, Role
from infra.bench.scaleout import REDIS_STORE, RoundTrips
from infra.bench.workloads import CALL_LEGACY, CALL_MODERN, SSE_PROGRESS, SSE_RESUMABLE, Workload

MIN_VS_FASTMCP = 10.0
MIN_VS_CEILING = 0.7
MAX_CPU_PER_CALL_US = 250.0
MAX_RSS_MIB = 40.0
MAX_COLD_START_S = 0.3
MAX_SSE_COST = 1.5
MAX_RSS_GROWTH_MIB = 5.0
MIN_REDIS_VS_MEMORY = 0.5
MIN_RESUMABLE_VS_PLAIN = 0.7
MAX_ROUND_TRIPS = 2.0


@dataclass(frozen=True)
class Verdict:
    """``value`` is None when the run did not measure what the target needs."""

    target: str
    value: float | None
    limit: float
    at_least: bool
    unit: str = ""
    problem: str = ""

    @property
    def status(self) -> str:
        if self.value is None:
            return "n/a"
        within = self.value >= self.limit if self.at_least else self.value <= self.limit
        return "PASS" if within and not self.problem else "MISS"

    def measured(self) -> str:
        shown = "not measured" if self.value is None else f"{self.value:.2f}{self.unit}"
        bound = f"{'>=' if self.at_least else '<='} {self.limit:g}{self.unit}"
        note = " (invalid run)" if self.problem else ""
        return f"{shown}, target {bound}{note}"

    def describe(self) -> str:
        return f"{self.status:4}  {self.target}: {self.measured()}"


def find(
    results: Sequence[Result], workload: Workload, role: Role, workers: int = 1, phase: Workload | None = None
) -> Result | None:
    """The result of ``role`` on ``workload`` measured in the rounds of ``phase`` (its own rounds by
    default); the first one if a role has several peers."""
    rounds = (phase or workload).name
    return next(
        (
            r
            for r in results
            if r.workload == workload.name and r.phase == rounds and r.role == role.value and r.workers == workers
        ),
        None,
    )


def requests_per_second(sample: Sample) -> float:
    """Throughput on the wall clock: what a client sees, but lowered by other load on the core."""
    return sample.rps


def requests_per_cpu_second(sample: Sample) -> float:
    """Throughput per second of the server's own CPU time: barely moved by other load."""
    return 1e6 / sample.cpu_us


def cpu_per_request(sample: Sample) -> float:
    return sample.cpu_us


def ratio(ours: Result, other: Result, figure: Callable[[Sample], float]) -> float:
    return figure(ours.median) / figure(other.median)


def _ratio(
    name: str,
    ours: Result | None,
    other: Result | None,
    limit: float,
    figure: Callable[[Sample], float],
    at_least: bool = True,
) -> Verdict:
    if ours is None or other is None:
        return Verdict(name, None, limit, at_least, "x")
    return Verdict(name, ratio(ours, other, figure), limit, at_least, "x", ours.problem or other.problem)


def ceiling_ratios(results: Sequence[Result], minimum: float) -> list[Verdict]:
    """The CI guard: tools/call over the Starlette echo, per era, per wall-clock second and per
    CPU-second. The CPU figure keeps a busy CI box from failing it; the wall-clock one still
    catches a regression that waits instead of computing."""
    verdicts = []
    for w in (CALL_LEGACY, CALL_MODERN):
        ours, echo = find(results, w, Role.OURS), find(results, w, Role.CEILING)
        verdicts.append(_ratio(f"{w.title} req/s vs Starlette echo", ours, echo, minimum, requests_per_second))
        name = f"{w.title} req per CPU-second vs Starlette echo"
        verdicts.append(_ratio(name, ours, echo, minimum, requests_per_cpu_second))
    return verdicts


def issue_targets(results: Sequence[Result], cold_starts: dict[str, ColdStart], memory: Memory | None) -> list[Verdict]:
    """Every target of the issue, per worker and from this run only."""
    verdicts = []
    for w in (CALL_LEGACY, CALL_MODERN):
        ours, fastmcp = find(results, w, Role.OURS), find(results, w, Role.FASTMCP)
        verdicts.append(_ratio(f"{w.title} req/s vs FastMCP", ours, fastmcp, MIN_VS_FASTMCP, requests_per_second))
    for w in (CALL_LEGACY, CALL_MODERN):
        ours, echo = find(results, w, Role.OURS), find(results, w, Role.CEILING)
        verdicts.append(_ratio(f"{w.title} req/s vs Starlette echo", ours, echo, MIN_VS_CEILING, requests_per_second))
    for w in (CALL_LEGACY, CALL_MODERN):
        ours = find(results, w, Role.OURS)
        cpu = None if ours is None else ours.median.cpu_us
        problem = "" if ours is None else ours.problem
        verdicts.append(Verdict(f"{w.title} CPU per call", cpu, MAX_CPU_PER_CALL_US, False, " us", problem))
    ours_runs = [r for r in results if r.role == Role.OURS.value and r.workers == 1]
    rss = max((r.median.rss_mib for r in ours_runs), default=None)
    verdicts.append(Verdict("RSS of one worker, highest after any workload", rss, MAX_RSS_MIB, False, " MiB"))
    cold = cold_starts.get(OURS.name)
    median = None if cold is None else cold.median
    verdicts.append(Verdict("cold start to first tools/call (median)", median, MAX_COLD_START_S, False, " s"))
    sse = find(results, SSE_PROGRESS, Role.OURS)
    json = find(results, CALL_LEGACY, Role.OURS, phase=SSE_PROGRESS)
    name = "SSE reply (3 progress events) CPU vs JSON tools/call in the same rounds"
    verdicts.append(_ratio(name, sse, json, MAX_SSE_COST, cpu_per_request, at_least=False))
    growth = None if memory is None else memory.growth_mib
    problem = "" if memory is None else memory.problem
    name = f"RSS growth over {memory.requests if memory else 0:,} tools/calls"
    verdicts.append(Verdict(name, growth, MAX_RSS_GROWTH_MIB, False, " MiB", problem))
    return verdicts


def scaleout_targets(results: Sequence[Result], trips: RoundTrips | None) -> list[Verdict]:
    """The scale-out path's targets, from the SSE rows driven side by side (``scaleout.measure``)."""

    def row(workload: Workload, peer: str) -> Result | None:
        return next((r for r in results if r.workload == workload.name and r.peer == peer), None)

    memory, redis = row(SSE_RESUMABLE, OURS.name), row(SSE_RESUMABLE, REDIS_STORE.name)
    plain = row(SSE_PROGRESS, OURS.name)
    name = "resumable SSE req/s, Redis store vs memory store"
    verdicts = [_ratio(name, redis, memory, MIN_REDIS_VS_MEMORY, requests_per_second)]
    name = "resumable SSE req/s, memory store vs non-resumable SSE"
    verdicts.append(_ratio(name, memory, plain, MIN_RESUMABLE_VS_PLAIN, requests_per_second))
    name = "Redis round trips per resumable 3-progress call"
    verdicts.append(Verdict(name, None if trips is None else trips.per_call, MAX_ROUND_TRIPS, False))
    return verdicts
