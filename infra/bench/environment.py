"""What a result was measured on: the machine and the versions, recorded next to the figures."""

import os
import platform
import subprocess
from dataclasses import dataclass
from datetime import UTC, datetime
from importlib import metadata
from pathlib import Path

from infra.bench.load import wrk_version
from infra.bench.process import REPO

_PACKAGES = (
    "mcp-stateless-template",
    "fastmcp",
    "mcp",
    "starlette",
    "uvicorn",
    "uvloop",
    "httptools",
    "orjson",
    "gunicorn",
    "uvicorn-worker",
)


def _cpu_model() -> str:
    for line in Path("/proc/cpuinfo").read_text().splitlines():
        if line.startswith("model name"):
            return line.split(":", 1)[1].strip()
    return platform.processor() or "unknown"


def _memory_gib() -> float:
    for line in Path("/proc/meminfo").read_text().splitlines():
        if line.startswith("MemTotal:"):
            return int(line.split()[1]) / 1024**2
    return 0.0


def machine() -> str:
    return f"{os.cpu_count()} x {_cpu_model()}, {_memory_gib():.0f} GiB, {platform.system()} {platform.release()}"


def _commit() -> str:
    completed = subprocess.run(
        ["git", "describe", "--always", "--dirty"], cwd=REPO, capture_output=True, text=True, check=False
    )
    return completed.stdout.strip() or "no commit"


def versions() -> dict[str, str]:
    found = {"python": platform.python_version(), "commit": _commit(), "wrk": wrk_version()}
    for package in _PACKAGES:
        try:
            found[package] = metadata.version(package)
        except metadata.PackageNotFoundError:
            found[package] = "not installed"
    return found


@dataclass(frozen=True)
class Provenance:
    """When, on what and with which versions a set of figures was measured."""

    date: str
    machine: str
    versions: dict[str, str]


def provenance() -> Provenance:
    """Now, this machine, these versions; raises ``FileNotFoundError`` when wrk is missing."""
    found = versions()
    return Provenance(datetime.now(UTC).strftime("%Y-%m-%d %H:%M UTC"), machine(), found)
