"""The fleet in numbers: nginx in front of one and of two instances (one worker each) on a Redis
store, driven with tools/call JSON and the resumable 3-progress SSE reply; and how long a client
whose stream was cut takes to resume it on the other instance.

It is the local rig of ``python -m infra.sim``: every process shares the machine's cores with wrk,
so the figures say how the parts fit together, not what a real fleet of machines would reach.
"""

from __future__ import annotations

import contextlib
import http.client
import statistics
import sys
import time
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from infra.bench.load import drive
from infra.bench.measure import Plan
from infra.bench.workloads import CALL_LEGACY, RESUMABLE, SSE_RESUMABLE, Workload
from infra.sim import Rig
from infra.sim.processes import LOOPBACK

INSTANCES = (1, 2)
WORKLOADS = {CALL_LEGACY: "tools/call JSON", SSE_RESUMABLE: "resumable SSE"}
"""What each configuration is driven with, and its short name in the plot."""
_SERVER = "infra.bench.servers.ours:server"
_TIMEOUT = 10.0


@dataclass(frozen=True)
class FleetRow:
    """One workload through nginx in front of ``instances`` instances."""

    instances: int
    workload: str
    short: str
    rps: float
    p50_ms: float
    p99_ms: float
    problem: str

    @property
    def configuration(self) -> str:
        return f"nginx + {self.instances} instance{'s' if self.instances > 1 else ''}"


@dataclass(frozen=True)
class Resumes:
    """Seconds from a ``GET`` with ``Last-Event-ID`` on the other instance to the final event."""

    seconds: tuple[float, ...]
    failures: int

    @property
    def p50_ms(self) -> float:
        return statistics.median(self.seconds) * 1e3

    @property
    def p99_ms(self) -> float:
        return statistics.quantiles(self.seconds, n=100, method="inclusive")[98] * 1e3

    def describe(self) -> str:
        return (
            f"{len(self.seconds)} resumes, p50 {self.p50_ms:.2f} ms, p99 {self.p99_ms:.2f} ms, {self.failures} failed"
        )


@dataclass(frozen=True)
class Fleet:
    rows: list[FleetRow]
    resumes: Resumes
    worker_rss_mib: float
    """The largest RSS of a gunicorn worker after the load, as deployed (the master apart)."""
    instance_start_s: float
    """An instance restarted: seconds from spawning gunicorn to its worker answering ``/healthz``."""


def _worker_rss_mib(master: int) -> float:
    """The largest RSS among the master's children (its workers)."""
    children = Path(f"/proc/{master}/task/{master}/children").read_text().split()
    sizes = [0]
    for pid in children:
        with contextlib.suppress(OSError):
            status = Path(f"/proc/{pid}/status").read_text().splitlines()
            sizes += [int(line.split()[1]) for line in status if line.startswith("VmRSS:")]
    return max(sizes) / 1024


def _restart_seconds(rig: Rig, index: int) -> float:
    rig.stop_instance(index)
    started = time.perf_counter()
    rig.start_instance(index)
    return time.perf_counter() - started


def _events(response: http.client.HTTPResponse) -> tuple[str, bytes]:
    """Read one SSE event: its id (empty if none) and its data."""
    event_id, data = "", b""
    while line := response.readline():
        if line in (b"\n", b"\r\n"):
            if event_id or data:
                return event_id, data
        elif line.startswith(b"id: "):
            event_id = line[4:].strip().decode()
        elif line.startswith(b"data: "):
            data = line[6:].strip()
    raise ConnectionError("the stream ended early")


def _cut_then_resume(first: int, second: int) -> float:
    """Start a resumable call on port ``first``, cut it after its first progress event, resume it on
    port ``second``; the resume's seconds to the final result."""
    call = http.client.HTTPConnection(LOOPBACK, first, timeout=_TIMEOUT)
    try:
        call.request("POST", "/mcp", body=SSE_RESUMABLE.body, headers=dict(SSE_RESUMABLE.headers))
        response = call.getresponse()
        while True:
            event_id, data = _events(response)
            if b'"progress"' in data:
                break
    finally:
        call.close()  # the cut
    started = time.perf_counter()
    resume = http.client.HTTPConnection(LOOPBACK, second, timeout=_TIMEOUT)
    try:
        headers = {"Accept": "text/event-stream", "MCP-Protocol-Version": RESUMABLE, "Last-Event-ID": event_id}
        resume.request("GET", "/mcp", headers=headers)
        response = resume.getresponse()
        if response.status != 200:
            raise ConnectionError(f"resume answered {response.status}")
        while b'"result"' not in _events(response)[1]:
            pass
    finally:
        resume.close()
    return time.perf_counter() - started


def resumes(ports: Sequence[int], count: int) -> Resumes:
    """``count`` cut-and-resume rounds, each started on one instance and resumed on the other."""
    seconds, failures = [], 0
    for n in range(count):
        first, second = ports[n % 2], ports[(n + 1) % 2]
        try:
            seconds.append(_cut_then_resume(first, second))
        except (OSError, http.client.HTTPException):
            failures += 1
    return Resumes(tuple(seconds), failures)


def _row(instances: int, url: str, workload: Workload, plan: Plan) -> FleetRow:
    drive(url, workload, plan.warmup, plan.connections, None)
    load = drive(url, workload, plan.duration, plan.connections, None)
    rps = load.good / load.seconds
    return FleetRow(instances, workload.title, WORKLOADS[workload], rps, load.p50_ms, load.p99_ms, load.problem)


def measure(plan: Plan, resume_count: int) -> Fleet:
    """Every configuration in turn (each rig started and stopped whole), then the resumes on two."""
    rows: list[FleetRow] = []
    timed, rss, start = Resumes((), 0), 0.0, 0.0
    for instances in INSTANCES:
        print(f"fleet: nginx + {instances} instance(s), Redis store...", file=sys.stderr)
        with Rig(instances, workers=1, server=_SERVER) as rig:
            rows += [_row(instances, rig.url, workload, plan) for workload in WORKLOADS]
            rss = max([rss] + [_worker_rss_mib(i.pid) for i in rig.instances if i.pid is not None])
            if instances > 1:
                timed = resumes([instance.port for instance in rig.instances], resume_count)
                start = _restart_seconds(rig, 0)
    return Fleet(rows, timed, rss, start)
