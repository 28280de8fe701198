"""Rig: N gunicorn instances of the app behind a real nginx, sharing one redis-server, on loopback."""

from __future__ import annotations

import json
import os
import secrets
import shutil
import signal
import socket
import sys
import tempfile
import urllib.error
import urllib.request
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from types import TracebackType

from .nginx import write_config
from .processes import LOOPBACK, Child, RigError, free_ports

__all__ = ["Instance", "Rig"]

REPO = Path(__file__).resolve().parents[2]
GUNICORN_CONF = REPO / "infra" / "gunicorn.conf.py"
_INSTALL_HINT = "install it with: apt-get install -y {package}"
# Debian installs nginx in /usr/sbin, which a non-root user's PATH often lacks.
_SEARCH_PATH = os.pathsep.join([os.environ.get("PATH", ""), "/usr/sbin", "/usr/local/sbin"])


@dataclass
class Instance:
    """One replica: a gunicorn master and its workers, always on the same port."""

    name: str
    port: int
    child: Child

    @property
    def pid(self) -> int | None:
        """The gunicorn master's pid; None while the instance is down."""
        return self.child.pid

    @property
    def base_url(self) -> str:
        return f"http://{LOOPBACK}:{self.port}"


class Rig:
    """A local stand-in for a scaled-out deployment; use it as a context manager.

    Every part is real: `redis-server`, `gunicorn -c infra/gunicorn.conf.py app.main:app`
    (`instances` of them, `workers` each) and nginx with the infra/nginx template. `env`
    is added to every instance's environment and overrides the rig's defaults (event store,
    served tool set), except the bind address, which stays on loopback. `asgi_app` replaces
    the app itself (it must answer GET /healthz), e.g. to see what nginx forwards. `redis_url`
    names a Redis the caller runs (a Redis Cluster, a Sentinel) instead of the rig's own.
    """

    def __init__(
        self,
        instances: int = 3,
        workers: int = 2,
        *,
        server: str = "tools:server",
        env: Mapping[str, str] | None = None,
        asgi_app: str = "app.main:app",
        startup_timeout: float = 30.0,
        redis_url: str | None = None,
    ) -> None:
        nginx = _require("nginx", "nginx-light")
        self.startup_timeout = startup_timeout
        self.asgi_app = asgi_app
        self._dir = Path(tempfile.mkdtemp(prefix="mcp-rig-"))
        # nginx workers run as `nobody` when the rig runs as root: let them reach their temp dirs.
        self._dir.chmod(0o755)
        redis_port, nginx_port, *ports = free_ports(2 + instances)
        self.redis_url = redis_url or f"redis://{LOOPBACK}:{redis_port}/0"
        self._redis = None if redis_url else self._redis_child(redis_port)
        self._redis_port = redis_port
        self.env = {
            "FASTMCP_EVENT_STORE": "redis",
            "FASTMCP_REDIS_URL": self.redis_url,
            "FASTMCP_SERVER": server,
            "WEB_CONCURRENCY": str(workers),
            # Every instance opens what any other sealed (2026-07-28 retries land anywhere).
            "FASTMCP_REQUEST_STATE_KEYS": json.dumps([secrets.token_hex(32)]),
            **(env or {}),
        }
        self.instances = [self._instance(f"app{n}", port) for n, port in enumerate(ports, start=1)]
        prefix = self._dir / "nginx"
        prefix.mkdir(mode=0o755)
        conf = write_config(prefix, f"{LOOPBACK}:{nginx_port}", [f"{LOOPBACK}:{p}" for p in ports])
        self._nginx = Child(
            "nginx",
            [nginx, "-p", f"{prefix}/", "-c", str(conf), "-e", str(prefix / "error.log")],
            log=prefix / "stderr.log",
        )
        path = self.env.get("FASTMCP_STREAMABLE_HTTP_PATH", "/mcp")
        self.base_url = f"http://{LOOPBACK}:{nginx_port}"
        self.url = self.base_url + path

    def _redis_child(self, port: int) -> Child:
        binary = _require("redis-server", "redis-server")
        options = ["--port", str(port), "--bind", LOOPBACK, "--save", "", "--appendonly", "no", "--dir", str(self._dir)]
        return Child("redis", [binary, *options], log=self._dir / "redis.log")

    def _instance(self, name: str, port: int) -> Instance:
        env = {**os.environ, **self.env, "GUNICORN_BIND": f"{LOOPBACK}:{port}"}
        argv = [sys.executable, "-m", "gunicorn", "--config", str(GUNICORN_CONF), self.asgi_app]
        # From the repository root, so FASTMCP_SERVER may name a module there (tests.deploy...).
        child = Child(name, argv, log=self._dir / f"{name}.log", env=env, cwd=REPO)
        return Instance(name, port, child)

    # -- lifecycle -------------------------------------------------------------------------------

    def __enter__(self) -> Rig:
        try:
            self.start()
        except BaseException:
            self.close()
            raise
        return self

    def __exit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        self.close()

    def start(self) -> None:
        """Start Redis (unless the caller runs it), every instance, then nginx; return once each answers."""
        if self._redis is not None:
            self.start_redis()
        for index in range(len(self.instances)):
            self.start_instance(index)
        self._nginx.start()
        self._nginx.wait_ready(lambda: _healthy(self.base_url), self.startup_timeout)

    def close(self) -> None:
        """Stop everything the rig started, nginx first, and remove its directory."""
        self._nginx.stop(signal.SIGTERM)
        for instance in self.instances:
            instance.child.stop(signal.SIGTERM, timeout=self._graceful_timeout())
        if self._redis is not None:
            self._redis.stop(signal.SIGTERM)
        shutil.rmtree(self._dir, ignore_errors=True)

    # -- instances -------------------------------------------------------------------------------

    def start_instance(self, index: int) -> None:
        """Start instance `index` (again) on its port and wait until /healthz answers."""
        instance = self.instances[index]
        instance.child.start()
        instance.child.wait_ready(lambda: _healthy(instance.base_url), self.startup_timeout)

    def stop_instance(self, index: int) -> bool:
        """SIGTERM the instance's master, as Kubernetes does; True if it exited within its graceful timeout."""
        return self.instances[index].child.stop(signal.SIGTERM, timeout=self._graceful_timeout() + 5)

    def restart(self, index: int) -> bool:
        """Gracefully stop instance `index`, then start it again on the same port."""
        graceful = self.stop_instance(index)
        self.start_instance(index)
        return graceful

    def kill(self, index: int) -> None:
        """SIGKILL instance `index`, master and workers at once; start_instance() brings it back."""
        self.instances[index].child.kill()

    def _graceful_timeout(self) -> float:
        return float(self.env.get("GUNICORN_GRACEFUL_TIMEOUT", 40))

    # -- redis -----------------------------------------------------------------------------------

    def start_redis(self) -> None:
        """Start redis-server (again) on its port and wait until it answers PING."""
        redis = self._own_redis()
        redis.start()
        redis.wait_ready(lambda: _redis_pong(self._redis_port), self.startup_timeout)

    def stop_redis(self) -> None:
        """Stop redis-server; the data goes with it (no persistence), as in a failover to an empty node."""
        self._own_redis().stop(signal.SIGTERM)

    def _own_redis(self) -> Child:
        if self._redis is None:
            raise RigError("this rig uses a Redis it does not run (redis_url)")
        return self._redis


def _require(program: str, package: str) -> str:
    path = shutil.which(program, path=_SEARCH_PATH)
    if path is None:
        raise RigError(f"{program} not found on PATH; " + _INSTALL_HINT.format(package=package))
    return path


def _healthy(base_url: str) -> bool:
    try:
        with urllib.request.urlopen(base_url + "/healthz", timeout=1) as response:
            return bool(response.status == 200)
    except (urllib.error.URLError, OSError):
        return False


def _redis_pong(port: int) -> bool:
    try:
        with socket.create_connection((LOOPBACK, port), timeout=1) as sock:
            sock.sendall(b"PING\r\n")
            return sock.recv(64).startswith(b"+PONG")
    except OSError:
        return False
