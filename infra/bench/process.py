"""Starting, probing and stopping the servers under test, and reading their CPU time and RSS.

Each server runs in its own session (so its process group can be killed whole, gunicorn workers
included) and is always stopped by the ``launch`` context manager, whatever happens inside it.
"""

import contextlib
import http.client
import json
import os
import secrets
import signal
import socket
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from pathlib import Path

from infra.bench.peers import Peer
from infra.bench.workloads import Workload

REPO = Path(__file__).resolve().parents[2]
GUNICORN_CONF = REPO / "infra" / "gunicorn.conf.py"
HOST = "127.0.0.1"
SERVER_CPU = "0"
_UVICORN_FLAGS = ("--loop", "uvloop", "--http", "httptools", "--no-access-log", "--log-level", "warning")
CLK_TCK = os.sysconf("SC_CLK_TCK")
_READY_TIMEOUT = 60.0
_POLL_INTERVAL = 0.005
_STOP_TIMEOUT = 10.0


class BenchError(Exception):
    """A server did not start or answered wrongly: the run cannot produce honest figures."""


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind((HOST, 0))
        port: int = sock.getsockname()[1]
        return port


def _command(peer: Peer, port: int, workers: int) -> list[str]:
    """One worker: uvicorn pinned to ``SERVER_CPU``. More: gunicorn, unpinned, as deployed."""
    if workers == 1:
        uvicorn = [sys.executable, "-m", "uvicorn", peer.app, "--host", HOST, "--port", str(port)]
        return ["taskset", "-c", SERVER_CPU, *uvicorn, *_UVICORN_FLAGS]
    config = ["-c", str(GUNICORN_CONF)] if GUNICORN_CONF.exists() else ["-k", "uvicorn_worker.UvicornWorker"]
    bind = f"{HOST}:{port}"
    return [sys.executable, "-m", "gunicorn", *config, "-w", str(workers), "-b", bind, peer.app]


_STATE_KEYS = json.dumps([secrets.token_hex(32)])
"""One ``FASTMCP_REQUEST_STATE_KEYS`` for the run: multi-worker and Redis-backed servers need it."""


def _environment(peer: Peer) -> dict[str, str]:
    """The caller's environment minus every ``FASTMCP_*`` (both our app and FastMCP read that
    prefix, so a stray setting would change one side only), plus the peer's own settings."""
    env = {key: value for key, value in os.environ.items() if not key.startswith("FASTMCP_")}
    return env | {"FASTMCP_REQUEST_STATE_KEYS": _STATE_KEYS} | dict(peer.env)


def _stat(pid: int) -> list[str]:
    """Fields of /proc/<pid>/stat from field 3 on (the command name may contain spaces)."""
    text = Path(f"/proc/{pid}/stat").read_text()
    return text[text.rindex(")") + 2 :].split()


def _tree(root: int) -> list[int]:
    """``root`` and its live descendants (gunicorn's workers)."""
    children: dict[int, list[int]] = {}
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            with contextlib.suppress(OSError):
                children.setdefault(int(_stat(int(entry.name))[1]), []).append(int(entry.name))
    found, todo = [], [root]
    while todo:
        pid = todo.pop()
        found.append(pid)
        todo.extend(children.get(pid, ()))
    return found


class Server:
    """A running server; figures are summed over its process tree."""

    def __init__(self, peer: Peer, workers: int, log_dir: Path) -> None:
        self.peer = peer
        self.workers = workers
        self.port = _free_port()
        self.url = f"http://{HOST}:{self.port}/mcp"
        self._log = log_dir / f"{peer.app.replace(':', '.')}-{self.port}.log"
        self._started = time.perf_counter()
        with self._log.open("wb") as log:
            self._process = subprocess.Popen(
                _command(peer, self.port, workers),
                cwd=REPO,
                env=_environment(peer),
                stdin=subprocess.DEVNULL,
                stdout=log,
                stderr=subprocess.STDOUT,
                start_new_session=True,
            )

    def wait_ready(self, probe: Workload) -> float:
        """Poll until ``probe`` is answered correctly; returns seconds since spawn (cold start)."""
        deadline = self._started + _READY_TIMEOUT
        while time.perf_counter() < deadline:
            if self._process.poll() is not None:
                raise BenchError(f"{self.peer.name} exited with {self._process.returncode}: {self._tail()}")
            with contextlib.suppress(ConnectionError):
                status, body = self._post(probe)
                if status == 200 and all(marker.encode() in body for marker in probe.markers):
                    return time.perf_counter() - self._started
                raise BenchError(f"{self.peer.name} answered {probe.name} with {status}: {body[:300]!r}")
            time.sleep(_POLL_INTERVAL)
        raise BenchError(f"{self.peer.name} not ready after {_READY_TIMEOUT:.0f} s: {self._tail()}")

    def _post(self, workload: Workload) -> tuple[int, bytes]:
        connection = http.client.HTTPConnection(HOST, self.port, timeout=10)
        try:
            connection.request("POST", "/mcp", body=workload.body, headers=dict(workload.headers))
            response = connection.getresponse()
            return response.status, response.read()
        finally:
            connection.close()

    def cpu_seconds(self) -> float:
        """User + system time of the tree, including reaped children (a recycled worker)."""
        ticks = 0
        for pid in _tree(self._process.pid):
            with contextlib.suppress(OSError):
                ticks += sum(int(field) for field in _stat(pid)[11:15])
        return ticks / CLK_TCK

    def rss_mib(self) -> float:
        """Resident memory of the tree (shared pages counted once per process)."""
        kib = 0
        for pid in _tree(self._process.pid):
            with contextlib.suppress(OSError):
                status = Path(f"/proc/{pid}/status").read_text()
                kib += next(int(line.split()[1]) for line in status.splitlines() if line.startswith("VmRSS:"))
        return kib / 1024

    def stop(self) -> None:
        """SIGTERM to the whole group, SIGKILL if it lingers."""
        with contextlib.suppress(ProcessLookupError):
            os.killpg(self._process.pid, signal.SIGTERM)
        try:
            self._process.wait(_STOP_TIMEOUT)
        except subprocess.TimeoutExpired:
            with contextlib.suppress(ProcessLookupError):
                os.killpg(self._process.pid, signal.SIGKILL)
            self._process.wait(_STOP_TIMEOUT)

    def _tail(self) -> str:
        return self._log.read_text(errors="replace")[-2000:]


@contextlib.contextmanager
def launch(peer: Peer, workers: int = 1) -> Iterator[tuple[Server, float]]:
    """A server ready to answer its probe, with its cold start in seconds; stopped on exit."""
    with tempfile.TemporaryDirectory(prefix="bench-") as log_dir:
        server = Server(peer, workers, Path(log_dir))
        try:
            yield server, server.wait_ready(peer.probe())
        finally:
            server.stop()
