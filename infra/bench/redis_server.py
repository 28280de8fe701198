"""A throwaway ``redis-server`` for the soak's Redis store, and the two figures the soak reads off it.

The soak empties the database and counts every key in it, so it must never touch a Redis anyone
else uses: it starts its own on a free loopback port, persisting nothing, with the rig's process
helper (own session, bounded stop), and stops it whatever happens.
"""

from __future__ import annotations

import contextlib
import shutil
import tempfile
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from types import TracebackType

import redis

from infra.bench.process import BenchError
from infra.sim.processes import LOOPBACK, Child, RigError, free_ports

_READY_TIMEOUT = 10.0
_SOCKET_TIMEOUT = 5.0


@contextlib.contextmanager
def redis_server(cpu: str | None = None) -> Iterator[str]:
    """The URL of a fresh, empty Redis that lives as long as the ``with`` block, pinned to ``cpu``
    if given (away from the server under test, as a Redis of its own machine would be)."""
    binary = shutil.which("redis-server")
    if binary is None:
        raise BenchError("redis-server is not installed: apt-get install -y redis-server (`make system` does it)")
    (port,) = free_ports(1)
    url = f"redis://{LOOPBACK}:{port}/0"
    with tempfile.TemporaryDirectory(prefix="bench-redis-") as directory:
        argv = [binary, "--port", str(port), "--bind", LOOPBACK, "--save", "", "--appendonly", "no", "--dir", directory]
        if cpu is not None:
            argv = ["taskset", "-c", cpu, *argv]
        child = Child("redis-server", argv, log=Path(directory) / "redis.log")
        child.start()
        try:
            child.wait_ready(lambda: _answers(url), _READY_TIMEOUT)
        except RigError as error:
            child.stop()
            raise BenchError(str(error)) from error
        try:
            yield url
        finally:
            child.stop()


def _answers(url: str) -> bool:
    with (
        contextlib.suppress(redis.ConnectionError, redis.TimeoutError),
        redis.Redis.from_url(url, socket_timeout=1.0) as client,
    ):
        return bool(client.ping())
    return False


@dataclass(frozen=True)
class RedisMemory:
    """What Redis holds: ``INFO memory`` used_memory (bytes) and DBSIZE (keys of the soak's database)."""

    used_bytes: int
    keys: int

    @property
    def used_mib(self) -> float:
        return self.used_bytes / 2**20


class RedisGauge:
    """A plain synchronous client reading ``RedisMemory``, apart from the worker's own connections."""

    def __init__(self, url: str) -> None:
        self._client = redis.Redis.from_url(url, socket_timeout=_SOCKET_TIMEOUT)

    def __enter__(self) -> RedisGauge:
        return self

    def __exit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        self._client.close()

    def read(self) -> RedisMemory:
        info = self._client.info("memory")
        return RedisMemory(int(info["used_memory"]), int(self._client.dbsize()))

    def empty(self) -> None:
        """Start a run from nothing: what an earlier run left must not count against this one."""
        self._client.flushdb()

    def wait_for_keys(self, at_most: int, seconds: float, poll: float = 0.25) -> tuple[RedisMemory, float]:
        """Poll until Redis holds ``at_most`` keys or ``seconds`` pass; the last reading and the wait."""
        started = time.monotonic()
        while True:
            reading = self.read()
            waited = time.monotonic() - started
            if reading.keys <= at_most or waited >= seconds:
                return reading, waited
            time.sleep(poll)
