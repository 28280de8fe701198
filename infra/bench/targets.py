"""The issue's targets, checked against figures from one run, each PASS, MISS or n/a."""

from collections.abc import Sequence
from dataclasses import dataclass

from infra.bench.measure import Memory, Result
from infra.bench.peers import OURS, Role
from infra.bench.workloads import CALL_LEGACY, CALL_MODERN, SSE_PROGRESS, Workload

MIN_VS_FASTMCP = 10.0
MIN_VS_CEILING = 0.7
MAX_CPU_PER_CALL_US = 250.0
MAX_RSS_MIB = 50.0
MAX_COLD_START_S = 0.5
MAX_SSE_COST = 1.5
MAX_RSS_GROWTH_MIB = 5.0


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


def find(results: Sequence[Result], workload: Workload, role: Role, workers: int = 1) -> Result | None:
    """The result of ``role`` on ``workload``; the first one if a role has several peers."""
    return next(
        (r for r in results if r.workload == workload.name and r.role == role.value and r.workers == workers),
        None,
    )


def _ratio(name: str, ours: Result | None, other: Result | None, limit: float, cpu: bool = False) -> Verdict:
    """``ours / other`` on req/s (at least ``limit``), or on CPU per request (at most)."""
    if ours is None or other is None:
        return Verdict(name, None, limit, at_least=not cpu, unit="x")
    value = ours.median.cpu_us / other.median.cpu_us if cpu else ours.median.rps / other.median.rps
    return Verdict(name, value, limit, at_least=not cpu, unit="x", problem=ours.problem or other.problem)


def ceiling_ratios(results: Sequence[Result], minimum: float) -> list[Verdict]:
    """tools/call req/s over the Starlette echo's, per era: the regression guard."""
    return [
        _ratio(
            f"{w.title} req/s vs Starlette echo",
            find(results, w, Role.OURS),
            find(results, w, Role.CEILING),
            minimum,
        )
        for w in (CALL_LEGACY, CALL_MODERN)
    ]


def issue_targets(
    results: Sequence[Result], cold_starts: dict[str, float], memory: Memory | None
) -> list[Verdict]:
    """Every target of the issue, per worker and from this run only."""
    verdicts = []
    for w in (CALL_LEGACY, CALL_MODERN):
        ours = find(results, w, Role.OURS)
        verdicts.append(
            _ratio(f"{w.title} req/s vs FastMCP", ours, find(results, w, Role.FASTMCP), MIN_VS_FASTMCP)
        )
    verdicts += ceiling_ratios(results, MIN_VS_CEILING)
    for w in (CALL_LEGACY, CALL_MODERN):
        ours = find(results, w, Role.OURS)
        cpu = None if ours is None else ours.median.cpu_us
        problem = "" if ours is None else ours.problem
        verdicts.append(Verdict(f"{w.title} CPU per call", cpu, MAX_CPU_PER_CALL_US, False, " us", problem))
    ours_runs = [r for r in results if r.role == Role.OURS.value and r.workers == 1]
    rss = max((r.median.rss_mib for r in ours_runs), default=None)
    verdicts.append(Verdict("RSS of one worker, highest after any workload", rss, MAX_RSS_MIB, False, " MiB"))
    cold = cold_starts.get(OURS.name)
    verdicts.append(Verdict("cold start to first tools/call", cold, MAX_COLD_START_S, False, " s"))
    sse, json = find(results, SSE_PROGRESS, Role.OURS), find(results, CALL_LEGACY, Role.OURS)
    verdicts.append(
        _ratio("SSE reply (3 progress events) CPU vs JSON tools/call", sse, json, MAX_SSE_COST, cpu=True)
    )
    growth = None if memory is None else memory.growth_mib
    problem = "" if memory is None else memory.problem
    name = f"RSS growth over {memory.requests if memory else 0:,} tools/calls"
    verdicts.append(Verdict(name, growth, MAX_RSS_GROWTH_MIB, False, " MiB", problem))
    return verdicts
