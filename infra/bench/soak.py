"""``python -m infra.bench.soak`` (``make soak``): memory under sustained load, per reply kind and store.

One pinned uvicorn worker of ours is driven by wrk with one reply kind at a time (JSON, SSE with
three progress events, the same made resumable by 2025-11-25, whose events the store keeps), against
each store (memory; Redis, a ``redis-server`` started here on a free port), for ``--calls`` correct
answers. Every slice of the run samples the worker's RSS and, for Redis, ``used_memory`` and the
key count. Memory must be flat after warm-up (the first tenth of the calls): RSS may grow less than
``--max-growth`` MiB, and Redis must hold no stream's keys ``retention + 2`` seconds after the load.
Writes ``soak.md`` and ``soak.svg`` to ``--out``; exits 1 when a run grew.
"""

from __future__ import annotations

import argparse
import contextlib
import shutil
import socket
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field, replace
from pathlib import Path

import redis

from infra.bench import peers, workloads
from infra.bench.load import LOAD_CPU, drive
from infra.bench.process import launch

RESUMABLE = replace(
    workloads.SSE_PROGRESS,
    name="sse_resumable",
    title="tools/call SSE, 3 progress events, 2025-11-25 (resumable)",
    headers=tuple(
        (name, "2025-11-25" if name == "MCP-Protocol-Version" else value)
        for name, value in workloads.SSE_PROGRESS.headers
    ),
)
KINDS = {"json": workloads.CALL_LEGACY, "sse": workloads.SSE_PROGRESS, "resumable": RESUMABLE}
STORES = ("memory", "redis")
_SLICE_SECONDS = 2
_CONNECTIONS = 16
_RESULTS_DIR = Path(__file__).parent


@dataclass
class Soak:
    kind: str
    store: str
    samples: list[tuple[int, float, int, int]] = field(default_factory=list)
    """(calls so far, RSS MiB, Redis used_memory bytes, Redis keys)."""
    seconds: float = 0.0
    streams_after: int = 0
    """Streams whose keys Redis still holds once the retention window has passed."""

    @property
    def calls(self) -> int:
        return self.samples[-1][0] if self.samples else 0

    @property
    def rss_after_warmup(self) -> float:
        warm = self.calls / 10
        return next(rss for calls, rss, *_ in self.samples if calls >= warm)

    @property
    def growth(self) -> float:
        return max(rss for _, rss, *_ in self.samples) - self.rss_after_warmup

    def flat(self, max_growth: float) -> bool:
        return self.growth < max_growth and self.streams_after == 0


@contextlib.contextmanager
def redis_server() -> Iterator[redis.Redis]:
    """A throwaway ``redis-server`` on a free loopback port, nothing persisted."""
    if shutil.which("redis-server") is None:
        raise SystemExit("redis-server is not installed: apt-get install -y redis-server")
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    with tempfile.TemporaryDirectory(prefix="soak-redis-") as directory:
        process = subprocess.Popen(
            ["redis-server", "--port", str(port), "--bind", "127.0.0.1", "--save", "", "--dir", directory],
            stdout=subprocess.DEVNULL,
        )
        client = redis.Redis(port=port)
        try:
            for _ in range(100):
                with contextlib.suppress(redis.ConnectionError):
                    client.ping()
                    break
                time.sleep(0.05)
            yield client
        finally:
            client.close()
            process.terminate()
            process.wait(10)


def soak(kind: str, store: str, calls: int, retention: int, client: redis.Redis | None) -> Soak:
    env = dict(peers.OURS.env) | {"FASTMCP_EVENT_STORE": store, "FASTMCP_EVENT_STORE_RETENTION_SECONDS": str(retention)}
    if client is not None:
        env["FASTMCP_REDIS_URL"] = f"redis://127.0.0.1:{client.connection_pool.connection_kwargs['port']}/0"
        client.flushall()
    result = Soak(kind, store)
    peer = replace(peers.OURS, env=tuple(env.items()))
    with launch(peer) as (server, _):
        started = time.monotonic()
        done = 0
        while done < calls:
            done += drive(server.url, KINDS[kind], _SLICE_SECONDS, _CONNECTIONS, LOAD_CPU).good
            used = int(client.info("memory")["used_memory"]) if client is not None else 0
            result.samples.append((done, server.rss_mib(), used, client.dbsize() if client is not None else 0))
        result.seconds = time.monotonic() - started
        if client is not None:
            time.sleep(retention + 2)  # every finished stream has expired by now
            result.streams_after = sum(1 for _ in client.scan_iter(match="*{s:*}:meta", count=1000))
    return result


def report(soaks: Sequence[Soak], retention: int, max_growth: float) -> str:
    lines = [
        "# Soak: memory under sustained load",
        "",
        f"Written by `python -m infra.bench.soak`: one uvicorn worker, wrk with {_CONNECTIONS} connections, "
        f"FASTMCP_EVENT_STORE_RETENTION_SECONDS={retention}, every other setting at its default. Flat means RSS "
        f"grew less than {max_growth:g} MiB after warm-up (the first tenth of the calls) and Redis held no "
        f"stream {retention + 2} s after the load.",
        "",
        "| kind | store | calls | req/s | RSS after warm-up MiB | RSS peak MiB | growth MiB "
        "| Redis used_memory peak MiB | Redis keys peak | streams left | verdict |",
        "|---|---|---|---|---|---|---|---|---|---|",
    ]
    for s in soaks:
        peak_rss = max(rss for _, rss, *_ in s.samples)
        used = max(u for *_, u, _ in s.samples) / 2**20
        keys = max(k for *_, k in s.samples)
        redis_cells = f"{used:.1f} | {keys:,} | {s.streams_after:,}" if s.store == "redis" else "n/a | n/a | n/a"
        lines.append(
            f"| {s.kind} | {s.store} | {s.calls:,} | {s.calls / s.seconds:,.0f} | {s.rss_after_warmup:.1f} "
            f"| {peak_rss:.1f} | {s.growth:+.1f} | {redis_cells} | {'flat' if s.flat(max_growth) else 'GROWING'} |"
        )
    return "\n".join(lines) + "\n"


def plot(soaks: Sequence[Soak]) -> str:
    """RSS over calls, one line per kind and store, as a small SVG (no plotting library needed)."""
    width, height, pad = 640, 320, 40
    top = max(rss for s in soaks for _, rss, *_ in s.samples) * 1.1
    most = max(s.calls for s in soaks)
    colours = ["#1f77b4", "#ff7f0e", "#2ca02c", "#d62728", "#9467bd", "#8c564b"]
    parts = [f'<svg xmlns="http://www.w3.org/2000/svg" width="{width}" height="{height}" font-size="11">']
    parts.append(f'<text x="{pad}" y="16">worker RSS (MiB, 0..{top:.0f}) over calls (0..{most:,})</text>')
    for n, s in enumerate(soaks):
        points = " ".join(
            f"{pad + (calls / most) * (width - 2 * pad):.1f},{height - pad - (rss / top) * (height - 2 * pad):.1f}"
            for calls, rss, *_ in s.samples
        )
        colour = colours[n % len(colours)]
        parts.append(f'<polyline fill="none" stroke="{colour}" stroke-width="1.5" points="{points}"/>')
        parts.append(f'<text x="{width - 150}" y="{30 + 14 * n}" fill="{colour}">{s.kind} / {s.store}</text>')
    parts.append("</svg>")
    return "\n".join(parts) + "\n"


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m infra.bench.soak", description=__doc__)
    parser.add_argument("--calls", type=int, default=1_000_000, help="correct answers per kind and store")
    parser.add_argument("--retention", type=int, default=5, help="FASTMCP_EVENT_STORE_RETENTION_SECONDS (5)")
    parser.add_argument("--max-growth", type=float, default=32.0, help="MiB of RSS growth that fails (32)")
    parser.add_argument("--kinds", nargs="+", choices=KINDS, default=list(KINDS))
    parser.add_argument("--out", type=Path, default=_RESULTS_DIR, help="where soak.md and soak.svg go")
    args = parser.parse_args(argv)
    soaks = []
    with redis_server() as client:
        for store in STORES:
            for kind in args.kinds:
                print(f"soak: {kind} / {store}, {args.calls:,} calls...", file=sys.stderr)
                soaks.append(soak(kind, store, args.calls, args.retention, client if store == "redis" else None))
    table = report(soaks, args.retention, args.max_growth)
    print(table)
    args.out.mkdir(parents=True, exist_ok=True)
    (args.out / "soak.md").write_text(table)
    (args.out / "soak.svg").write_text(plot(soaks))
    return 0 if all(s.flat(args.max_growth) for s in soaks) else 1


if __name__ == "__main__":
    sys.exit(main())
