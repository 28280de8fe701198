"""``FASTMCP_JSON_RESPONSE=true``: every reply is one JSON body, and clients we did not write still work.

Progress and log notifications have nowhere to go in a JSON reply, so they are dropped (the
conformance suite's logging and progress scenarios would fail in this mode; that is expected).
"""

from __future__ import annotations

import pytest
from mcp import Client
from mcp.client.streamable_http import streamable_http_client

from tests.support.client import MCPTestClient
from tests.support.servers import CONFORMANCE_SERVER, RunningServer, ServerSpec
from tests.support.tap import WireTap

JSON_ONLY = ServerSpec.of(CONFORMANCE_SERVER, FASTMCP_JSON_RESPONSE="true")
pytestmark = pytest.mark.parametrize("mcp_server", [JSON_ONLY], indirect=True, ids=["json-response"])


@pytest.mark.parametrize("version", ["2025-11-25", "2026-07-28"])
async def test_a_call_with_progress_is_answered_with_json(mcp_server: RunningServer, version: str) -> None:
    async with MCPTestClient(mcp_server.url, version=version, log_level="debug") as client:
        exchange = await client.request(
            "tools/call", {"name": "test_tool_with_progress", "_meta": {"progressToken": "t"}}
        )
    assert exchange.content_type == "application/json"
    assert exchange.progress == [] and exchange.result["content"][0]["text"].startswith("Tool with progress")


@pytest.mark.parametrize("mode", ["legacy", "auto"])
async def test_the_sdk_client_works_without_sse(mcp_server: RunningServer, mode: str) -> None:
    updates: list[float] = []

    async def on_progress(progress: float, total: float | None, message: str | None) -> None:
        updates.append(progress)

    tap = WireTap()
    async with (
        tap.client() as http,
        Client(streamable_http_client(mcp_server.url, http_client=http), mode=mode) as client,
    ):
        result = await client.call_tool("test_tool_with_progress", {}, progress_callback=on_progress)
        sampled = await client.call_tool("test_sampling", {"prompt": "hi"})
        text = (await client.read_resource("test://static-text")).contents[0]
    assert not result.is_error and updates == []
    assert sampled.is_error, "a JSON-only reply cannot carry sampling/createMessage: the tool reports it"
    assert text.uri == "test://static-text"
    assert not tap.violations, "\n".join(tap.violations)
