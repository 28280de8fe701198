"""Child processes of the rig: each leads its own process group, logs to a file, and stops within a bound."""

from __future__ import annotations

import contextlib
import os
import signal
import socket
import subprocess
import time
from collections.abc import Callable, Mapping, Sequence
from pathlib import Path

__all__ = ["LOOPBACK", "Child", "RigError", "free_ports"]

LOOPBACK = "127.0.0.1"
_POLL_INTERVAL = 0.05


class RigError(RuntimeError):
    """A part of the rig did not start or stop in time; the message carries its log's tail."""


def free_ports(count: int) -> list[int]:
    """Distinct loopback ports free right now (all held open together, so none repeats)."""
    sockets = [socket.socket() for _ in range(count)]
    try:
        for sock in sockets:
            sock.bind((LOOPBACK, 0))
        return [sock.getsockname()[1] for sock in sockets]
    finally:
        for sock in sockets:
            sock.close()


class Child:
    """One long-running program of the rig.

    It starts in a new session, so Ctrl-C in the terminal reaches only the rig, and a stop can
    sweep the whole group (gunicorn's or nginx's workers too) without touching anything else.
    """

    def __init__(
        self,
        name: str,
        argv: Sequence[str],
        *,
        log: Path,
        env: Mapping[str, str] | None = None,
        cwd: Path | None = None,
    ) -> None:
        self.name = name
        self.argv = list(argv)
        self.log = log
        self.env = dict(os.environ if env is None else env)
        self.cwd = cwd
        self._process: subprocess.Popen[bytes] | None = None

    @property
    def pid(self) -> int | None:
        return None if self._process is None else self._process.pid

    def start(self) -> None:
        with self.log.open("ab") as log:
            self._process = subprocess.Popen(
                self.argv,
                env=self.env,
                cwd=self.cwd,
                stdin=subprocess.DEVNULL,
                stdout=log,
                stderr=subprocess.STDOUT,
                start_new_session=True,
            )

    def running(self) -> bool:
        """True while the leader has not exited (it may still be unreaped)."""
        if self._process is None or self._process.returncode is not None:
            return False
        info = os.waitid(os.P_PID, self._process.pid, os.WEXITED | os.WNOHANG | os.WNOWAIT)
        return info is None

    def wait_ready(self, probe: Callable[[], bool], timeout: float) -> None:
        """Poll `probe` until it is true; fail fast if the program exits, and after `timeout`."""
        deadline = time.monotonic() + timeout
        while not probe():
            if not self.running():
                raise RigError(f"{self.name} exited during start-up:\n{self.log_tail()}")
            if time.monotonic() > deadline:
                raise RigError(f"{self.name} not ready after {timeout:.0f}s:\n{self.log_tail()}")
            time.sleep(_POLL_INTERVAL)

    def stop(self, sig: signal.Signals = signal.SIGTERM, timeout: float = 10.0) -> bool:
        """Send `sig` to the leader, give it `timeout` seconds, then SIGKILL whatever is left.

        True when the leader exited on its own. The group is swept while the exited leader is
        still unreaped, so its id cannot have been reused by an unrelated process.
        """
        if self._process is None:
            return True
        graceful = True
        if self.running():
            self._process.send_signal(sig)
            graceful = self._exits_within(timeout)
        self._kill_group()
        self._process.wait(timeout)
        self._process = None
        return graceful

    def kill(self) -> None:
        """SIGKILL the whole group at once, as when a container is killed."""
        if self._process is not None:
            self._kill_group()
            self._process.wait(5.0)
            self._process = None

    def _exits_within(self, timeout: float) -> bool:
        deadline = time.monotonic() + timeout
        while self.running():
            if time.monotonic() > deadline:
                return False
            time.sleep(_POLL_INTERVAL)
        return True

    def _kill_group(self) -> None:
        assert self._process is not None
        with contextlib.suppress(ProcessLookupError):
            os.killpg(self._process.pid, signal.SIGKILL)

    def log_tail(self, lines: int = 30) -> str:
        text = self.log.read_text(errors="replace") if self.log.exists() else ""
        return "\n".join(text.splitlines()[-lines:])
