"""A primary, its replica and one sentinel watching them, on loopback, owned by the tests.

``down-after-milliseconds`` is one second; :meth:`RedisSentinel.fail_primary` kills the primary and has
the sentinel promote the replica.
"""

from __future__ import annotations

import time
from collections.abc import Callable

from tests.support.redis_server import RedisServer

PRIMARY_NAME = "mcp-primary"
_SETTLE_SECONDS = 15


class RedisSentinel:
    def __init__(self) -> None:
        self.primary = RedisServer(["--repl-diskless-sync-delay", "0"])
        replica_of = ["--replicaof", "127.0.0.1", str(self.primary.port)]
        self.replica = RedisServer(["--repl-diskless-sync-delay", "0", *replica_of])
        config = (
            f"sentinel monitor {PRIMARY_NAME} 127.0.0.1 {self.primary.port} 1\n"
            f"sentinel down-after-milliseconds {PRIMARY_NAME} 1000\n"
            f"sentinel failover-timeout {PRIMARY_NAME} 5000\n"
        )
        self.sentinel = RedisServer(["--sentinel"], config=config)

    @property
    def url(self) -> str:
        return f"redis+sentinel://127.0.0.1:{self.sentinel.port}/{PRIMARY_NAME}/0"

    def start(self) -> None:
        for server in (self.primary, self.replica, self.sentinel):
            server.start()
        self._wait(lambda: self._synced() and self._replicas_known() > 0, "the sentinel did not see the replica")

    def stop(self) -> None:
        for server in (self.sentinel, self.replica, self.primary):
            server.stop()

    def primary_port(self) -> int:
        """The primary's port, as the sentinel tells its clients (once a failover has finished)."""
        fields = self.sentinel.command("SENTINEL", "MASTER", PRIMARY_NAME).splitlines()
        state = dict(zip(fields[::2], fields[1::2], strict=True))
        return 0 if "failover_in_progress" in state["flags"] else int(state["port"])

    def fail_primary(self) -> None:
        """Kill the primary and have the sentinel promote the replica at once (``SENTINEL FAILOVER``,
        rather than after ``down-after-milliseconds``); return once the sentinel names the new one.

        The primary is killed first because a live one stays writable until the sentinel demotes it,
        about ten seconds later (its conversion waits out a flapping guard): a client still connected
        to it writes there meanwhile, and what it wrote is lost when it becomes a replica."""
        self._wait(self._caught_up, "the replica did not catch up")  # so that no acknowledged write is lost
        self.primary.kill()
        self._wait(lambda: "OK" in self.sentinel.command("SENTINEL", "FAILOVER", PRIMARY_NAME), "no failover")
        self._wait(lambda: self.primary_port() == self.replica.port, "the failover did not finish")
        self.primary, self.replica = self.replica, self.primary

    def _synced(self) -> bool:
        roles = [server.command("INFO", "replication") for server in (self.primary, self.replica)]
        return sum("role:master" in role for role in roles) == 1 and any("master_link_status:up" in r for r in roles)

    def _caught_up(self) -> bool:
        def offset(server: RedisServer) -> int:
            info = server.command("INFO", "replication")
            return int(info.split("master_repl_offset:")[1].split()[0])

        return offset(self.replica) >= offset(self.primary)

    def _replicas_known(self) -> int:
        return self.sentinel.command("SENTINEL", "REPLICAS", PRIMARY_NAME).count("name")

    def _wait(self, done: Callable[[], bool], message: str) -> None:
        deadline = time.monotonic() + _SETTLE_SECONDS
        while not done():
            if time.monotonic() > deadline:
                raise RuntimeError(message)
            time.sleep(0.05)
