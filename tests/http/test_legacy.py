"""The handshake era (2025-03-26, 2025-06-18, 2025-11-25), served statelessly on the same endpoint."""

from __future__ import annotations

import pytest

from tests.support.client import MCPTestClient
from tests.support.servers import RunningServer, ServerSpec


@pytest.mark.parametrize(
    ("offered", "answered"),
    [
        ("2025-03-26", "2025-03-26"),
        ("2025-06-18", "2025-06-18"),
        ("2025-11-25", "2025-11-25"),
        ("2026-07-28", "2025-11-25"),
        ("2024-11-05", "2025-11-25"),
        ("1999-01-01", "2025-11-25"),
    ],
)
async def test_initialize_negotiates_a_legacy_version_only(
    example_server: RunningServer, offered: str, answered: str
) -> None:
    client = MCPTestClient(example_server.url, version="2025-11-25")
    params = {"protocolVersion": offered, "capabilities": {}, "clientInfo": {"name": "t", "version": "1"}}
    exchange = await client.request("initialize", params)
    assert exchange.result["protocolVersion"] == answered
    assert exchange.result["serverInfo"] == {"name": "mcp-template", "version": "0.1.0"}
    assert "Mcp-Session-Id" not in exchange.headers, "a stateless server mints no session"


@pytest.mark.parametrize("version", ["2025-03-26", "2025-06-18", "2025-11-25"])
async def test_every_legacy_version_works_without_a_session(example_server: RunningServer, version: str) -> None:
    client = MCPTestClient(example_server.url, version=version)
    await client.initialize()
    assert (await client.request("ping")).result == {}
    assert (await client.request("logging/setLevel", {"level": "debug"})).result == {}
    call = await client.request("tools/call", {"name": "echo", "arguments": {"text": version}})
    assert call.result == {
        "content": [{"type": "text", "text": version}],
        "structuredContent": {"result": version},
        "isError": False,
    }
    assert "resultType" not in call.result


async def test_no_version_header_means_2025_03_26(example_server: RunningServer) -> None:
    client = MCPTestClient(example_server.url, version="2025-03-26")
    exchange = await client.request("tools/list", headers={"MCP-Protocol-Version": None})
    assert {tool["name"] for tool in exchange.result["tools"]} >= {"echo", "add"}


async def test_an_unknown_version_header_is_400(example_server: RunningServer) -> None:
    client = MCPTestClient(example_server.url, version="2025-11-25")
    exchange = await client.request("tools/list", headers={"MCP-Protocol-Version": "2024-01-01"})
    assert exchange.status == 400


async def test_errors_are_json_rpc_errors_with_http_200(example_server: RunningServer) -> None:
    client = MCPTestClient(example_server.url, version="2025-11-25")
    cases = [
        ("no/such/method", {}, -32601),
        ("tools/call", {"name": "nope", "arguments": {}}, -32602),
        ("prompts/get", {"name": "nope"}, -32602),
        ("resources/read", {"uri": "nope://x"}, -32002),
        ("logging/setLevel", {"level": "loud"}, -32602),
        ("prompts/get", {"name": "review"}, -32602),  # a required argument is missing
    ]
    for method, params, code in cases:
        exchange = await client.request(method, params)
        assert exchange.status == 200, method
        assert exchange.error["code"] == code, method


async def test_tool_failures_and_bad_arguments_are_is_error_results(example_server: RunningServer) -> None:
    client = MCPTestClient(example_server.url, version="2025-11-25")
    failed = await client.request("tools/call", {"name": "divide", "arguments": {"dividend": 1, "divisor": 0}})
    assert failed.result == {"content": [{"type": "text", "text": "Cannot divide by zero"}], "isError": True}
    for arguments in ({"dividend": "one", "divisor": 2}, {"dividend": 1}, {"dividend": 1, "divisor": 2, "x": 3}):
        bad = await client.request("tools/call", {"name": "divide", "arguments": arguments})
        assert bad.result["isError"] is True, arguments
        assert "Invalid arguments" in bad.result["content"][0]["text"]


async def test_structured_output_has_a_schema_and_a_text_mirror(example_server: RunningServer) -> None:
    client = MCPTestClient(example_server.url, version="2025-06-18")
    tools = {tool["name"]: tool for tool in (await client.request("tools/list")).result["tools"]}
    assert tools["add"]["outputSchema"]["properties"].keys() == {"total", "count"}
    assert tools["divide"]["outputSchema"]["properties"]["result"] == {"type": "number"}, "scalars are wrapped"
    assert tools["divide"]["outputSchema"]["x-fastmcp-wrap-result"] is True
    assert tools["echo"]["outputSchema"]["properties"]["result"] == {"type": "string"}, "text is wrapped too"
    result = (await client.request("tools/call", {"name": "divide", "arguments": {"dividend": 1, "divisor": 4}})).result
    assert result["structuredContent"] == {"result": 0.25}
    assert result["content"] == [{"type": "text", "text": '{"result":0.25}'}]


async def test_resources_templates_prompts_and_completion(example_server: RunningServer) -> None:
    client = MCPTestClient(example_server.url, version="2025-11-25")
    resources = (await client.request("resources/list")).result["resources"]
    assert [r["uri"] for r in resources] == ["info://server"]
    templates = (await client.request("resources/templates/list")).result["resourceTemplates"]
    assert [t["uriTemplate"] for t in templates] == ["greeting://{name}"]
    info = (await client.request("resources/read", {"uri": "info://server"})).result["contents"][0]
    assert info["mimeType"] == "application/json"
    assert "python" in info["text"]
    prompt = (await client.request("prompts/get", {"name": "review", "arguments": {"code": "x = 1"}})).result
    assert [m["role"] for m in prompt["messages"]] == ["user", "assistant"]
    ref = {"type": "ref/prompt", "name": "review"}
    completion = await client.request(
        "completion/complete", {"ref": ref, "argument": {"name": "language", "value": "t"}}
    )
    assert completion.result["completion"]["values"] == ["typescript"]
    subscribed = await client.request("resources/subscribe", {"uri": "info://server"})
    assert subscribed.result == {}


async def test_progress_and_logs_stream_as_sse_and_silence_is_json(example_server: RunningServer) -> None:
    client = MCPTestClient(example_server.url, version="2025-11-25")
    quiet = await client.request("tools/call", {"name": "echo", "arguments": {"text": "hi"}})
    assert quiet.content_type == "application/json"
    params = {"name": "countdown", "arguments": {"seconds": 2}, "_meta": {"progressToken": "tok"}}
    loud = await client.request("tools/call", params)
    assert loud.is_sse
    assert [p["progress"] for p in loud.progress] == [0, 1, 2]
    assert [log["data"] for log in loud.logs] == ["tick 1/2", "tick 2/2"]
    assert loud.result["content"][0]["text"] == "liftoff"
    no_token = await client.request("tools/call", {"name": "countdown", "arguments": {"seconds": 1}})
    assert no_token.progress == [], "progress only for a request that carries a progressToken"


@pytest.mark.parametrize("mcp_server", [ServerSpec.of(FASTMCP_CLIENT_LOG_LEVEL="warning")], indirect=True)
async def test_logs_below_the_level_are_not_sent(mcp_server: RunningServer) -> None:
    client = MCPTestClient(mcp_server.url, version="2025-11-25")
    exchange = await client.request("tools/call", {"name": "countdown", "arguments": {"seconds": 1}})
    assert exchange.logs == []
    assert exchange.content_type == "application/json", "nothing to stream, so a JSON reply"


@pytest.mark.parametrize("mcp_server", [ServerSpec.of(FASTMCP_JSON_RESPONSE="true")], indirect=True)
async def test_json_response_mode_never_streams(mcp_server: RunningServer) -> None:
    client = MCPTestClient(mcp_server.url, version="2025-11-25")
    params = {"name": "countdown", "arguments": {"seconds": 1}, "_meta": {"progressToken": 1}}
    exchange = await client.request("tools/call", params, headers={"Accept": "application/json"})
    assert exchange.content_type == "application/json"
    assert exchange.result["content"][0]["text"] == "liftoff"


@pytest.mark.parametrize(
    "mcp_server", [ServerSpec.of("tests.scaleout.tools:server", FASTMCP_SSE_KEEPALIVE_SECONDS="0.2")], indirect=True
)
async def test_a_silent_long_call_keeps_its_connection_alive(mcp_server: RunningServer) -> None:
    client = MCPTestClient(mcp_server.url, version="2025-06-18")
    exchange = await client.request("tools/call", {"name": "stream", "arguments": {"count": 3, "interval": 0.3}})
    assert exchange.is_sse, "a silent call switches to SSE to send keep-alives"
    assert b": keep-alive" in exchange.body
    assert exchange.result["content"][0]["text"] == "streamed 3"


@pytest.mark.parametrize("mcp_server", [ServerSpec.of(FASTMCP_LIST_PAGE_SIZE="1")], indirect=True)
async def test_lists_paginate_with_stateless_cursors(mcp_server: RunningServer) -> None:
    client = MCPTestClient(mcp_server.url, version="2025-11-25")
    names, cursor = [], None
    for _ in range(10):
        result = (await client.request("tools/list", {"cursor": cursor} if cursor else {})).result
        names += [tool["name"] for tool in result["tools"]]
        cursor = result.get("nextCursor")
        if cursor is None:
            break
    assert names == ["echo", "add", "countdown", "divide", "haiku"]
    bad = await client.request("tools/list", {"cursor": "not-a-cursor"})
    assert bad.error["code"] == -32602
