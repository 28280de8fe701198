"""A real Redis Cluster on loopback, owned by the tests: three masters, a replica each.

``cluster-node-timeout`` is one second, so a killed master's replica takes over within about three;
:meth:`RedisCluster.heal` brings the killed node back as a replica.
"""

from __future__ import annotations

import shutil
import subprocess
import time

from tests.support.redis_server import RedisServer
from tests.support.servers import free_port

NODE_TIMEOUT_MS = 1000
_SETTLE_SECONDS = 15


class RedisCluster:
    def __init__(self, masters: int = 3) -> None:
        options = ["--cluster-enabled", "yes", "--cluster-node-timeout", str(NODE_TIMEOUT_MS)]
        options += ["--repl-diskless-sync-delay", "0"]  # a replica's first sync at once, not after 5 s
        # The bus port is given too: by default it is the port + 10000, which may be taken or too high.
        self.nodes = [RedisServer([*options, "--cluster-port", str(free_port())]) for _ in range(2 * masters)]

    @property
    def url(self) -> str:
        """The ``redis+cluster://`` URL naming every node as a seed."""
        return "redis+cluster://" + ",".join(f"127.0.0.1:{node.port}" for node in self.nodes)

    def start(self) -> None:
        for node in self.nodes:
            node.start()
        cli = shutil.which("redis-cli") or "redis-cli"
        addresses = [f"127.0.0.1:{node.port}" for node in self.nodes]
        create = [cli, "--cluster", "create", *addresses, "--cluster-replicas", "1", "--cluster-yes"]
        subprocess.run(create, capture_output=True, check=True, timeout=30)
        self.wait_healthy()

    def stop(self) -> None:
        for node in self.nodes:
            node.stop()

    def kill_master_of(self, key: str) -> RedisServer:
        """SIGKILL the master holding ``key``'s slot; its replica takes over about two seconds later."""
        master = self.master_of(key)
        master.kill()
        return master

    def heal(self) -> None:
        """Start every killed node again (it rejoins as a replica) and wait for a whole cluster."""
        for node in self.nodes:
            if node.process is None:
                node.start()
        self.wait_healthy()

    def node_at(self, port: int) -> RedisServer:
        return next(node for node in self.nodes if node.port == port)

    def roles(self) -> dict[int, int | None]:
        """Every running node's port, with its master's port (``None`` for a master), as the nodes see it."""
        roles: dict[int, int | None] = {}
        for line in self._live().command("CLUSTER", "NODES").splitlines():
            _, address, flags, master, *_ = line.split()
            if "fail" in flags or "noaddr" in flags:
                continue
            port = int(address.split("@")[0].rsplit(":", 1)[1])
            roles[port] = None if "master" in flags else self._port_of(master)
        return roles

    def master_of(self, key: str) -> RedisServer:
        """The node that holds ``key``'s slot now."""
        slot = int(self._live().command("CLUSTER", "KEYSLOT", key))
        for entry in self._slots():
            if entry[0] <= slot <= entry[1]:
                return self.node_at(entry[2])
        raise AssertionError(f"no node holds slot {slot}")

    def replica_of(self, master: RedisServer) -> RedisServer:
        return next(self.node_at(port) for port, of in self.roles().items() if of == master.port)

    def wait_healthy(self) -> None:
        """Until every running node says the cluster is ok and every slot has a master that answers."""
        deadline = time.monotonic() + _SETTLE_SECONDS
        while time.monotonic() < deadline:
            live = [node for node in self.nodes if node.process is not None]
            states = [node.command("CLUSTER", "INFO") for node in live]
            if all("cluster_state:ok" in state for state in states) and self._covered() and self._synced(live):
                return
            time.sleep(0.05)
        raise RuntimeError("the Redis Cluster did not settle")

    def _synced(self, live: list[RedisServer]) -> bool:
        """Every replica has its master's data (only such a replica may take over)."""
        infos = [node.command("INFO", "replication") for node in live]
        return all("role:master" in info or "master_link_status:up" in info for info in infos)

    def _covered(self) -> bool:
        slots = self._slots()
        live = {node.port for node in self.nodes if node.process is not None}
        return sum(end - start + 1 for start, end, _ in slots) == 16384 and all(port in live for *_, port in slots)

    def _slots(self) -> list[tuple[int, int, int]]:
        """(first slot, last slot, master's port) for each range, as ``CLUSTER SHARDS`` would give."""
        ranges = []
        for line in self._live().command("CLUSTER", "NODES").splitlines():
            _, address, flags, *rest = line.split()
            if "master" not in flags or "fail" in flags:
                continue
            port = int(address.split("@")[0].rsplit(":", 1)[1])
            for item in rest[5:]:
                if item.startswith("["):
                    continue  # a slot being migrated
                start, _, end = item.partition("-")
                ranges.append((int(start), int(end or start), port))
        return ranges

    def _port_of(self, node_id: str) -> int | None:
        for line in self._live().command("CLUSTER", "NODES").splitlines():
            fields = line.split()
            if fields[0] == node_id:
                return int(fields[1].split("@")[0].rsplit(":", 1)[1])
        return None

    def _live(self) -> RedisServer:
        return next(node for node in self.nodes if node.process is not None)
