"""The ``fastmcp`` client (4.1) against our server: its default negotiates 2026-07-28, ``mode="legacy"`` the handshake.

Its HTTP goes through a :class:`~tests.support.tap.WireTap`, so what it parsed was also checked
against the official schema of the era.
"""

from __future__ import annotations

import base64
import json
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any

import mcp_types as types
import pytest
from fastmcp import Client
from fastmcp.client.logging import LogMessage
from fastmcp.client.transports import StreamableHttpTransport

from tests.fixtures.conformance_server import PNG
from tests.support.servers import RunningServer
from tests.support.tap import WireTap

ERAS = [
    pytest.param("auto", "2026-07-28", id="default-2026-07-28"),
    pytest.param("legacy", "2025-11-25", id="legacy-2025-11-25"),
]
TIMEOUT = 10.0


@asynccontextmanager
async def connect(server: RunningServer, mode: str, **options: Any) -> AsyncIterator[Client[Any]]:
    tap = WireTap()
    transport = StreamableHttpTransport(server.url, httpx_client_factory=tap.factory)
    client: Client[Any] = Client(transport, mode=mode, timeout=TIMEOUT, init_timeout=TIMEOUT, **options)
    async with client:
        yield client
        version = client.protocol_version
    await tap.aclose()
    assert not tap.violations, "\n".join(tap.violations)
    assert version is not None and tap.checked.get(version), f"the wiretap saw no {version} reply: {tap.checked}"


def _text(content: list[Any]) -> str:
    return " ".join(block.text for block in content if isinstance(block, types.TextContent))


@pytest.mark.parametrize(("mode", "version"), ERAS)
async def test_negotiates_the_era(conformance_server: RunningServer, mode: str, version: str) -> None:
    async with connect(conformance_server, mode) as client:
        assert client.protocol_version == version
        assert client.is_connected()


@pytest.mark.parametrize(("mode", "version"), ERAS)
async def test_lists_and_calls_tools_with_progress_and_logs(
    conformance_server: RunningServer, mode: str, version: str
) -> None:
    updates: list[tuple[float, float | None]] = []
    logs: list[LogMessage] = []

    async def on_progress(progress: float, total: float | None, message: str | None) -> None:
        updates.append((progress, total))

    async def on_log(message: LogMessage) -> None:
        logs.append(message)

    async with connect(conformance_server, mode, log_handler=on_log) as client:
        names = {tool.name for tool in await client.list_tools()}
        progress = await client.call_tool("test_tool_with_progress", {}, progress_handler=on_progress)
        await client.call_tool("test_tool_with_logging", {})
        failed = await client.call_tool("test_error_handling", {}, raise_on_error=False)
        mixed = await client.call_tool("test_multiple_content_types", {})
    assert {"test_tool_with_progress", "test_tool_with_logging", "test_error_handling"} <= names
    assert _text(progress.content) == "Tool with progress executed successfully"
    assert updates == [(0, 100), (50, 100), (100, 100)]
    assert [log.data for log in logs] == ["Tool execution started", "Tool processing data", "Tool execution completed"]
    assert failed.is_error and _text(failed.content) == "This tool intentionally returns an error for testing"
    assert [block.type for block in mixed.content] == ["text", "image", "resource"]


@pytest.mark.parametrize(("mode", "version"), ERAS)
async def test_reads_resources(conformance_server: RunningServer, mode: str, version: str) -> None:
    async with connect(conformance_server, mode) as client:
        text = await client.read_resource("test://static-text")
        binary = await client.read_resource("test://static-binary")
        templated = await client.read_resource("test://template/7/data")
    assert isinstance(text[0], types.TextResourceContents) and text[0].mime_type == "text/plain"
    assert isinstance(binary[0], types.BlobResourceContents) and base64.b64decode(binary[0].blob) == PNG
    assert isinstance(templated[0], types.TextResourceContents) and json.loads(templated[0].text)["id"] == "7"


@pytest.mark.parametrize(("mode", "version"), ERAS)
async def test_gets_prompts_and_completes(conformance_server: RunningServer, mode: str, version: str) -> None:
    async with connect(conformance_server, mode) as client:
        names = {prompt.name for prompt in await client.list_prompts()}
        prompt = await client.get_prompt("test_prompt_with_image")
        completion = await client.complete(
            types.PromptReference(type="ref/prompt", name="test_prompt_with_arguments"),
            {"name": "arg1", "value": "par"},
        )
    assert {"test_simple_prompt", "test_prompt_with_image"} <= names
    image = prompt.messages[0].content
    assert isinstance(image, types.ImageContent) and base64.b64decode(image.data) == PNG
    assert completion.values == ["paris", "park", "party"]


@pytest.mark.parametrize(("mode", "version"), ERAS)
async def test_structured_output_of_the_example_server(example_server: RunningServer, mode: str, version: str) -> None:
    async with connect(example_server, mode) as client:
        added = await client.call_tool("add", {"numbers": [2, 3]})
        divided = await client.call_tool("divide", {"dividend": 1, "divisor": 4})
    assert added.structured_content == {"total": 5.0, "count": 2}
    assert (added.data.total, added.data.count) == (5.0, 2)
    # A non-object return is wrapped as {"result": ...} and marked ("x-fastmcp-wrap-result" in the
    # outputSchema), so FastMCP's client unwraps .data to the value itself.
    assert divided.structured_content == {"result": 0.25}
    assert divided.data == 0.25
