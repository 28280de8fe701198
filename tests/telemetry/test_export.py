"""Telemetry end to end: a real server exports to a real OTLP/HTTP receiver, which decodes with the
official protobuf classes; the span tree, attributes, events, links and metrics are checked there."""

from __future__ import annotations

import json
from collections.abc import Iterator

import httpx
import pytest

from infra.sim.collector import OTLPReceiver, ReceivedSpan, otlp_receiver
from tests.support.client import MODERN_VERSION, MCPTestClient
from tests.support.servers import EXAMPLE_SERVER, RunningServer, ServerSpec, start_server
from tests.support.sse import parse_events
from tests.telemetry import traced_echo

CLIENT_TRACE = "4bf92f3577b34da6a3ce929d0e0e4736"
CLIENT_SPAN = "00f067aa0ba902b7"
TRACEPARENT = f"00-{CLIENT_TRACE}-{CLIENT_SPAN}-01"


@pytest.fixture(scope="module")
def receiver() -> Iterator[OTLPReceiver]:
    with otlp_receiver() as receiver:
        yield receiver


@pytest.fixture(scope="module")
def server(receiver: OTLPReceiver) -> Iterator[RunningServer]:
    env = receiver.env(
        OTEL_SERVICE_NAME="telemetry-test", FASTMCP_SSE_CLOSE_AFTER_SECONDS="0.5", FASTMCP_LOG_REQUESTS="true"
    )
    running = start_server(ServerSpec.of(EXAMPLE_SERVER, **env))
    try:
        yield running
    finally:
        running.stop()


def _span(receiver: OTLPReceiver, name: str, trace_id: str) -> ReceivedSpan:
    def found() -> list[ReceivedSpan]:
        return [span for span in receiver.spans() if span.name == name and span.trace_id == trace_id]

    return receiver.wait_for(found)[0]  # type: ignore[no-any-return]


def _trace_id(n: int) -> str:
    return f"{n:032x}"


async def test_the_client_span_parents_the_server_span_which_parents_the_tool_span(
    server: RunningServer, receiver: OTLPReceiver
) -> None:
    trace_id = _trace_id(0xA1)
    async with MCPTestClient(server.url, version="2025-06-18") as client:
        exchange = await client.request(
            "tools/call",
            {"name": "echo", "arguments": {"text": "secret argument"}},
            headers={"traceparent": f"00-{trace_id}-{CLIENT_SPAN}-01"},
        )
    assert exchange.result["content"][0]["text"] == "secret argument"
    server_span = _span(receiver, "tools/call echo", trace_id)
    tool_span = _span(receiver, "execute_tool echo", trace_id)
    assert server_span.parent_id == CLIENT_SPAN and server_span.kind == 2  # SERVER
    assert tool_span.parent_id == server_span.span_id and tool_span.kind == 1  # INTERNAL
    attributes = server_span.attributes
    assert attributes["mcp.method.name"] == "tools/call"
    assert attributes["gen_ai.tool.name"] == "echo"
    assert attributes["gen_ai.operation.name"] == "execute_tool"
    assert attributes["mcp.protocol.version"] == "2025-06-18"
    assert attributes["jsonrpc.request.id"] == str(exchange.request["id"])
    assert attributes["network.transport"] == "tcp"
    assert attributes["client.address"] == "127.0.0.1"
    assert "error.type" not in attributes and "mcp.session.id" not in attributes
    assert "secret argument" not in repr(server_span) + repr(tool_span)
    assert server_span.resource["service.name"] == "telemetry-test"
    assert server_span.status_code == 0


async def test_2026_clients_carry_trace_context_in_meta_and_the_http_header_becomes_a_link(
    server: RunningServer, receiver: OTLPReceiver
) -> None:
    trace_id, header_trace = _trace_id(0xB2), _trace_id(0xB3)
    async with MCPTestClient(server.url, version=MODERN_VERSION) as client:
        await client.request(
            "prompts/get",
            {
                "name": "review",
                "arguments": {"code": "x = 1"},
                "_meta": {"traceparent": f"00-{trace_id}-{CLIENT_SPAN}-01"},
            },
            headers={"traceparent": f"00-{header_trace}-{'1' * 16}-01"},
        )
    span = _span(receiver, "prompts/get review", trace_id)
    assert span.parent_id == CLIENT_SPAN
    assert span.attributes["gen_ai.prompt.name"] == "review"
    assert span.attributes["mcp.protocol.version"] == MODERN_VERSION
    assert span.links == [(header_trace, "1" * 16, {"mcp.link": "http"})]


async def test_failures_carry_error_type_and_only_server_failures_are_errors(
    server: RunningServer, receiver: OTLPReceiver
) -> None:
    async with MCPTestClient(server.url, version="2025-06-18") as client:
        await client.request(
            "tools/call",
            {"name": "divide", "arguments": {"dividend": 1, "divisor": 0}},
            headers={"traceparent": f"00-{_trace_id(0xC1)}-{CLIENT_SPAN}-01"},
        )
        await client.request(
            "tools/call",
            {"name": "nope", "arguments": {}},
            headers={"traceparent": f"00-{_trace_id(0xC2)}-{CLIENT_SPAN}-01"},
        )
    tool_error = _span(receiver, "tools/call divide", _trace_id(0xC1))
    assert tool_error.attributes["error.type"] == "tool_error" and tool_error.status_code == 2
    assert _span(receiver, "execute_tool divide", _trace_id(0xC1)).status_code == 2
    unknown = _span(receiver, "tools/call nope", _trace_id(0xC2))
    assert unknown.attributes["error.type"] == "-32602" and unknown.status_code == 0  # the caller's mistake


async def test_progress_and_the_event_store_are_span_events_and_a_resume_links_to_its_call(
    server: RunningServer, receiver: OTLPReceiver
) -> None:
    trace_id = _trace_id(0xD1)
    body = {
        "jsonrpc": "2.0",
        "id": 7,
        "method": "tools/call",
        "params": {"name": "countdown", "arguments": {"seconds": 2}, "_meta": {"progressToken": "p"}},
    }
    headers = {
        "Accept": "application/json, text/event-stream",
        "Content-Type": "application/json",
        "MCP-Protocol-Version": "2025-11-25",
        "traceparent": f"00-{trace_id}-{CLIENT_SPAN}-01",
    }
    async with httpx.AsyncClient(timeout=10) as http:
        first = await http.post(server.url, json=body, headers=headers)
        text = first.text
        for _ in range(10):  # the server closes streams after 0.5 s: resume until the result comes
            if '"result"' in text:
                break
            last_id = [event.id for event in parse_events(text) if event.id][-1]
            resumed = await http.get(
                server.url,
                headers={"Accept": "text/event-stream", "Last-Event-ID": last_id, "MCP-Protocol-Version": "2025-11-25"},
            )
            assert resumed.status_code == 200
            text = resumed.text
    assert '"result"' in text and "GET" not in first.text
    call = _span(receiver, "tools/call countdown", trace_id)
    names = [name for name, _ in call.events]
    assert "notifications/progress" in names
    assert "event_store.open" in names and "event_store.append" in names
    resume = receiver.wait_for(lambda: [s for s in receiver.spans() if s.name == "GET resume" and s.links])[0]
    assert resume.links[0][:2] == (trace_id, call.span_id)


async def test_metrics_carry_the_conventions_attributes(server: RunningServer, receiver: OTLPReceiver) -> None:
    async with MCPTestClient(server.url, version="2025-06-18") as client:
        await client.request("tools/call", {"name": "echo", "arguments": {"text": "m"}})
        refused = await client.post(b"{}", headers={"Accept": "text/html"})
    assert refused.status == 406

    def durations() -> list[object]:
        return [
            point
            for point in receiver.points()
            if point.metric == "mcp.server.operation.duration" and point.attributes.get("gen_ai.tool.name") == "echo"
        ]

    point = receiver.wait_for(durations)[-1]
    assert point.unit == "s" and point.kind == "histogram" and point.value >= 1
    assert point.attributes == {
        "mcp.method.name": "tools/call",
        "gen_ai.tool.name": "echo",
        "mcp.protocol.version": "2025-06-18",
        "network.transport": "tcp",
    }
    refusals = receiver.wait_for(
        lambda: [p for p in receiver.points() if p.metric == "mcp.server.requests.refused" and p.value >= 1]
    )
    assert (
        refusals[-1].attributes == {"error.type": "-32600", "http.response.status_code": 406}
        or refusals[-1].attributes["http.response.status_code"] == 406
    )
    emitted = {point.metric for point in receiver.points()}
    assert {"mcp.server.streams.open", "mcp.server.calls.active", "mcp.server.event_store.operations"} <= emitted


def test_each_request_logs_one_json_line_with_its_trace_id(server: RunningServer, receiver: OTLPReceiver) -> None:
    trace_id = _trace_id(0xE1)
    with httpx.Client(timeout=10) as http:
        traced_echo(
            http,
            server.url,
            f"00-{trace_id}-{CLIENT_SPAN}-01",
            text="hush",
            Authorization="Bearer not-a-real-token",
        )
    span = _span(receiver, "tools/call echo", trace_id)
    lines = [json.loads(line) for line in server.output(200_000).splitlines() if line.startswith("{")]
    mine = [line for line in lines if line.get("trace_id") == trace_id]
    assert len(mine) == 1, mine
    line = mine[0]
    assert line["logger"] == "app.requests" and line["span_id"] == span.span_id
    assert line["mcp.method.name"] == "tools/call" and line["gen_ai.tool.name"] == "echo"
    assert line["outcome"] == "ok" and line["duration_ms"] > 0
    assert "hush" not in json.dumps(line) and "not-a-real-token" not in server.output(200_000)
