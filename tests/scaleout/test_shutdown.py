"""Graceful shutdown of one worker (uvicorn, no gunicorn): readiness fails at once, work in flight
finishes, and new work is still taken for the configured drain delay."""

from __future__ import annotations

import signal
import threading
import time
from typing import Any

import httpx

from tests.support.servers import ServerSpec, start_server
from tests.support.streams import LEGACY, call


def test_sigterm_drains_before_it_stops() -> None:
    server = start_server(ServerSpec.of("tests.scaleout.tools:server", FASTMCP_DRAIN_DELAY_SECONDS="1.5"))
    try:
        in_flight: list[httpx.Response] = []
        slow = call("stream", {"count": 4, "interval": 0.5}, 1, progress=False)  # silent, so a JSON reply
        worker = threading.Thread(
            target=lambda: in_flight.append(httpx.post(server.url, headers=LEGACY, json=slow, timeout=30))
        )
        worker.start()
        time.sleep(0.3)
        signalled = time.monotonic()
        server.process.send_signal(signal.SIGTERM)
        time.sleep(0.2)

        assert httpx.get(server.base_url + "/readyz").status_code == 503, "readiness fails at once"
        assert httpx.get(server.base_url + "/healthz").status_code == 200, "but the process is alive"
        during: dict[str, Any] = httpx.post(
            server.url, headers=LEGACY, json=call("echo", {"text": "late"}, 2, False)
        ).json()
        assert during["result"]["content"][0]["text"] == "late", "new work is taken during the drain delay"

        worker.join(timeout=30)
        assert in_flight[0].status_code == 200
        assert in_flight[0].json()["result"]["content"][0]["text"] == "streamed 4", "the call in flight finished"
        # uvicorn re-raises the signal after a clean shutdown, so the exit status says "terminated".
        assert server.process.wait(timeout=15) in (0, -signal.SIGTERM)
        assert "Application shutdown complete" in server.output()
        assert time.monotonic() - signalled >= 1.5, "the server waited for the drain delay"
    finally:
        server.stop()
