"""A soak's figures as soak.md (a table per reply kind and store, with what it was measured on and
with which settings), soak.json (every reading) and soak.svg (memory over calls)."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

import orjson

from infra.bench.environment import Provenance
from infra.bench.load import LOAD_CPU
from infra.bench.process import SERVER_CPU
from infra.bench.report import markdown_table
from infra.bench.soak import Reading, SoakPlan, SoakRun
from infra.bench.soak_verdict import Limits, problems, verdict
from infra.bench.svg import Panel, Series, chart

_DEFAULTS_SHOWN = (
    "event_store_max_streams",
    "event_store_max_bytes",
    "event_store_max_events",
    "event_store_ttl_seconds",
)
"""The store's other bounds, named in the report with the defaults the worker ran with."""
_HEADER = (
    "kind",
    "store",
    "calls",
    "req/s",
    "RSS warm MiB",
    "RSS end MiB",
    "RSS growth MiB",
    "Redis used_memory MiB: peak / end / after window",
    "Redis keys: peak / end / after window",
    "verdict",
)


@dataclass(frozen=True)
class SoakReport:
    """Everything one soak produced, and what it ran on."""

    provenance: Provenance
    plan: SoakPlan
    limits: Limits
    runs: list[SoakRun]


def default_settings() -> dict[str, str]:
    """``FASTMCP_*`` name and default of each bound in ``_DEFAULTS_SHOWN`` the app has (read from the
    app, so the report cannot drift from it)."""
    from app.settings import Settings  # the app's own, only where it is named

    fields = Settings.model_fields
    return {f"FASTMCP_{name.upper()}": str(fields[name].default) for name in _DEFAULTS_SHOWN if name in fields}


def settings_line(plan: SoakPlan) -> str:
    """The settings the worker ran with: those the soak sets, those given, and the bounds' defaults."""
    given = {
        "FASTMCP_EVENT_STORE": "memory or redis",
        "FASTMCP_EVENT_STORE_RETENTION_SECONDS": str(plan.retention_seconds),
        "FASTMCP_TASK_TTL_SECONDS": str(plan.retention_seconds),
        **dict(plan.settings),
    }
    line = ", ".join(f"{name}={value}" for name, value in given.items())
    defaults = ", ".join(f"{name}={value}" for name, value in default_settings().items() if name not in given)
    return f"{line}; every other setting at its default ({defaults})" if defaults else line


def _redis_cells(run: SoakRun) -> tuple[str, str]:
    readings, after = run.redis_readings(), run.after_window
    if not readings or after is None:
        return "n/a", "n/a"
    end = readings[-1]
    used = f"{max(r.used_mib for r in readings):.1f} / {end.used_mib:.1f} / {after.used_mib:.1f}"
    keys = f"{max(r.keys for r in readings):,} / {end.keys:,} / {after.keys:,}"
    return used, keys


def _row(run: SoakRun, limits: Limits) -> tuple[str, ...]:
    warm = run.warm
    used, keys = _redis_cells(run)
    return (
        run.kind,
        run.store,
        f"{run.calls:,}",
        f"{run.rps:,.0f}",
        "n/a" if warm is None else f"{warm.rss_mib:.1f}",
        f"{run.end.rss_mib:.1f}",
        f"{run.rss_growth_mib:+.1f}",
        used,
        keys,
        verdict(run, limits),
    )


def _method(report: SoakReport) -> list[str]:
    plan, limits = report.plan, report.limits
    return [
        f"- Machine: {report.provenance.machine}",
        f"- Versions: {', '.join(f'{name} {version}' for name, version in report.provenance.versions.items())}",
        f"- Method: one uvicorn worker of ours (uvloop, httptools) pinned to CPU {SERVER_CPU}, a fresh one per run; "
        f"wrk (1 thread, {plan.connections} connections) pinned to CPU {LOAD_CPU}, in {plan.slice_seconds}-second "
        "slices; for the Redis store a redis-server of the soak's own on a free port, unpinned, emptied before "
        "each run. After each slice: the worker's VmRSS (/proc) and Redis' `INFO memory` used_memory and DBSIZE. "
        "Only correct answers count (200, expected content type and body); req/s is over wrk's time alone.",
        "- Kinds: json = tools/call 2025-06-18 answered with one JSON body; sse = the same with a progressToken "
        "on a tool that reports 3 progress events (an SSE reply, not stored); resumable = the same on "
        "2025-11-25, whose replies are resumable, so every event is stored.",
        f"- Settings: {settings_line(plan)}.",
        f"- Warm-up: the first {plan.warmup_share:.0%} of the calls, and at least {plan.warmup_seconds:g} s of load "
        "(until then no finished stream has expired, so no store can be at its steady size). Growth is from the "
        "first reading after it to the last.",
        f"- Flat: worker RSS grows less than {limits.rss_growth_mib:g} MiB after warm-up; with Redis, used_memory "
        f"also grows less than {limits.redis_growth_mib:g} MiB and at most {limits.keys_left} keys remain once "
        "the retention window has passed after the load (`after window`).",
    ]


def markdown(report: SoakReport) -> str:
    rows = [_row(run, report.limits) for run in report.runs]
    wall = sum(run.wall_seconds for run in report.runs)
    lines = [
        "# Soak: memory under sustained load",
        "",
        f"Written by `python -m infra.bench --soak` (`make soak`) on {report.provenance.date}, "
        f"{report.plan.calls:,} calls per reply kind and store, in {wall / 60:.1f} minutes.",
        "",
        *_method(report),
        "",
        *markdown_table(_HEADER, rows),
        "",
        "![Worker RSS, Redis used_memory and keys over calls](soak.svg)",
    ]
    found = [
        f"- {run.kind} on {run.store}: {problem}" for run in report.runs for problem in problems(run, report.limits)
    ]
    lines += ["", "Not flat:", "", *found] if found else []
    return "\n".join(lines) + "\n"


def _series(runs: Sequence[SoakRun], figure: Callable[[Reading], float | None]) -> tuple[Series, ...]:
    """One line per run: ``figure`` of each reading (where it has one) over the calls so far."""
    lines = []
    for run in runs:
        points = tuple((r.calls, y) for r in run.readings if (y := figure(r)) is not None)
        warm = None if run.warm is None else figure(run.warm)
        mark = None if run.warm is None or warm is None else (run.warm.calls, warm)
        lines.append(Series(f"{run.kind} / {run.store}", points, mark))
    return tuple(lines)


def plot(report: SoakReport) -> str:
    """Worker RSS for every run; Redis used_memory and keys for the Redis runs; the warm-up marked."""
    note = "dot: first reading after warm-up"
    redis_runs = [run for run in report.runs if run.store == "redis"]
    panels = [Panel("Worker RSS", _series(report.runs, lambda r: r.rss_mib), "calls", "MiB", note)]
    if redis_runs:
        used = _series(redis_runs, lambda r: None if r.redis is None else r.redis.used_mib)
        keys = _series(redis_runs, lambda r: None if r.redis is None else r.redis.keys)
        panels += [
            Panel("Redis used_memory", used, "calls", "MiB", note),
            Panel("Redis keys (DBSIZE)", keys, "calls", "keys", note),
        ]
    return chart(panels)


def _json(report: SoakReport) -> dict[str, Any]:
    return {
        **asdict(report.provenance),
        "plan": asdict(report.plan),
        "settings": settings_line(report.plan),
        "limits": asdict(report.limits),
        "runs": [
            {
                "kind": run.kind,
                "store": run.store,
                "calls": run.calls,
                "rps": run.rps,
                "wall_seconds": run.wall_seconds,
                "warm": None if run.warm is None else asdict(run.warm),
                "rss_growth_mib": run.rss_growth_mib,
                "redis_growth_mib": run.redis_growth_mib,
                "after_window": None if run.after_window is None else asdict(run.after_window),
                "waited_seconds": run.waited_seconds,
                "verdict": verdict(run, report.limits),
                "problems": problems(run, report.limits),
                "readings": [asdict(r) for r in run.readings],
            }
            for run in report.runs
        ],
    }


def write(report: SoakReport, directory: Path) -> None:
    directory.mkdir(parents=True, exist_ok=True)
    (directory / "soak.md").write_text(markdown(report))
    (directory / "soak.svg").write_text(plot(report))
    (directory / "soak.json").write_bytes(orjson.dumps(_json(report), option=orjson.OPT_INDENT_2) + b"\n")
