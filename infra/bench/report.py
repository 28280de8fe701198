"""One run's figures as a terminal table, as results.md (quoted by the README) and as results.json."""

from collections.abc import Callable, Sequence
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

import orjson

from infra.bench.fleet import Fleet
from infra.bench.load import LOAD_CPU
from infra.bench.measure import NOISY_SHARE, ColdStart, Memory, Plan, Result, Sample
from infra.bench.peers import Role
from infra.bench.plot import FILE_NAME, write_fleet
from infra.bench.process import SERVER_CPU
from infra.bench.scaleout import RoundTrips
from infra.bench.targets import Verdict, find, ratio, requests_per_cpu_second, requests_per_second
from infra.bench.workloads import BY_NAME, SSE_PROGRESS, SSE_RESUMABLE

_HEADER = (
    "workload",
    "server",
    "req/s",
    "p50 ms",
    "p99 ms",
    "CPU us/req",
    "RSS MiB",
    "ours/FastMCP req/s",
    "ours/echo req/s",
    "ours/echo req/CPU-s",
    "busy srv/wrk",
    "steal/other",
    "valid",
)


@dataclass(frozen=True)
class Run:
    """Everything one benchmark run produced."""

    date: str
    machine: str
    versions: dict[str, str]
    plan: Plan
    results: list[Result]
    cold_starts: dict[str, ColdStart]
    memory: Memory | None
    verdicts: list[Verdict]
    scaleout: list[Result] = field(default_factory=list)
    """The SSE rows of the scale-out path, driven side by side (``infra.bench.scaleout``)."""
    round_trips: RoundTrips | None = None
    fleet: Fleet | None = None


def _ratio(results: Sequence[Result], result: Result, role: Role, figure: Callable[[Sample], float]) -> str:
    """Ours over ``role`` on the same workload and worker count, shown on our main rows only."""
    if result.role != Role.OURS.value or result.phase != result.workload:
        return ""
    other = find(results, BY_NAME[result.workload], role, result.workers)
    return "n/a" if other is None else f"{ratio(result, other, figure):.2f}x"


def _rows(results: Sequence[Result]) -> list[tuple[str, ...]]:
    rows: list[tuple[str, ...]] = []
    for r in results:
        title = BY_NAME[r.workload].title
        if r.phase != r.workload:
            title = f"{title} (reference, in the rounds of {BY_NAME[r.phase].title})"
        m = r.median
        rows.append(
            (
                title if r.workers == 1 else f"{title}, gunicorn {r.workers} workers",
                r.peer,
                f"{m.rps:,.0f}",
                f"{m.p50_ms:.2f}",
                f"{m.p99_ms:.2f}",
                f"{m.cpu_us:,.0f}",
                f"{m.rss_mib:.1f}",
                _ratio(results, r, Role.FASTMCP, requests_per_second),
                _ratio(results, r, Role.CEILING, requests_per_second),
                _ratio(results, r, Role.CEILING, requests_per_cpu_second),
                f"{m.server_busy:.0%}/{m.client_busy:.0%}",
                f"{m.steal:.0%}/{m.other:.0%}",
                "yes" if r.valid else "NO",
            )
        )
    return rows


_SCALEOUT_HEADER = ("reply", "server", "req/s", "p50 ms", "p99 ms", "CPU us/req", "vs the row above req/s", "valid")
_FLEET_HEADER = ("configuration", "workload", "req/s", "p50 ms", "p99 ms", "valid")
_TITLES = {w.name: w.title for w in (SSE_PROGRESS, SSE_RESUMABLE)}


def _scaleout_rows(results: Sequence[Result]) -> list[tuple[str, ...]]:
    """Plain, memory-resumable, Redis-resumable: each compared with the one before, as the targets are."""
    rows: list[tuple[str, ...]] = []
    for before, r in zip([None, *results], results, strict=False):
        m = r.median
        versus = "" if before is None else f"{ratio(r, before, requests_per_second):.2f}x"
        figures = (f"{m.rps:,.0f}", f"{m.p50_ms:.2f}", f"{m.p99_ms:.2f}", f"{m.cpu_us:,.0f}", versus)
        rows.append((_TITLES[r.workload], r.peer, *figures, "yes" if r.valid else "NO"))
    return rows


def _fleet_rows(fleet: Fleet) -> list[tuple[str, ...]]:
    rows: list[tuple[str, ...]] = []
    for row in fleet.rows:
        figures = (f"{row.rps:,.0f}", f"{row.p50_ms:.2f}", f"{row.p99_ms:.2f}")
        rows.append((row.configuration, row.workload, *figures, "NO" if row.problem else "yes"))
    return rows


def _scaleout_lines(run: Run) -> list[str]:
    """The scale-out path's tables in Markdown (the terminal shows the same)."""
    lines = []
    if run.scaleout:
        lines += ["", "## The scale-out path, one worker", ""]
        lines += markdown_table(_SCALEOUT_HEADER, _scaleout_rows(run.scaleout))
    if run.round_trips is not None:
        lines += ["", f"Redis, resumable calls: {run.round_trips.describe()}."]
    if run.fleet is not None:
        lines += [
            "",
            "## The fleet",
            "",
            "nginx (the infra/nginx template) in front of gunicorn instances of one worker each, Redis store, all on "
            "this machine with wrk unpinned: how the parts fit together, not what separate machines would reach. "
            f"Plotted in [{FILE_NAME}]({FILE_NAME}).",
            "",
            *markdown_table(_FLEET_HEADER, _fleet_rows(run.fleet)),
            "",
            f"Resume on the other instance after a cut (time from the GET with Last-Event-ID to the final result): "
            f"{run.fleet.resumes.describe()}.",
            "",
            f"Per worker, as deployed: {run.fleet.worker_rss_mib:.1f} MiB RSS after the load (the gunicorn master "
            f"apart); an instance restarted answers /healthz {run.fleet.instance_start_s:.2f} s after its spawn.",
        ]
    return lines


def _method(plan: Plan) -> str:
    return (
        f"One uvicorn worker per server (uvloop, httptools) pinned to CPU {SERVER_CPU}; wrk (1 thread, "
        f"{plan.connections} connections) pinned to CPU {LOAD_CPU}. A {plan.warmup} s warm-up run each, then "
        f"{plan.rounds} rounds of {plan.duration} s driving the servers in turn; medians shown. Only correct "
        "answers count (200, expected content type and body). CPU per request is the server's user+system "
        "time over the run divided by its correct answers, and req/CPU-s its inverse (a ratio that other load "
        "on the machine barely moves); RSS is read after the run; busy is the share of "
        "one core the server and wrk used (the kernel's loopback work is charged to neither); steal/other "
        "are the shares of the server's core taken by the hypervisor and by other processes (noise). "
        "Gunicorn rows: the workers named, nothing pinned, shares of all cores."
    )


def _problems(run: Run) -> list[str]:
    found = [f"{r.peer} on {r.workload}: {r.problem}" for r in [*run.results, *run.scaleout] if r.problem]
    if run.fleet is not None:
        found += [f"{row.configuration} on {row.workload}: {row.problem}" for row in run.fleet.rows if row.problem]
    if run.memory is not None and run.memory.problem:
        found.append(f"memory run: {run.memory.problem}")
    return found


def _noise(run: Run) -> list[str]:
    """How much noise was measured again, and a warning if some was kept."""
    redone = sum({(r.phase, r.workers): r.redone for r in run.results}.values())
    samples = [s for r in run.results for s in r.samples]
    noisy = [s for s in samples if s.noisy]
    notes = [f"{redone} noisy rounds were measured again."] if redone else []
    if noisy:
        worst = max(s.steal + s.other for s in noisy)
        notes.append(
            f"NOISY MACHINE: in {len(noisy)} of {len(samples)} kept runs more than {NOISY_SHARE:.0%} of the "
            f"server's core went to the hypervisor or other processes (worst {worst:.0%}, see steal/other); "
            "ratios are less reliable, rerun on a quiet machine."
        )
    return notes


def text(run: Run) -> str:
    """Aligned columns for the terminal."""
    rows = [_HEADER, *_rows(run.results)]
    widths = [max(len(row[i]) for row in rows) for i in range(len(_HEADER))]
    lines = ["  ".join(cell.ljust(width) for cell, width in zip(row, widths, strict=True)) for row in rows]
    lines += ["", "cold start (spawn to first correct tools/call):"]
    lines += [f"  {peer}: {cold.describe()}" for peer, cold in run.cold_starts.items()]
    if run.memory is not None:
        m = run.memory
        lines.append(f"memory: {m.before_mib:.1f} -> {m.after_mib:.1f} MiB over {m.requests:,} tools/calls")
    lines += _scaleout_lines(run)
    lines += ["", "targets:", *(f"  {v.describe()}" for v in run.verdicts)]
    lines += [f"INVALID: {problem}" for problem in _problems(run)]
    lines += _noise(run)
    return "\n".join(lines)


def markdown_table(header: Sequence[str], rows: Sequence[Sequence[str]]) -> list[str]:
    """A Markdown table's lines (the soak's report uses it too)."""
    return [
        "| " + " | ".join(header) + " |",
        "|" + "---|" * len(header),
        *("| " + " | ".join(row) + " |" for row in rows),
    ]


def markdown(run: Run) -> str:
    """results.md: the figures plus what they were measured on, self-contained for the README."""
    versions = ", ".join(f"{name} {version}" for name, version in run.versions.items())
    lines = [
        "# Benchmark results",
        "",
        f"Written by `make bench` (`python -m infra.bench`) on {run.date}. Only ratios within one run "
        "compare; absolute figures drift between runs and machines.",
        "",
        f"- Machine: {run.machine}",
        f"- Versions: {versions}",
        f"- Method: {_method(run.plan)}",
        "",
        "## Throughput and cost per request",
        "",
        *markdown_table(_HEADER, _rows(run.results)),
        "",
        "## Cold start and memory",
        "",
        *markdown_table(
            ("server", "cold start, median (each spawn)"),
            [(peer, cold.describe()) for peer, cold in run.cold_starts.items()],
        ),
    ]
    if run.memory is not None:
        m = run.memory
        lines += [
            "",
            f"Our RSS over {m.requests:,} tools/calls on one warm worker: {m.before_mib:.1f} MiB before, "
            f"{m.after_mib:.1f} MiB after ({m.growth_mib:+.1f} MiB).",
        ]
    lines += _scaleout_lines(run)
    verdicts = [(v.status, v.target, v.measured()) for v in run.verdicts]
    lines += ["", "## Targets", "", *markdown_table(("status", "target", "measured"), verdicts)]
    notes = [f"- INVALID: {problem}" for problem in _problems(run)] + [f"- {warning}" for warning in _noise(run)]
    lines += ["", *notes] if notes else []
    return "\n".join(lines) + "\n"


def _json(run: Run) -> dict[str, Any]:
    return {
        "date": run.date,
        "machine": run.machine,
        "versions": run.versions,
        "plan": asdict(run.plan),
        "results": [asdict(r) | {"valid": r.valid} for r in run.results],
        "cold_start_s": {peer: asdict(cold) | {"median": cold.median} for peer, cold in run.cold_starts.items()},
        "memory": None if run.memory is None else asdict(run.memory) | {"growth_mib": run.memory.growth_mib},
        "targets": [asdict(v) | {"status": v.status} for v in run.verdicts],
        "scaleout": [asdict(r) | {"valid": r.valid} for r in run.scaleout],
        "round_trips": None if run.round_trips is None else asdict(run.round_trips),
        "fleet": None if run.fleet is None else asdict(run.fleet),
    }


def write(run: Run, directory: Path) -> None:
    directory.mkdir(parents=True, exist_ok=True)
    (directory / "results.md").write_text(markdown(run))
    (directory / "results.json").write_bytes(orjson.dumps(_json(run), option=orjson.OPT_INDENT_2) + b"\n")
    if run.fleet is not None and write_fleet(run.fleet, directory) is None:
        print(f"{FILE_NAME} not written: matplotlib is missing (pip install -e '.[bench]')")


def invalid(run: Run) -> bool:
    return bool(_problems(run))
