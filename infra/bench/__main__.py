"""``python -m infra.bench``: the full benchmark (``make bench``), the scale-out path and the fleet
included; with ``--quick``, the CI guard; with ``--soak``, memory over many calls per reply kind and
store (``make soak``)."""

import argparse
import contextlib
import sys
from collections.abc import Sequence
from datetime import UTC, datetime
from pathlib import Path

from infra.bench import fleet, peers, scaleout, soak_cli, workloads
from infra.bench.environment import machine, versions
from infra.bench.load import LOAD_CPU
from infra.bench.measure import Memory, Plan, Result, cold_start, compare, memory_growth
from infra.bench.process import BenchError, Server, launch
from infra.bench.report import Run, invalid, text, write
from infra.bench.targets import ceiling_ratios, issue_targets, scaleout_targets

_FULL = Plan(duration=4, warmup=2, rounds=3, connections=32)
_QUICK = Plan(duration=2, warmup=1, rounds=2, connections=32)
_FLEET = Plan(duration=3, warmup=1, rounds=1, connections=32)
"""Short: on a 2-core machine the fleet's processes and wrk all share the cores anyway."""
_QUICK_PEERS = (peers.OURS, peers.STARLETTE_ECHO)
_QUICK_WORKLOADS = (workloads.CALL_LEGACY, workloads.CALL_MODERN)
_RESULTS_DIR = Path(__file__).parent
# Measured ratios on a 2-core VM are 0.7-1.1 and swing by +-30 % when other jobs share the box;
# 0.35 fails when our per-request cost (or wait) doubles, and leaves room for that noise.
_DEFAULT_MIN_RATIO = 0.35


def _arguments(argv: Sequence[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog="python -m infra.bench", description=__doc__)
    parser.add_argument(
        "--quick",
        action="store_true",
        help="CI guard: ours vs the Starlette echo on tools/call only; exit 1 below --min-ratio",
    )
    parser.add_argument(
        "--min-ratio",
        type=float,
        default=_DEFAULT_MIN_RATIO,
        help=f"--quick fails when ours/echo (req/s or req per CPU-second) is below this ({_DEFAULT_MIN_RATIO})",
    )
    parser.add_argument("--duration", type=int, help="seconds per measured run (4; quick 2)")
    parser.add_argument("--warmup", type=int, help="seconds of warm-up per server and workload (2; quick 1)")
    parser.add_argument("--rounds", type=int, help="rounds per workload, the median is reported (3; quick 2)")
    parser.add_argument("--connections", type=int, help="wrk connections (32)")
    parser.add_argument("--workloads", nargs="+", choices=workloads.BY_NAME, help="run only these")
    parser.add_argument("--cold-starts", type=int, default=3, help="spawns per server for cold start (3)")
    parser.add_argument("--memory-requests", type=int, default=100_000, help="tools/calls for the RSS check, 0 skips")
    parser.add_argument("--workers", type=int, default=2, help="gunicorn workers for the multi-worker run, 0 skips")
    parser.add_argument(
        "--resumes", type=int, default=200, help="cut-and-resume rounds on the two-instance fleet, 0 skips the fleet"
    )
    parser.add_argument(
        "--out",
        type=Path,
        help="directory for results.md and results.json, or the soak's files (default: infra/bench, for a "
        "complete run only)",
    )
    soak_cli.add_arguments(parser)
    return parser.parse_args(argv)


def _plan(args: argparse.Namespace) -> Plan:
    base = _QUICK if args.quick else _FULL
    return Plan(
        duration=args.duration or base.duration,
        warmup=args.warmup or base.warmup,
        rounds=args.rounds or base.rounds,
        connections=args.connections or base.connections,
    )


def _scope(args: argparse.Namespace) -> tuple[tuple[workloads.Workload, ...], list[peers.Peer]]:
    """The workloads to run, and the servers that answer at least one of them."""
    selected: tuple[workloads.Workload, ...]
    candidates: tuple[peers.Peer, ...]
    if args.quick:
        selected, candidates = _QUICK_WORKLOADS, _QUICK_PEERS
    else:
        selected = tuple(workloads.BY_NAME[n] for n in args.workloads) if args.workloads else workloads.ALL
        candidates = peers.ALL
    return selected, [p for p in candidates if any(w.name in p.answers for w in selected)]


def _progress(results: Sequence[Result]) -> None:
    for r in results:
        flag = "" if r.valid else f"  INVALID: {r.problem}"
        print(f"  {r.workload} x{r.workers} {r.peer}: {r.median.rps:,.0f} req/s{flag}", file=sys.stderr)


def _measure(
    chosen: Sequence[peers.Peer],
    selected: Sequence[workloads.Workload],
    plan: Plan,
    workers: int,
    memory: int,
) -> tuple[list[Result], Memory | None]:
    """Start every server side by side, drive them workload by workload, then (if asked) run the
    memory check on ours. One worker is pinned and wrk pinned apart; several are left unpinned."""
    load_cpu = LOAD_CPU if workers == 1 else None
    results: list[Result] = []
    with contextlib.ExitStack() as stack:
        servers: list[Server] = [stack.enter_context(launch(peer, workers))[0] for peer in chosen]
        ours = next((s for s in servers if s.peer is peers.OURS), None)
        for workload in selected:
            contestants = [(s, workload) for s in servers if workload.name in s.peer.answers]
            if ours is not None and workload.reference is not None:
                contestants.append((ours, workloads.BY_NAME[workload.reference]))
            if contestants:
                print(f"{workload.title}, {workers} worker(s)...", file=sys.stderr)
                results += compare(contestants, workload, plan, load_cpu)
                _progress(results[-len(contestants) :])
        if ours is None or memory <= 0 or load_cpu is None:
            return results, None
        print(f"memory: {memory:,} tools/calls...", file=sys.stderr)
        return results, memory_growth(ours, memory, plan, load_cpu)


def main(argv: Sequence[str] | None = None) -> int:
    args = _arguments(argv)
    if args.soak:
        return soak_cli.run(args)
    try:
        found_versions = versions()
    except FileNotFoundError as error:
        print(error, file=sys.stderr)
        return 2
    plan = _plan(args)
    selected, chosen = _scope(args)
    cold_spawns = 1 if args.quick else args.cold_starts
    complete = not args.quick and not args.workloads
    run_scaleout: tuple[list[Result], scaleout.RoundTrips | None] = ([], None)
    fleet_figures = None
    try:
        cold = {p.name: cold_start(p, cold_spawns) for p in chosen if workloads.CALL_LEGACY.name in p.answers}
        results, memory = _measure(chosen, selected, plan, 1, 0 if args.quick else args.memory_requests)
        if not args.quick and args.workers > 1 and workloads.CALL_LEGACY in selected:
            multi = [p for p in chosen if workloads.CALL_LEGACY.name in p.answers]
            results += _measure(multi, (workloads.CALL_LEGACY,), plan, args.workers, 0)[0]
        if complete:
            run_scaleout = scaleout.measure(plan, LOAD_CPU)
            _progress(run_scaleout[0])
        if complete and args.resumes > 0:
            fleet_figures = fleet.measure(_FLEET, args.resumes)
    except BenchError as error:
        print(f"benchmark aborted: {error}", file=sys.stderr)
        return 2
    if args.quick:
        verdicts = ceiling_ratios(results, args.min_ratio)
    else:
        verdicts = issue_targets(results, cold, memory) + scaleout_targets(*run_scaleout)
    run = Run(
        datetime.now(UTC).strftime("%Y-%m-%d %H:%M UTC"),
        machine(),
        found_versions,
        plan,
        results,
        cold,
        memory,
        verdicts,
        *run_scaleout,
        fleet_figures,
    )
    print(text(run))
    out = args.out or (_RESULTS_DIR if complete else None)
    if out is not None:
        write(run, out)
        print(f"wrote {out / 'results.md'} and {out / 'results.json'}")
    failed = args.quick and any(v.status != "PASS" for v in verdicts)
    return 1 if invalid(run) or failed else 0


if __name__ == "__main__":
    sys.exit(main())
