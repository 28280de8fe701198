"""2026-07-28 over HTTP: per-request ``_meta``, routing headers, versions, and result shapes."""

from __future__ import annotations

import pytest

from tests.support.client import MODERN_VERSION, MCPTestClient
from tests.support.servers import RunningServer

META = "io.modelcontextprotocol/"


@pytest.fixture
async def client(example_server: RunningServer) -> MCPTestClient:
    return MCPTestClient(example_server.url, version=MODERN_VERSION)


async def test_discover_lists_every_version_modern_first(client: MCPTestClient) -> None:
    result = (await client.request("server/discover")).result
    assert result["supportedVersions"] == ["2026-07-28", "2025-11-25", "2025-06-18", "2025-03-26"]
    assert result["resultType"] == "complete"
    assert result["ttlMs"] >= 0
    assert result["cacheScope"] == "public"
    assert result["_meta"][META + "serverInfo"]["name"] == "mcp-template"
    assert "tools" in result["capabilities"]


@pytest.mark.parametrize("method", ["tools/list", "resources/list", "resources/templates/list", "prompts/list"])
async def test_lists_carry_cache_hints_and_server_info(client: MCPTestClient, method: str) -> None:
    result = (await client.request(method)).result
    assert result["resultType"] == "complete"
    assert {"ttlMs", "cacheScope"} <= result.keys()
    assert META + "serverInfo" in result["_meta"]


async def test_a_call_result_has_result_type_and_structured_content(client: MCPTestClient) -> None:
    exchange = await client.request("tools/call", {"name": "add", "arguments": {"numbers": [1, 2.5]}})
    assert exchange.status == 200
    result = exchange.result
    assert result["resultType"] == "complete"
    assert result["structuredContent"] == {"total": 3.5, "count": 2}
    assert result["content"] == [{"type": "text", "text": '{"total":3.5,"count":2}'}]
    assert "Mcp-Session-Id" not in exchange.headers


async def test_resource_read_carries_cache_hints(client: MCPTestClient) -> None:
    result = (await client.request("resources/read", {"uri": "greeting://ada"})).result
    assert result["contents"] == [{"uri": "greeting://ada", "mimeType": "text/plain", "text": "Hello, ada!"}]
    assert {"ttlMs", "cacheScope", "resultType"} <= result.keys()


async def test_mcp_name_may_be_base64_encoded(client: MCPTestClient) -> None:
    exchange = await client.request("resources/read", {"uri": "greeting://zoë"})
    assert exchange.result["contents"][0]["text"] == "Hello, zoë!"  # the client sent =?base64?...?=


async def test_missing_client_capabilities_is_invalid_params(client: MCPTestClient) -> None:
    body = client.message("tools/list")
    del body["params"]["_meta"][META + "clientCapabilities"]
    exchange = await client.post(body)
    assert exchange.status == 400
    assert exchange.error["code"] == -32602


@pytest.mark.parametrize(
    ("headers", "why"),
    [
        ({"Mcp-Method": "tools/list"}, "Mcp-Method differs from the body"),
        ({"Mcp-Method": None}, "Mcp-Method missing"),
        ({"Mcp-Name": "divide"}, "Mcp-Name differs from params.name"),
        ({"Mcp-Name": None}, "Mcp-Name missing"),
        ({"Mcp-Name": "=?base64?not base64?="}, "Mcp-Name badly encoded"),
        ({"MCP-Protocol-Version": None}, "version header missing with modern _meta"),
        ({"MCP-Protocol-Version": "2025-11-25"}, "version header differs from _meta"),
    ],
)
async def test_header_mismatches_are_rejected(client: MCPTestClient, headers: dict[str, str | None], why: str) -> None:
    exchange = await client.request("tools/call", {"name": "echo", "arguments": {"text": "x"}}, headers=headers)
    assert exchange.status == 400, why
    assert exchange.error["code"] == -32020, why


async def test_an_unsupported_version_lists_the_supported_ones(client: MCPTestClient) -> None:
    body = client.message("tools/list", {"_meta": {META + "protocolVersion": "2099-01-01"}})
    exchange = await client.post(body, headers={"MCP-Protocol-Version": "2099-01-01"})
    assert exchange.status == 400
    assert exchange.error["code"] == -32022
    assert exchange.error["data"] == {
        "supported": ["2026-07-28", "2025-11-25", "2025-06-18", "2025-03-26"],
        "requested": "2099-01-01",
    }


@pytest.mark.parametrize("method", ["no/such/method", "initialize", "ping", "logging/setLevel"])
async def test_unknown_and_handshake_only_methods_are_404(client: MCPTestClient, method: str) -> None:
    exchange = await client.request(method, {}, headers={"MCP-Protocol-Version": MODERN_VERSION})
    assert exchange.status == 404
    assert exchange.error["code"] == -32601


async def test_unknown_tool_and_prompt_and_resource_are_invalid_params(client: MCPTestClient) -> None:
    for method, params in [
        ("tools/call", {"name": "nope", "arguments": {}}),
        ("prompts/get", {"name": "nope"}),
        ("resources/read", {"uri": "nope://x"}),
    ]:
        exchange = await client.request(method, params)
        assert exchange.status == 400, method
        assert exchange.error["code"] == -32602, method


async def test_logs_only_with_an_opt_in_and_at_or_above_its_level(example_server: RunningServer) -> None:
    params = {"name": "countdown", "arguments": {"seconds": 1}}
    silent = await MCPTestClient(example_server.url, version=MODERN_VERSION).request("tools/call", params)
    assert silent.logs == []
    chatty = MCPTestClient(example_server.url, version=MODERN_VERSION, log_level="info")
    assert [log["data"] for log in (await chatty.request("tools/call", params)).logs] == ["tick 1/1"]
    strict = MCPTestClient(example_server.url, version=MODERN_VERSION, log_level="warning")
    assert (await strict.request("tools/call", params)).logs == []


async def test_a_listen_that_asks_for_nothing_known_is_acknowledged_then_ended(client: MCPTestClient) -> None:
    """A filter with nothing this server delivers: the acknowledgement says so and the stream ends at
    once (a stream that stays open and delivers is tested on the rig, tests/scaleout/test_listen.py)."""
    exchange = await client.request("subscriptions/listen", {"notifications": {"somethingElse": True}})
    assert exchange.is_sse
    ack = exchange.notifications("notifications/subscriptions/acknowledged")
    assert ack[0]["params"]["notifications"] == {}
    assert ack[0]["params"]["_meta"][META + "subscriptionId"] == exchange.request["id"]
    assert exchange.result["_meta"][META + "subscriptionId"] == exchange.request["id"]


async def test_notifications_are_accepted_and_responses_refused(client: MCPTestClient) -> None:
    assert (await client.notify("notifications/cancelled", {"requestId": 1})).status == 202
    response = {"jsonrpc": "2.0", "id": "s-1", "result": {}}
    refused = await client.post(response)
    assert refused.status == 400
    assert refused.error["code"] == -32600
