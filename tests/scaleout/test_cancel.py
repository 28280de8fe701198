"""notifications/cancelled reaches the call on whichever instance and worker runs it (Redis pub/sub)."""

from __future__ import annotations

import time
from concurrent.futures import ThreadPoolExecutor

import httpx

from infra.sim import Rig
from tests.support.streams import LEGACY, call


def test_a_cancellation_stops_the_call_wherever_it_runs(fleet: Rig) -> None:
    """Ten calls, each cancelled by a POST that nginx may send to any worker."""
    with httpx.Client(timeout=30) as http, ThreadPoolExecutor(1) as background:
        for n in range(10):
            request_id = f"cancel-me-{n}-{time.monotonic_ns()}"
            body = call("stream", {"count": 300, "interval": 0.1}, request_id, False)  # type: ignore[arg-type]
            reply = background.submit(http.post, fleet.url, json=body, headers=LEGACY)
            time.sleep(0.3)
            started = time.monotonic()
            cancel = {"jsonrpc": "2.0", "method": "notifications/cancelled", "params": {"requestId": request_id}}
            assert http.post(fleet.url, json=cancel, headers=LEGACY).status_code == 202
            stopped = reply.result(timeout=10)
            assert time.monotonic() - started < 3
            assert stopped.json()["error"] == {"code": -32800, "message": "Request cancelled"}
