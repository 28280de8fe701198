"""``python -m infra.bench.telemetry``: what telemetry costs a tools/call.

Three of our servers side by side, in alternating rounds: telemetry off (no ``OTEL_*``), on with the
default sampler (every request sampled: a server span and a tool span each, and the duration
metric), on with a 10 % parent-based ratio sampler, and, for information, all sampled plus a JSON
request line (``FASTMCP_LOG_REQUESTS=true``). The spans go over OTLP/HTTP to a
receiver in this process, which decodes every request with the official protobuf classes and
counts what arrived, so a server that drops spans cannot look cheap. Writes ``telemetry.md``;
exits 1 when a ratio is under its target.
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence
from dataclasses import replace
from pathlib import Path

from infra.bench import peers, workloads
from infra.bench.load import LOAD_CPU
from infra.bench.measure import Plan, compare
from infra.bench.process import launch
from infra.sim.collector import otlp_receiver

_RESULTS_DIR = Path(__file__).parent
TARGETS = {"all sampled": 0.5, "10 % sampled": 0.8}
"""The request lines are informative: what ``FASTMCP_LOG_REQUESTS`` adds."""


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m infra.bench.telemetry", description=__doc__)
    parser.add_argument("--duration", type=int, default=4, help="seconds per measured run (4)")
    parser.add_argument("--rounds", type=int, default=3, help="rounds, the median is reported (3)")
    parser.add_argument("--out", type=Path, default=_RESULTS_DIR, help="where telemetry.md goes")
    args = parser.parse_args(argv)
    call = workloads.CALL_LEGACY
    plan = Plan(duration=args.duration, warmup=2, rounds=args.rounds, connections=32)
    with otlp_receiver() as receiver:
        exported = (*peers.OURS.env, *receiver.env(OTEL_METRIC_EXPORT_INTERVAL="10000").items())
        logged = (("FASTMCP_LOG_REQUESTS", "true"),)
        off = replace(peers.OURS, name="telemetry off")
        every = replace(peers.OURS, name="all sampled", env=exported)
        tenth = (("OTEL_TRACES_SAMPLER", "parentbased_traceidratio"), ("OTEL_TRACES_SAMPLER_ARG", "0.1"))
        ratio = replace(peers.OURS, name="10 % sampled", env=(*exported, *tenth))
        lines = replace(peers.OURS, name="all sampled + request lines", env=(*exported, *logged))
        with (
            launch(off) as (off_server, _),
            launch(every) as (all_server, _),
            launch(ratio) as (ten_server, _),
            launch(lines) as (lines_server, _),
        ):
            contestants = [(off_server, call), (all_server, call), (ten_server, call), (lines_server, call)]
            results = compare(contestants, call, plan, LOAD_CPU)
        spans = len(receiver.spans())
    base = results[0].median.rps
    lines = [
        "# Telemetry cost",
        "",
        "Written by `python -m infra.bench.telemetry`: tools/call 2025-06-18, one pinned uvicorn worker each, "
        f"wrk with {plan.connections} connections, {plan.rounds} rounds of {plan.duration} s, medians. "
        "On: OTLP/HTTP to a local receiver, spans every 5 s or 512 (the default batch settings).",
        "",
        "| server | req/s | vs off | p50 ms | p99 ms | CPU us/req | valid |",
        "|---|---|---|---|---|---|---|",
        *(
            f"| {r.peer} | {r.median.rps:,.0f} | {r.median.rps / base:.2f}x | {r.median.p50_ms:.2f} "
            f"| {r.median.p99_ms:.2f} | {r.median.cpu_us:.0f} | {'yes' if r.valid else r.problem} |"
            for r in results
        ),
        "",
        f"Spans received by the OTLP receiver: {spans:,}.",
        "",
    ]
    failed = False
    for result in results[1:3]:
        target = TARGETS[result.peer]
        ratio_of = result.median.rps / base
        ok = ratio_of >= target and result.valid
        failed |= not ok
        lines.append(f"{'PASS' if ok else 'FAIL'}: {result.peer} / off = {ratio_of:.2f}x (target >= {target:g}x)")
    table = "\n".join([*lines, ""])
    print(table)
    args.out.mkdir(parents=True, exist_ok=True)
    (args.out / "telemetry.md").write_text(table)
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
