"""Spans through the OpenTelemetry SDK's own in-memory exporter, in process: any SDK ``SpanExporter``
can stand behind the server's span queue, and the tree is the same for both eras and for SSE."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any

import httpx
from opentelemetry.sdk.trace import ReadableSpan
from opentelemetry.sdk.trace.export.in_memory_span_exporter import InMemorySpanExporter
from opentelemetry.trace import SpanKind, StatusCode

from app.main import create_app
from app.settings import Settings
from app.telemetry.config import read_config
from app.telemetry.setup import Telemetry
from app.tools import server

CLIENT_SPAN = "00f067aa0ba902b7"
HEADERS = {"Accept": "application/json, text/event-stream", "Content-Type": "application/json"}


def _call(request_id: int, name: str, arguments: dict[str, Any], meta: dict[str, Any] | None = None) -> dict[str, Any]:
    params: dict[str, Any] = {"name": name, "arguments": arguments}
    if meta:
        params["_meta"] = meta
    return {"jsonrpc": "2.0", "id": request_id, "method": "tools/call", "params": params}


@asynccontextmanager
async def _served(
    exporter: InMemorySpanExporter, settings: Settings | None = None, **environ: str
) -> AsyncIterator[httpx.AsyncClient]:
    """The example server in process, its spans going to ``exporter``; leaving flushes them."""
    config = read_config({"OTEL_TRACES_EXPORTER": "console", "OTEL_BSP_SCHEDULE_DELAY": "60000", **environ})
    telemetry = Telemetry(config, service_name="in-memory", log_requests=False, span_exporter=exporter)
    app = create_app(settings or Settings(), server, telemetry=telemetry)
    async with app.router.lifespan_context(app):
        transport = httpx.ASGITransport(app=app)
        async with httpx.AsyncClient(transport=transport, base_url="http://127.0.0.1:8000") as client:
            yield client


async def _spans(*posts: tuple[dict[str, Any], dict[str, str]]) -> list[ReadableSpan]:
    exporter = InMemorySpanExporter()
    async with _served(exporter) as client:
        for body, headers in posts:
            answer = await client.post("/mcp", json=body, headers={**HEADERS, **headers})
            assert answer.status_code == 200, answer.text
    return list(exporter.get_finished_spans())


def _named(spans: list[ReadableSpan], name: str) -> ReadableSpan:
    found = [span for span in spans if span.name == name]
    assert len(found) == 1, [span.name for span in spans]
    return found[0]


async def test_the_span_tree_in_both_eras() -> None:
    legacy_trace, modern_trace = "a" * 32, "b" * 32
    modern_meta = {
        "io.modelcontextprotocol/protocolVersion": "2026-07-28",
        "io.modelcontextprotocol/clientCapabilities": {},
        "io.modelcontextprotocol/clientInfo": {"name": "t", "version": "0"},
        "traceparent": f"00-{modern_trace}-{CLIENT_SPAN}-01",
    }
    spans = await _spans(
        (
            _call(1, "echo", {"text": "legacy"}),
            {"MCP-Protocol-Version": "2025-06-18", "traceparent": f"00-{legacy_trace}-{CLIENT_SPAN}-01"},
        ),
        (
            _call(2, "add", {"numbers": [1, 2]}, modern_meta),
            {"MCP-Protocol-Version": "2026-07-28", "Mcp-Method": "tools/call", "Mcp-Name": "add"},
        ),
    )
    for trace_id, tool in ((legacy_trace, "echo"), (modern_trace, "add")):
        call, function = _named(spans, f"tools/call {tool}"), _named(spans, f"execute_tool {tool}")
        assert f"{call.context.trace_id:032x}" == trace_id
        assert call.parent is not None and f"{call.parent.span_id:016x}" == CLIENT_SPAN and call.parent.is_remote
        assert call.kind is SpanKind.SERVER and function.kind is SpanKind.INTERNAL
        assert function.parent is not None and function.parent.span_id == call.context.span_id
        assert function.context.trace_id == call.context.trace_id
        assert call.attributes is not None and call.attributes["gen_ai.tool.name"] == tool
        assert call.resource.attributes["service.name"] == "in-memory"
        assert call.status.status_code is StatusCode.UNSET


async def test_an_sse_call_records_its_progress_as_events() -> None:
    trace = "c" * 32
    spans = await _spans(
        (
            _call(3, "countdown", {"seconds": 1}, {"progressToken": "t"}),
            {"MCP-Protocol-Version": "2025-11-25", "traceparent": f"00-{trace}-{CLIENT_SPAN}-01"},
        ),
    )
    call = _named(spans, "tools/call countdown")
    names = [event.name for event in call.events]
    assert names.count("notifications/progress") >= 1
    # The first second's progress and log are stored together, in the step that opens the stream.
    assert names.index("notifications/message") < names.index("event_store.open") < names.index("event_store.append")
    assert _named(spans, "execute_tool countdown").parent.span_id == call.context.span_id  # type: ignore[union-attr]


async def test_a_sampler_that_keeps_nothing_exports_nothing() -> None:
    exporter = InMemorySpanExporter()
    async with _served(exporter, OTEL_TRACES_SAMPLER="always_off") as client:
        answer = await client.post(
            "/mcp", json=_call(1, "echo", {"text": "x"}), headers={**HEADERS, "MCP-Protocol-Version": "2025-06-18"}
        )
        assert answer.status_code == 200
    assert exporter.get_finished_spans() == ()


async def test_a_resumed_stream_links_to_the_call_it_resumes() -> None:
    exporter = InMemorySpanExporter()
    legacy = {**HEADERS, "MCP-Protocol-Version": "2025-11-25"}
    async with _served(exporter, Settings(sse_close_after_seconds=0.3)) as client:
        cut = await client.post(
            "/mcp",
            json=_call(4, "countdown", {"seconds": 1}, {"progressToken": "r"}),
            headers={**legacy, "traceparent": f"00-{'d' * 32}-{CLIENT_SPAN}-01"},
        )
        assert '"result"' not in cut.text  # the server closed the stream on purpose
        last_id = [line[4:] for line in cut.text.splitlines() if line.startswith("id: ")][-1]
        rest = await client.get("/mcp", headers={**legacy, "Last-Event-ID": last_id})
        assert '"result"' in rest.text
    spans = list(exporter.get_finished_spans())
    call, resume = _named(spans, "tools/call countdown"), _named(spans, "GET resume")
    assert resume.kind is SpanKind.SERVER
    assert [link.context.span_id for link in resume.links] == [call.context.span_id]
    assert resume.links[0].context.trace_id == call.context.trace_id
