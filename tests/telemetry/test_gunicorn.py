"""Telemetry under gunicorn with two workers: each worker sets itself up after the fork (its own
``service.instance.id``), exports spans and metrics to a real OTLP/HTTP receiver, and flushes on
SIGTERM."""

from __future__ import annotations

import sys

import httpx

from infra.sim.collector import otlp_receiver
from tests.support.servers import free_port, spawned
from tests.telemetry import traced_echo

TRACE = "5bf92f3577b34da6a3ce929d0e0e4736"
ECHO = {"name": "echo", "arguments": {"text": "g"}}


def test_two_gunicorn_workers_export_spans_and_metrics() -> None:
    port = free_port()
    command = [sys.executable, "-m", "gunicorn", "--config", "infra/gunicorn.conf.py", "app.main:app"]
    with otlp_receiver() as receiver:
        env = receiver.env(
            GUNICORN_BIND=f"127.0.0.1:{port}",
            WEB_CONCURRENCY="2",
            FASTMCP_REQUEST_STATE_KEYS='["' + "ef" * 32 + '"]',
            OTEL_SERVICE_NAME="gunicorn-test",
            OTEL_BSP_SCHEDULE_DELAY="60000",  # only a full batch or the shutdown flush sends spans
        )
        with spawned(command, port, env) as base:
            for n in range(20):
                with httpx.Client(timeout=10) as http:  # a new connection each: both workers get some
                    answer = traced_echo(http, f"{base}/mcp", f"00-{TRACE}-{n + 1:016x}-01", request_id=n, text="g")
                    assert answer.status_code == 200
            instances = receiver.wait_for(
                lambda: (
                    {p.resource["service.instance.id"] for p in receiver.points()}
                    if len({p.resource["service.instance.id"] for p in receiver.points()}) == 2
                    else None
                )
            )
            assert len(instances) == 2
            assert not [s for s in receiver.spans() if s.trace_id == TRACE], "spans before the flush"
        # SIGTERM: each worker sends its queued spans as it stops
        spans = [span for span in receiver.spans() if span.trace_id == TRACE and span.name == "tools/call echo"]
        assert len(spans) == 20
        assert {span.parent_id for span in spans} == {f"{n + 1:016x}" for n in range(20)}
        assert all(span.resource["service.name"] == "gunicorn-test" for span in spans)
        calls = [
            p
            for p in receiver.points()
            if p.metric == "mcp.server.operation.duration" and p.attributes.get("gen_ai.tool.name") == "echo"
        ]
        last_per_worker = {p.resource["service.instance.id"]: p.value for p in calls}
        assert sum(last_per_worker.values()) == 20
