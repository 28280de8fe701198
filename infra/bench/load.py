"""Driving a server with wrk and reading back only the correct answers.

wrk is the load generator because it costs far less per request than the servers under test, so
on its own core it is never the bottleneck; ``Load.client_busy`` shows how close it came.
"""

import json
import os
import resource
import shutil
import subprocess
from dataclasses import dataclass
from pathlib import Path

from infra.bench.workloads import Workload

LOAD_CPU = "1"
_SCRIPT = Path(__file__).with_name("wrk.lua")
_WRK_TIMEOUT = "5s"
_GRACE = 30.0


@dataclass(frozen=True)
class Load:
    """One wrk run. It is valid only if every answer was correct and no socket failed."""

    good: int
    bad: int
    socket_errors: int
    timeouts: int
    seconds: float
    p50_ms: float
    p99_ms: float
    client_cpu_seconds: float
    bad_sample: str

    @property
    def valid(self) -> bool:
        return self.good > 0 and self.bad == self.socket_errors == self.timeouts == 0

    @property
    def problem(self) -> str:
        """Empty when valid; otherwise what went wrong, for the report."""
        if self.valid:
            return ""
        counts = f"{self.good} good, {self.bad} bad, {self.socket_errors} socket errors, {self.timeouts} timeouts"
        return f"{counts}; first bad answer: {self.bad_sample}" if self.bad_sample else counts


def wrk_version() -> str:
    """The version word of ``wrk -v`` ("wrk 4.2.0 [epoll] ..."); raises if wrk is missing."""
    if shutil.which("wrk") is None:
        raise FileNotFoundError("wrk is not installed: apt-get install -y wrk")
    completed = subprocess.run(["wrk", "-v"], capture_output=True, text=True, check=False)
    words = completed.stdout.split()
    return words[1] if len(words) > 1 else "unknown"


def drive(url: str, workload: Workload, seconds: int, connections: int, cpu: str | None) -> Load:
    """Run wrk (one thread, pinned to ``cpu`` unless None) against ``url`` for ``seconds``."""
    env = os.environ | {
        "BENCH_BODY": workload.body.decode(),
        "BENCH_HEADERS": "\n".join(f"{name}: {value}" for name, value in workload.headers),
        "BENCH_MARKERS": "\n".join(workload.markers),
        "BENCH_CONTENT_TYPE": workload.content_type,
    }
    wrk = [
        "wrk",
        "-t1",
        f"-c{connections}",
        f"-d{seconds}s",
        f"--timeout={_WRK_TIMEOUT}",
        f"-s{_SCRIPT}",
        url,
    ]
    command = ["taskset", "-c", cpu, *wrk] if cpu is not None else wrk
    # Children's rusage grows only when a child is reaped, and wrk is the only one reaped here.
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    completed = subprocess.run(command, env=env, capture_output=True, text=True, timeout=seconds + _GRACE, check=False)
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    lines = completed.stdout.splitlines()
    result = next((line.removeprefix("BENCH_RESULT ") for line in lines if line.startswith("BENCH_RESULT ")), None)
    if completed.returncode != 0 or result is None:
        raise RuntimeError(f"wrk failed ({completed.returncode}): {completed.stderr or completed.stdout}")
    figures = json.loads(result)
    return Load(
        good=figures["good"],
        bad=figures["bad"],
        socket_errors=figures["socket_errors"],
        timeouts=figures["timeouts"],
        seconds=figures["duration_us"] / 1e6,
        p50_ms=figures["p50_us"] / 1e3,
        p99_ms=figures["p99_us"] / 1e3,
        client_cpu_seconds=(after.ru_utime + after.ru_stime) - (before.ru_utime + before.ru_stime),
        bad_sample=next((line.removeprefix("BENCH_BAD ") for line in lines if line.startswith("BENCH_BAD ")), ""),
    )
