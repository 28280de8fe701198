"""``python -m infra.bench.auth``: what authentication costs, ``FASTMCP_AUTH=jwt`` against ``none``.

Two of our servers side by side, the same tools/call, in alternating rounds: one without
authentication, one verifying an RS256 access token against a real JWKS (served here by the
stand-in issuer of ``infra.sim``). Every request carries the same token, as a client's do between
refreshes: the key is fetched once, the token's signature checked once, then each request pays
the header scan and a lookup of the verified token. Writes ``auth.md``; exits 1 below ``--min-ratio``.
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
from infra.sim.issuer import Issuer

RESOURCE = "http://bench.test/mcp"
_RESULTS_DIR = Path(__file__).parent


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m infra.bench.auth", description=__doc__)
    parser.add_argument("--duration", type=int, default=4, help="seconds per measured run (4)")
    parser.add_argument("--rounds", type=int, default=3, help="rounds, the median is reported (3)")
    parser.add_argument("--min-ratio", type=float, default=0.7, help="jwt/none req/s that fails (0.7)")
    parser.add_argument("--out", type=Path, default=_RESULTS_DIR, help="where auth.md goes")
    args = parser.parse_args(argv)
    issuer = Issuer()
    issuer.start()
    token = issuer.mint(RESOURCE, lifetime=3600)
    auth_env = {
        "FASTMCP_AUTH": "jwt",
        "FASTMCP_AUTH_JWKS_URL": issuer.jwks_url,
        "FASTMCP_AUTH_ISSUER": issuer.url,
        "FASTMCP_AUTH_RESOURCE_URL": RESOURCE,
    }
    call = replace(
        workloads.CALL_LEGACY,
        name="call_legacy_token",
        headers=(*workloads.CALL_LEGACY.headers, ("Authorization", f"Bearer {token}")),
    )
    open_peer = replace(peers.OURS, name="ours, FASTMCP_AUTH=none")
    jwt_env = (*peers.OURS.env, *auth_env.items())
    jwt_peer = replace(peers.OURS, name="ours, FASTMCP_AUTH=jwt", env=jwt_env, ready=call)
    plan = Plan(duration=args.duration, warmup=2, rounds=args.rounds, connections=32)
    try:
        with launch(open_peer) as (open_server, _), launch(jwt_peer) as (jwt_server, _):
            plain, verified = compare([(open_server, call), (jwt_server, call)], call, plan, LOAD_CPU)
    finally:
        issuer.stop()
    ratio = verified.median.rps / plain.median.rps
    verdict = "PASS" if ratio >= args.min_ratio and plain.valid and verified.valid else "FAIL"
    table = "\n".join(
        [
            "# Authentication cost",
            "",
            "Written by `python -m infra.bench.auth`: tools/call 2025-06-18 with a bearer token, one pinned "
            f"uvicorn worker each, wrk with {plan.connections} connections, {plan.rounds} rounds of "
            f"{plan.duration} s, medians.",
            "",
            "| server | req/s | p50 ms | p99 ms | CPU us/req | valid |",
            "|---|---|---|---|---|---|",
            *(
                f"| {r.peer} | {r.median.rps:,.0f} | {r.median.p50_ms:.2f} | {r.median.p99_ms:.2f} "
                f"| {r.median.cpu_us:.0f} | {'yes' if r.valid else r.problem} |"
                for r in (plain, verified)
            ),
            "",
            f"{verdict}: jwt / none = {ratio:.2f}x req/s (target >= {args.min_ratio:g}x)",
            "",
        ]
    )
    print(table)
    args.out.mkdir(parents=True, exist_ok=True)
    (args.out / "auth.md").write_text(table)
    return 0 if verdict == "PASS" else 1


if __name__ == "__main__":
    sys.exit(main())
