"""Telemetry over stdio (``network.transport=pipe``), and request lines sent as OTLP log records
when ``OTEL_LOGS_EXPORTER=otlp`` asks, carrying their request's trace."""

from __future__ import annotations

import json
import subprocess
import sys

import httpx

from infra.sim.collector import otlp_receiver
from tests.support.servers import EXAMPLE_SERVER, REPO, ServerSpec, child_environment, start_server
from tests.telemetry import traced_echo

TRACE = "6bf92f3577b34da6a3ce929d0e0e4736"
PARENT = "00f067aa0ba902b7"
QUIET = {"name": "echo", "arguments": {"text": "quiet"}}


def test_stdio_requests_get_spans_with_the_pipe_transport() -> None:
    messages = [
        {
            "jsonrpc": "2.0",
            "id": 1,
            "method": "initialize",
            "params": {
                "protocolVersion": "2025-06-18",
                "capabilities": {},
                "clientInfo": {"name": "t", "version": "0"},
            },
        },
        {"jsonrpc": "2.0", "method": "notifications/initialized"},
        {
            "jsonrpc": "2.0",
            "id": 2,
            "method": "tools/call",
            "params": {
                "name": "echo",
                "arguments": {"text": "pipe"},
                "_meta": {"traceparent": f"00-{TRACE}-{PARENT}-01"},
            },
        },
    ]
    with otlp_receiver() as receiver:
        completed = subprocess.run(
            [sys.executable, "-m", "app", "--transport", "stdio"],
            input="".join(json.dumps(message) + "\n" for message in messages).encode(),
            capture_output=True,
            cwd=REPO,
            env=child_environment(receiver.env(OTEL_SERVICE_NAME="stdio-test")),
            timeout=60,
        )
        assert completed.returncode == 0, completed.stderr.decode()
        answers = [json.loads(line) for line in completed.stdout.splitlines()]
        assert [answer["id"] for answer in answers] == [1, 2]  # stdout holds the protocol alone
        spans = receiver.wait_for(lambda: [s for s in receiver.spans() if s.trace_id == TRACE])
    names = {span.name: span for span in spans}
    assert set(names) == {"tools/call echo", "execute_tool echo"}
    call = names["tools/call echo"]
    assert call.parent_id == PARENT and call.attributes["network.transport"] == "pipe"
    assert "client.address" not in call.attributes


def test_request_lines_go_to_the_collector_when_asked() -> None:
    with otlp_receiver() as receiver:
        env = receiver.env(OTEL_LOGS_EXPORTER="otlp", FASTMCP_LOG_REQUESTS="true", OTEL_SERVICE_NAME="logs-test")
        server = start_server(ServerSpec.of(EXAMPLE_SERVER, **env))
        try:
            with httpx.Client(timeout=10) as http:
                answer = traced_echo(http, server.url, f"00-{TRACE}-{PARENT}-01", request_id=5, text="quiet")
            assert answer.status_code == 200
            records = receiver.wait_for(lambda: [r for r in receiver.logs() if r["trace_id"] == TRACE])
        finally:
            server.stop()
    [record] = records
    span = next(s for s in receiver.spans() if s.trace_id == TRACE and s.name == "tools/call echo")
    assert record["span_id"] == span.span_id
    assert record["body"].startswith("tools/call echo ok in ")
    assert record["attributes"]["mcp.method.name"] == "tools/call"
    assert record["attributes"]["gen_ai.tool.name"] == "echo"
    assert "quiet" not in json.dumps(record)
