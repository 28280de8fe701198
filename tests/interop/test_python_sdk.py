"""The ``mcp`` Python SDK client (2.3) against our server, in both protocol eras, over real sockets and stdio.

``Client(mode="legacy")`` runs the initialize handshake (2025-11-25); the default ``mode="auto"``
probes ``server/discover`` and, since we answer it, adopts 2026-07-28 (per-request ``_meta``). Its
HTTP goes through a :class:`~tests.support.tap.WireTap`, so every reply the SDK parsed was also
checked against the official schema of its era.
"""

from __future__ import annotations

import base64
import json
import sys
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any

import mcp_types as types
import pytest
from mcp import Client
from mcp.client.context import ClientRequestContext
from mcp.client.stdio import StdioServerParameters
from mcp.client.streamable_http import streamable_http_client

from tests.fixtures.conformance_server import PNG
from tests.support.servers import CONFORMANCE_SERVER, REPO, RunningServer
from tests.support.tap import WireTap

ERAS = [
    pytest.param("legacy", "2025-11-25", id="2025-11-25"),
    pytest.param("auto", "2026-07-28", id="2026-07-28"),
]
TIMEOUT = 10.0


@asynccontextmanager
async def connect(server: RunningServer, mode: str, **options: Any) -> AsyncIterator[Client]:
    """A connected SDK client whose replies are validated; fails the test on any schema violation."""
    tap = WireTap()
    async with tap.client() as http:
        transport = streamable_http_client(server.url, http_client=http)
        async with Client(transport, mode=mode, read_timeout_seconds=TIMEOUT, **options) as client:
            yield client
            version = client.protocol_version
    assert not tap.violations, "\n".join(tap.violations)
    assert tap.checked.get(version), f"the wiretap saw no {version} reply: {tap.checked}"


def _text(result: types.CallToolResult | types.GetPromptResult) -> str:
    if isinstance(result, types.GetPromptResult):
        return " ".join(m.content.text for m in result.messages if isinstance(m.content, types.TextContent))
    return " ".join(block.text for block in result.content if isinstance(block, types.TextContent))


@pytest.mark.parametrize(("mode", "version"), ERAS)
async def test_negotiates_the_era(conformance_server: RunningServer, mode: str, version: str) -> None:
    async with connect(conformance_server, mode) as client:
        assert client.protocol_version == version
        assert client.server_info is not None and client.server_info.name == "mcp-template-conformance-fixtures"
        capabilities = client.server_capabilities
        assert capabilities.tools is not None and capabilities.prompts is not None
        assert capabilities.resources is not None and capabilities.completions is not None


@pytest.mark.parametrize(("mode", "version"), ERAS)
async def test_lists_and_calls_tools_with_progress(conformance_server: RunningServer, mode: str, version: str) -> None:
    updates: list[tuple[float, float | None, str | None]] = []

    async def on_progress(progress: float, total: float | None, message: str | None) -> None:
        updates.append((progress, total, message))

    async with connect(conformance_server, mode) as client:
        tools = {tool.name: tool for tool in (await client.list_tools()).tools}
        assert {"test_tool_with_progress", "test_simple_text", "test_image_content"} <= set(tools)
        assert all(tool.description for tool in tools.values())
        result = await client.call_tool("test_tool_with_progress", {}, progress_callback=on_progress)
        assert _text(result) == "Tool with progress executed successfully"
        assert not result.is_error
        image = await client.call_tool("test_image_content", {})
    assert updates == [(0, 100, None), (50, 100, None), (100, 100, None)]
    (block,) = image.content
    assert isinstance(block, types.ImageContent) and base64.b64decode(block.data) == PNG


@pytest.mark.parametrize(
    ("mode", "log_level"),
    [pytest.param("legacy", None, id="2025-11-25"), pytest.param("auto", "info", id="2026-07-28")],
)
async def test_log_messages_reach_the_client(
    conformance_server: RunningServer, mode: str, log_level: str | None
) -> None:
    """Handshake era: at the server's default level. 2026-07-28: only because the client opted in."""
    logs: list[types.LoggingMessageNotificationParams] = []

    async def on_log(params: types.LoggingMessageNotificationParams) -> None:
        logs.append(params)

    async with connect(conformance_server, mode, logging_callback=on_log, log_level=log_level) as client:
        await client.call_tool("test_tool_with_logging", {})
    assert [(log.level, log.data) for log in logs] == [
        ("info", "Tool execution started"),
        ("info", "Tool processing data"),
        ("info", "Tool execution completed"),
    ]


async def test_no_log_messages_in_2026_without_the_opt_in(conformance_server: RunningServer) -> None:
    logs: list[types.LoggingMessageNotificationParams] = []

    async def on_log(params: types.LoggingMessageNotificationParams) -> None:
        logs.append(params)

    async with connect(conformance_server, "auto", logging_callback=on_log) as client:
        await client.call_tool("test_tool_with_logging", {})
    assert logs == []


@pytest.mark.parametrize(("mode", "version"), ERAS)
async def test_tool_errors_are_results(conformance_server: RunningServer, mode: str, version: str) -> None:
    async with connect(conformance_server, mode) as client:
        result = await client.call_tool("test_error_handling", {})
    assert result.is_error is True
    assert _text(result) == "This tool intentionally returns an error for testing"


@pytest.mark.parametrize(("mode", "version"), ERAS)
async def test_reads_resources(conformance_server: RunningServer, mode: str, version: str) -> None:
    async with connect(conformance_server, mode) as client:
        listed = {str(r.uri) for r in (await client.list_resources()).resources}
        templates = [t.uri_template for t in (await client.list_resource_templates()).resource_templates]
        text = (await client.read_resource("test://static-text")).contents
        binary = (await client.read_resource("test://static-binary")).contents
        templated = (await client.read_resource("test://template/123/data")).contents
    assert {"test://static-text", "test://static-binary", "test://watched-resource"} <= listed
    assert templates == ["test://template/{id}/data"]
    assert isinstance(text[0], types.TextResourceContents)
    assert text[0].text == "This is the content of the static text resource."
    assert isinstance(binary[0], types.BlobResourceContents) and base64.b64decode(binary[0].blob) == PNG
    assert isinstance(templated[0], types.TextResourceContents)
    assert json.loads(templated[0].text) == {"id": "123", "templateTest": True, "data": "Data for ID: 123"}


@pytest.mark.parametrize(("mode", "version"), ERAS)
async def test_gets_prompts(conformance_server: RunningServer, mode: str, version: str) -> None:
    async with connect(conformance_server, mode) as client:
        prompts = {p.name: p for p in (await client.list_prompts()).prompts}
        with_args = await client.get_prompt("test_prompt_with_arguments", {"arg1": "a", "arg2": "b"})
        embedded = await client.get_prompt("test_prompt_with_embedded_resource", {"resourceUri": "test://x"})
    assert [a.name for a in prompts["test_prompt_with_arguments"].arguments or []] == ["arg1", "arg2"]
    assert _text(with_args) == "Prompt with arguments: arg1='a', arg2='b'"
    first = embedded.messages[0].content
    assert isinstance(first, types.EmbeddedResource) and str(first.resource.uri) == "test://x"


@pytest.mark.parametrize(("mode", "version"), ERAS)
async def test_completes(conformance_server: RunningServer, mode: str, version: str) -> None:
    ref = types.PromptReference(type="ref/prompt", name="test_prompt_with_arguments")
    async with connect(conformance_server, mode) as client:
        completion = (await client.complete(ref, {"name": "arg1", "value": "pa"})).completion
        nothing = (await client.complete(ref, {"name": "arg2", "value": "pa"})).completion
    assert completion.values == ["paris", "park", "party"]
    assert nothing.values == []


@pytest.mark.parametrize(("mode", "version"), ERAS)
async def test_answers_sampling_and_elicitation(conformance_server: RunningServer, mode: str, version: str) -> None:
    """Handshake era: the server's request rides the call's SSE stream and the SDK answers with a
    separate POST. 2026-07-28 (the SDK's default): the call ends ``input_required`` and the SDK
    retries it with the answer and the sealed ``requestState`` (MRTR)."""
    asked: list[Any] = []

    async def sample(
        context: ClientRequestContext, params: types.CreateMessageRequestParams
    ) -> types.CreateMessageResult:
        asked.append(params)
        return types.CreateMessageResult(
            role="assistant", content=types.TextContent(type="text", text="sampled by the SDK"), model="test-model"
        )

    async def elicit(context: ClientRequestContext, params: types.ElicitRequestParams) -> types.ElicitResult:
        asked.append(params)
        return types.ElicitResult(action="accept", content={"username": "sdk", "email": "sdk@example.com"})

    async with connect(conformance_server, mode, sampling_callback=sample, elicitation_callback=elicit) as client:
        assert client.protocol_version == version
        sampled = await client.call_tool("test_sampling", {"prompt": "Say hi"})
        elicited = await client.call_tool("test_elicitation", {"message": "Who?"})
    assert _text(sampled) == "LLM response: sampled by the SDK"
    assert "action=accept" in _text(elicited) and "sdk@example.com" in _text(elicited)
    assert isinstance(asked[0], types.CreateMessageRequestParams) and asked[0].max_tokens == 100


async def test_listen_acknowledges_what_is_honoured(conformance_server: RunningServer) -> None:
    """2026-07-28 ``subscriptions/listen``: the acknowledgement says what will be delivered (the fleet
    delivery itself is tested on the rig, tests/scaleout/test_listen.py)."""
    async with (
        connect(conformance_server, "auto") as client,
        client.listen(tools_list_changed=True, resource_subscriptions=["test://watched-resource"]) as subscription,
    ):
        assert subscription.honored.tools_list_changed is True
        assert subscription.honored.resource_subscriptions == ["test://watched-resource"]
        assert not subscription.honored.prompts_list_changed
        capabilities = client.server_capabilities
        assert capabilities.tools is not None and capabilities.tools.list_changed is True
        assert capabilities.resources is not None and capabilities.resources.subscribe is True


@pytest.mark.parametrize(("mode", "version"), ERAS)
async def test_example_server(example_server: RunningServer, mode: str, version: str) -> None:
    """The tools a new project starts from: text, structured output, a template, a prompt, a completion."""
    async with connect(example_server, mode) as client:
        echoed = await client.call_tool("echo", {"text": "héllo"})
        added = await client.call_tool("add", {"numbers": [1, 2.5]})
        bad = await client.call_tool("add", {"numbers": []})
        greeting = (await client.read_resource("greeting://Ada")).contents[0]
        review = await client.get_prompt("review", {"code": "x = 1"})
        languages = await client.complete(
            types.PromptReference(type="ref/prompt", name="review"), {"name": "language", "value": "py"}
        )
    assert _text(echoed) == "héllo"
    assert added.structured_content == {"total": 3.5, "count": 2}
    assert bad.is_error is True and "numbers" in _text(bad)
    assert isinstance(greeting, types.TextResourceContents) and greeting.text == "Hello, Ada!"
    assert [m.role for m in review.messages] == ["user", "assistant"]
    assert languages.completion.values == ["python"]


@pytest.mark.parametrize(("mode", "version"), ERAS)
async def test_stdio(mode: str, version: str) -> None:
    """The same client over stdio: ``python -m app ... --transport stdio`` as a subprocess."""
    server = StdioServerParameters(
        command=sys.executable, args=["-m", "app", CONFORMANCE_SERVER, "--transport", "stdio"], cwd=REPO
    )
    updates: list[float] = []

    async def on_progress(progress: float, total: float | None, message: str | None) -> None:
        updates.append(progress)

    async with Client(server, mode=mode, read_timeout_seconds=TIMEOUT) as client:
        assert client.protocol_version == version
        assert "test_simple_text" in {tool.name for tool in (await client.list_tools()).tools}
        called = await client.call_tool("test_tool_with_progress", {}, progress_callback=on_progress)
        text = (await client.read_resource("test://static-text")).contents[0]
        prompt = await client.get_prompt("test_simple_prompt")
        ref = types.PromptReference(type="ref/prompt", name="test_prompt_with_arguments")
        completion = (await client.complete(ref, {"name": "arg1", "value": "te"})).completion
    assert _text(called) == "Tool with progress executed successfully"
    assert updates == [0, 50, 100]
    assert isinstance(text, types.TextResourceContents) and text.text.startswith("This is the content")
    assert _text(prompt) == "This is a simple prompt for testing."
    assert completion.values == ["test", "testing", "testValue1"]


@pytest.mark.parametrize(("mode", "version"), ERAS)
async def test_stdio_sampling_and_elicitation(mode: str, version: str) -> None:
    """stdio is a full transport: the handshake era asks on stdout and reads the answer from stdin;
    2026-07-28 asks by multi round-trip requests, as over HTTP."""
    server = StdioServerParameters(
        command=sys.executable, args=["-m", "app", CONFORMANCE_SERVER, "--transport", "stdio"], cwd=REPO
    )

    async def sample(
        context: ClientRequestContext, params: types.CreateMessageRequestParams
    ) -> types.CreateMessageResult:
        return types.CreateMessageResult(
            role="assistant", content=types.TextContent(type="text", text="piped"), model="test-model"
        )

    async def elicit(context: ClientRequestContext, params: types.ElicitRequestParams) -> types.ElicitResult:
        return types.ElicitResult(action="accept", content={"username": "pipe", "email": "pipe@example.com"})

    async with Client(
        server, mode=mode, read_timeout_seconds=TIMEOUT, sampling_callback=sample, elicitation_callback=elicit
    ) as client:
        assert client.protocol_version == version
        sampled = await client.call_tool("test_sampling", {"prompt": "Say hi"})
        elicited = await client.call_tool("test_elicitation", {"message": "Who?"})
    assert _text(sampled) == "LLM response: piped"
    assert "pipe@example.com" in _text(elicited)
