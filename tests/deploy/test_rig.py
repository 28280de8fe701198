"""The multi-replica rig itself: it serves through nginx, survives the faults it injects, and
leaves no process behind."""

from __future__ import annotations

import os
import socket
from collections.abc import Iterator

import httpx
import pytest

from infra.sim import Rig

LIST_TOOLS = {"jsonrpc": "2.0", "id": 1, "method": "tools/list"}
HEADERS = {"Accept": "application/json, text/event-stream", "MCP-Protocol-Version": "2025-11-25"}


@pytest.fixture(scope="module")
def rig() -> Iterator[Rig]:
    with Rig(instances=2, workers=1, env={"GUNICORN_GRACEFUL_TIMEOUT": "5"}) as rig:
        yield rig


def _list_tools(rig: Rig, times: int = 6) -> list[int]:
    with httpx.Client(timeout=10) as client:
        return [client.post(rig.url, json=LIST_TOOLS, headers=HEADERS).status_code for _ in range(times)]


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    return True


def test_requests_through_nginx_are_answered(rig: Rig) -> None:
    assert rig.url.startswith("http://127.0.0.1:") and rig.url.endswith("/mcp")
    assert _list_tools(rig) == [200] * 6


def test_a_graceful_restart_keeps_the_port(rig: Rig) -> None:
    before = rig.instances[0].pid
    assert rig.restart(0), "gunicorn did not exit within its graceful timeout"
    assert rig.instances[0].pid != before
    assert httpx.get(rig.instances[0].base_url + "/readyz", timeout=5).status_code == 200
    assert _list_tools(rig) == [200] * 6


def test_nginx_routes_around_a_killed_instance(rig: Rig) -> None:
    pid = rig.instances[1].pid
    assert pid is not None
    rig.kill(1)
    assert rig.instances[1].pid is None and not _alive(pid)
    assert _list_tools(rig) == [200] * 6
    rig.start_instance(1)
    assert _list_tools(rig) == [200] * 6


def test_redis_stops_and_starts_on_its_port(rig: Rig) -> None:
    port = int(rig.redis_url.rsplit(":", 1)[1].split("/")[0])
    rig.stop_redis()
    with pytest.raises(ConnectionRefusedError), socket.create_connection(("127.0.0.1", port), timeout=1):
        pass
    rig.start_redis()
    with socket.create_connection(("127.0.0.1", port), timeout=1):
        pass


def test_closing_the_rig_leaves_no_process() -> None:
    before = _descendants(os.getpid())
    with Rig(instances=1, workers=2):
        started = _descendants(os.getpid()) - before
        # redis-server, a gunicorn master and its 2 workers, the nginx master and its worker.
        assert len(started) == 6, started
    assert not [pid for pid in started if _alive(pid)]


def _descendants(pid: int) -> set[int]:
    try:
        with open(f"/proc/{pid}/task/{pid}/children") as file:
            children = {int(child) for child in file.read().split()}
    except FileNotFoundError:  # it has exited meanwhile
        return set()
    return children.union(*(_descendants(child) for child in children))
