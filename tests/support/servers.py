"""Real servers for over-the-socket tests: ``python -m app MODULE:ATTR`` as a subprocess on a free loopback port.

Each server runs in its own process group, so stopping it also stops anything it started. Start-up
waits for ``/healthz`` within a bounded time; if the server dies or never answers, the error carries
the tail of its stderr. The child's environment has no ``FASTMCP_*`` variable from the shell: only
what the :class:`ServerSpec` sets, so a test sees the same server on every machine.

A session keeps one :class:`ServerPool`; tests ask it for a spec and share the running server.
"""

from __future__ import annotations

import contextlib
import os
import signal
import socket
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO

import httpx

REPO = Path(__file__).resolve().parents[2]
EXAMPLE_SERVER = "app.tools:server"
CONFORMANCE_SERVER = "tests.fixtures.conformance_server:server"
START_TIMEOUT = 20.0
STOP_TIMEOUT = 10.0


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def child_environment(extra: Mapping[str, str] | None = None) -> dict[str, str]:
    """The shell's environment without ``FASTMCP_*``/``WEB_CONCURRENCY``, plus ``extra``."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("FASTMCP_") and k != "WEB_CONCURRENCY"}
    env.update(extra or {})
    env["PYTHONUNBUFFERED"] = "1"
    return env


@dataclass(frozen=True)
class ServerSpec:
    """Which server to run and how: hashable, so a pool runs each distinct spec once."""

    target: str = EXAMPLE_SERVER
    env: tuple[tuple[str, str], ...] = ()
    """Extra environment, e.g. ``(("FASTMCP_JSON_RESPONSE", "true"),)``."""

    @classmethod
    def of(cls, target: str = EXAMPLE_SERVER, **env: str) -> ServerSpec:
        return cls(target, tuple(sorted(env.items())))

    def __str__(self) -> str:
        settings = " ".join(f"{k}={v}" for k, v in self.env)
        return f"{self.target}{' ' + settings if settings else ''}"


@dataclass
class RunningServer:
    spec: ServerSpec
    port: int
    process: subprocess.Popen[bytes]
    log: IO[bytes] = field(repr=False)

    @property
    def base_url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    @property
    def url(self) -> str:
        """The MCP endpoint."""
        return f"{self.base_url}/mcp"

    def output(self, limit: int = 4000) -> str:
        """The tail of the server's stdout and stderr (for failure messages)."""
        self.log.flush()
        self.log.seek(0)
        text = self.log.read().decode("utf-8", "replace")
        return text[-limit:]

    def check_alive(self) -> None:
        if self.process.poll() is not None:
            raise RuntimeError(f"server {self.spec} exited with {self.process.returncode}:\n{self.output()}")

    def stop(self) -> None:
        """SIGTERM the process group, then SIGKILL it if it is still there after STOP_TIMEOUT."""
        if self.process.poll() is None:
            _signal_group(self.process.pid, signal.SIGTERM)
            try:
                self.process.wait(timeout=STOP_TIMEOUT)
            except subprocess.TimeoutExpired:
                _signal_group(self.process.pid, signal.SIGKILL)
                self.process.wait(timeout=STOP_TIMEOUT)
        self.log.close()


def _signal_group(pid: int, sig: signal.Signals) -> None:
    with contextlib.suppress(ProcessLookupError):
        os.killpg(pid, sig)


def start_server(spec: ServerSpec, *, timeout: float = START_TIMEOUT) -> RunningServer:
    """Start ``spec`` and return once ``/healthz`` answers; raise with the server's output otherwise."""
    port = free_port()
    command = [sys.executable, "-m", "app", spec.target, "--host", "127.0.0.1", "--port", str(port)]
    log = tempfile.TemporaryFile(prefix="mcp-server-")  # noqa: SIM115 - RunningServer.stop closes it
    process = subprocess.Popen(
        command,
        cwd=REPO,
        env=child_environment(dict(spec.env)),
        stdin=subprocess.DEVNULL,
        stdout=log,
        stderr=subprocess.STDOUT,
        start_new_session=True,
    )
    server = RunningServer(spec, port, process, log)
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            server.check_alive()
        except RuntimeError:
            server.stop()
            raise
        try:
            if httpx.get(f"{server.base_url}/healthz", timeout=1.0).status_code == 200:
                return server
        except httpx.TransportError:
            pass
        time.sleep(0.05)
    output = server.output()
    server.stop()
    raise RuntimeError(f"server {spec} did not answer /healthz within {timeout:g} s:\n{output}")


class ServerPool:
    """The servers of one test session: each distinct spec starts once, and all stop at the end."""

    def __init__(self) -> None:
        self._servers: dict[ServerSpec, RunningServer] = {}

    def get(self, spec: ServerSpec) -> RunningServer:
        server = self._servers.get(spec)
        if server is None:
            server = self._servers[spec] = start_server(spec)
        server.check_alive()
        return server

    def close(self) -> None:
        servers, self._servers = list(self._servers.values()), {}
        for server in servers:
            server.stop()


@contextlib.contextmanager
def spawned(
    command: list[str],
    port: int,
    env: Mapping[str, str] | None = None,
    *,
    cwd: Path = REPO,
    log: IO[bytes] | None = None,
) -> Iterator[str]:
    """Run any serving ``command`` (``python -m app ...``, ``uvicorn ...``) listening on ``port`` until
    ``/healthz`` answers; yields its base URL and stops its whole process group afterwards. Its stderr
    goes to ``log`` (a file the caller reads after) or to a temporary file."""
    with contextlib.ExitStack() as stack:
        if log is None:
            log = stack.enter_context(tempfile.TemporaryFile(prefix="mcp-spawned-"))
        process = subprocess.Popen(
            command,
            cwd=cwd,
            env=child_environment(env),
            stdout=subprocess.DEVNULL,
            stderr=log,
            start_new_session=True,
        )
        base = f"http://127.0.0.1:{port}"
        try:
            for _ in range(200):
                try:
                    if httpx.get(f"{base}/healthz", timeout=0.5).status_code == 200:
                        break
                except httpx.TransportError:
                    time.sleep(0.05)
            else:
                log.seek(0)
                raise AssertionError(f"not serving: {log.read().decode('utf-8', 'replace')[-4000:]}")
            yield base
        finally:
            os.killpg(process.pid, signal.SIGTERM)
            process.wait(timeout=15)
