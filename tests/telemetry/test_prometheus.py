"""The Prometheus scrape endpoint, and the dashboard and alert rules built on it: every metric they
name is in a real scrape of a real server after real traffic."""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest
import yaml

from tests.support.client import MCPTestClient
from tests.support.servers import EXAMPLE_SERVER, RunningServer, ServerSpec, free_port, start_server
from tests.support.sse import parse_events

OBSERVABILITY = Path(__file__).resolve().parents[2] / "infra" / "observability"
METRIC = re.compile(r"\b(mcp_server_[a-z0-9_]+)")
"""Metric names (label names such as ``mcp_method_name`` do not start with ``mcp_server_``)."""


@pytest.fixture(scope="module")
def scraped() -> Iterator[tuple[RunningServer, str]]:
    port = free_port()
    spec = ServerSpec.of(
        EXAMPLE_SERVER,
        OTEL_METRICS_EXPORTER="prometheus",
        OTEL_EXPORTER_PROMETHEUS_PORT=str(port),
        OTEL_EXPORTER_PROMETHEUS_HOST="127.0.0.1",
        FASTMCP_SSE_CLOSE_AFTER_SECONDS="0.3",
    )
    server = start_server(spec)
    try:
        yield server, f"http://127.0.0.1:{port}/metrics"
    finally:
        server.stop()


async def _traffic(server: RunningServer) -> None:
    """One of everything the dashboard shows: calls, a tool error, a refusal, a resumed stream, a
    tool asking its client (sampling) and being answered."""

    async def sample(request: dict[str, Any]) -> dict[str, Any]:
        return {"role": "assistant", "content": {"type": "text", "text": "a haiku"}, "model": "test"}

    async with MCPTestClient(server.url, version="2025-11-25", on_request=sample) as client:
        await client.request("tools/call", {"name": "echo", "arguments": {"text": "x"}})
        await client.request("tools/call", {"name": "divide", "arguments": {"dividend": 1, "divisor": 0}})
        await client.request("tools/call", {"name": "haiku", "arguments": {"topic": "metrics"}})
        assert (await client.post(b"{}", headers={"Accept": "text/html"})).status == 406
    headers = {"Accept": "application/json, text/event-stream", "MCP-Protocol-Version": "2025-11-25"}
    call = {"jsonrpc": "2.0", "id": 9, "method": "tools/call"}
    call["params"] = {"name": "countdown", "arguments": {"seconds": 1}, "_meta": {"progressToken": 1}}
    async with httpx.AsyncClient(timeout=10) as http:
        first = await http.post(server.url, json=call, headers=headers)
        last_id = [event.id for event in parse_events(first.text) if event.id][-1]
        resumed = await http.get(server.url, headers={**headers, "Last-Event-ID": last_id})
        assert resumed.status_code == 200


async def test_the_scrape_has_the_conventions_names(scraped: tuple[RunningServer, str]) -> None:
    server, metrics_url = scraped
    await _traffic(server)
    text = await _scrape(metrics_url)
    assert "# TYPE mcp_server_operation_duration_seconds histogram" in text
    assert "target_info{" in text and 'service_name="' in text
    echo = [line for line in text.splitlines() if line.startswith("mcp_server_operation_duration_seconds_count{")]
    assert any('mcp_method_name="tools/call"' in line and 'gen_ai_tool_name="echo"' in line for line in echo), echo
    assert any('error_type="tool_error"' in line for line in echo)
    buckets = [line for line in text.splitlines() if "_bucket{" in line and 'gen_ai_tool_name="echo"' in line]
    assert [line.split('le="')[1].split('"')[0] for line in buckets][-3:] == ["120.0", "300.0", "+Inf"]
    assert 'mcp_server_requests_refused_total{error_type="-32600",http_response_status_code="406"} 1' in text
    async with httpx.AsyncClient() as http:
        assert (await http.get(metrics_url.replace("/metrics", "/other"))).status_code == 404


async def _scrape(url: str) -> str:
    async with httpx.AsyncClient() as http:
        answer = await http.get(url)
    assert answer.headers["content-type"].startswith("text/plain; version=0.0.4")
    return answer.text


def _used_metrics() -> set[str]:
    dashboard = json.loads((OBSERVABILITY / "grafana-dashboard.json").read_text())
    expressions = [target["expr"] for panel in dashboard["panels"] for target in panel["targets"]]
    rules = yaml.safe_load((OBSERVABILITY / "alerts.yaml").read_text())
    expressions += [rule["expr"] for group in rules["groups"] for rule in group["rules"]]
    return {name for expression in expressions for name in METRIC.findall(expression)}


async def test_every_metric_the_dashboard_and_alerts_use_is_emitted(scraped: tuple[RunningServer, str]) -> None:
    server, metrics_url = scraped
    await _traffic(server)
    used = _used_metrics()
    assert len(used) >= 10, used
    scrape = await _scrape(metrics_url)
    samples = {line.split("{")[0].split(" ")[0] for line in scrape.splitlines() if line[:1] != "#"}
    assert used <= samples, f"used but never emitted: {sorted(used - samples)}"


def test_the_dashboard_is_importable_grafana_json() -> None:
    dashboard = json.loads((OBSERVABILITY / "grafana-dashboard.json").read_text())
    assert dashboard["uid"] and dashboard["title"] and dashboard["schemaVersion"] >= 36
    ids = [panel["id"] for panel in dashboard["panels"]]
    assert len(ids) == len(set(ids))
    for panel in dashboard["panels"]:
        assert panel["targets"] and all(target["expr"].strip() for target in panel["targets"])
