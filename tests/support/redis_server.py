"""A real ``redis-server`` on a free loopback port, owned by the tests (never the machine's own)."""

from __future__ import annotations

import shutil
import socket
import subprocess
import tempfile
import time
from collections.abc import Sequence
from pathlib import Path

from tests.support.servers import free_port


class RedisServer:
    """Start, stop and restart (on the same port) a throw-away Redis. ``options`` are added to its
    command line (``--cluster-enabled yes``...); a ``config`` text is written to a file that comes first
    (a sentinel needs one it can rewrite)."""

    def __init__(self, options: Sequence[str] = (), config: str | None = None) -> None:
        binary = shutil.which("redis-server")
        if binary is None:
            raise RuntimeError(
                "redis-server is not installed: run `apt-get install -y redis-server` (make install does)"
            )
        self.binary = binary
        self.port = free_port()
        self.directory = tempfile.mkdtemp(prefix="redis-test-")
        self.options = list(options)
        self.config: list[str] = []
        if config is not None:
            path = Path(self.directory) / "redis.conf"
            path.write_text(config)
            self.config = [str(path)]
        self.process: subprocess.Popen[bytes] | None = None

    @property
    def url(self) -> str:
        return f"redis://127.0.0.1:{self.port}/0"

    def start(self) -> None:
        command = [self.binary, *self.config, "--port", str(self.port), "--bind", "127.0.0.1", "--save", ""]
        command += ["--appendonly", "no", "--dir", self.directory, *self.options]
        self.process = subprocess.Popen(command, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        deadline = time.monotonic() + 10
        while time.monotonic() < deadline:
            try:
                with socket.create_connection(("127.0.0.1", self.port), timeout=0.5) as sock:
                    sock.sendall(b"PING\r\n")
                    if sock.recv(16).startswith(b"+PONG"):
                        return
            except OSError:
                time.sleep(0.05)
        raise RuntimeError(f"redis-server did not answer on port {self.port} within 10 s")

    def stop(self) -> None:
        if self.process is not None:
            self.process.terminate()
            self.process.wait(timeout=10)
            self.process = None

    def kill(self) -> None:
        """SIGKILL, as when its machine dies: no goodbye to the cluster or the sentinels."""
        if self.process is not None:
            self.process.kill()
            self.process.wait(timeout=10)
            self.process = None

    def command(self, *args: str) -> str:
        """One command through ``redis-cli``, its reply as text (for setting a cluster or sentinel up)."""
        cli = [shutil.which("redis-cli") or "redis-cli", "-h", "127.0.0.1", "-p", str(self.port), *args]
        return subprocess.run(cli, capture_output=True, text=True, check=True, timeout=10).stdout
