"""The soak's options of ``python -m infra.bench`` (``--soak`` and the ``--soak-*`` ones) and its run:
kept apart from the benchmark's own so each reads on its own."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from infra.bench.environment import provenance
from infra.bench.process import BenchError
from infra.bench.soak import KINDS, OWN_SETTINGS, STORES, SoakPlan, soak_all
from infra.bench.soak_report import SoakReport, markdown, write
from infra.bench.soak_verdict import Limits, verdict

_RESULTS_DIR = Path(__file__).parent
_DEFAULT = SoakPlan()
_LIMITS = Limits()


def _setting(text: str) -> tuple[str, str]:
    name, equals, value = text.partition("=")
    if not equals or not name.startswith("FASTMCP_"):
        raise argparse.ArgumentTypeError(f"expected FASTMCP_NAME=value, got {text!r}")
    if name in OWN_SETTINGS:
        hint = " (use --soak-retention)" if "RETENTION" in name else ""
        raise argparse.ArgumentTypeError(f"{name} is set by the soak itself{hint}")
    return name, value


def add_arguments(parser: argparse.ArgumentParser) -> None:
    soak = parser.add_argument_group("soak", "memory over many calls per reply kind and store (writes soak.md)")
    soak.add_argument("--soak", action="store_true", help="run the soak instead of the benchmark")
    soak.add_argument("--soak-calls", type=int, default=_DEFAULT.calls, help="calls per kind and store (1,000,000)")
    soak.add_argument(
        "--soak-retention",
        type=int,
        default=_DEFAULT.retention_seconds,
        help=f"FASTMCP_EVENT_STORE_RETENTION_SECONDS for the worker ({_DEFAULT.retention_seconds})",
    )
    soak.add_argument("--soak-kinds", nargs="+", choices=KINDS, default=list(KINDS), help="reply kinds (all)")
    soak.add_argument("--soak-stores", nargs="+", choices=STORES, default=list(STORES), help="event stores (all)")
    soak.add_argument(
        "--soak-max-growth",
        type=float,
        default=_LIMITS.rss_growth_mib,
        help=f"MiB of growth after warm-up, worker RSS or Redis used_memory, that fails ({_LIMITS.rss_growth_mib:g})",
    )
    soak.add_argument(
        "--soak-setting",
        type=_setting,
        action="append",
        default=[],
        metavar="FASTMCP_NAME=VALUE",
        help="another setting for the worker, repeatable (e.g. the old unbounded store, to see the soak fail)",
    )


def run(args: argparse.Namespace) -> int:
    """Run the soak as ``args`` say; 0 when every run stayed flat, 1 when one grew or was invalid."""
    plan = SoakPlan(
        calls=args.soak_calls,
        retention_seconds=args.soak_retention,
        connections=args.connections or _DEFAULT.connections,
        settings=tuple(args.soak_setting),
    )
    limits = Limits(rss_growth_mib=args.soak_max_growth, redis_growth_mib=args.soak_max_growth)
    try:
        measured_on = provenance()
        runs = soak_all(plan, args.soak_kinds, args.soak_stores)
    except (BenchError, FileNotFoundError) as error:
        print(f"soak aborted: {error}", file=sys.stderr)
        return 2
    report = SoakReport(measured_on, plan, limits, runs)
    print(markdown(report))
    complete = (
        set(args.soak_kinds) == set(KINDS)
        and set(args.soak_stores) == set(STORES)
        and plan.calls >= _DEFAULT.calls
        and not plan.settings
    )
    out = args.out or (_RESULTS_DIR if complete else None)
    if out is not None:
        write(report, out)
        print(f"wrote {out / 'soak.md'}, {out / 'soak.svg'} and {out / 'soak.json'}")
    return 0 if all(verdict(r, limits) == "flat" for r in runs) else 1
