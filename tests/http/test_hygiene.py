"""Bad input gets the right status and a JSON-RPC error, never a crash."""

from __future__ import annotations

from collections.abc import AsyncIterator

import httpx
import pytest

from tests.support.client import MCPTestClient
from tests.support.servers import RunningServer, ServerSpec


@pytest.fixture
def client(example_server: RunningServer) -> MCPTestClient:
    return MCPTestClient(example_server.url, version="2025-11-25")


async def test_malformed_json_is_a_parse_error(client: MCPTestClient) -> None:
    exchange = await client.post(b'{"jsonrpc": "2.0", "id": 1, "method": ')
    assert exchange.status == 400
    assert exchange.error["code"] == -32700


@pytest.mark.parametrize(
    "body",
    [
        [{"jsonrpc": "2.0", "id": 1, "method": "ping"}, {"jsonrpc": "2.0", "id": 2, "method": "ping"}],
        {"jsonrpc": "1.0", "id": 1, "method": "ping"},
        {"jsonrpc": "2.0", "id": None, "method": "ping"},
        {"jsonrpc": "2.0", "id": True, "method": "ping"},
        {"jsonrpc": "2.0", "id": 1, "method": 7},
        {"jsonrpc": "2.0", "id": 1, "method": "ping", "params": [1]},
        {"jsonrpc": "2.0", "id": 1},
        "just a string",
    ],
    ids=["batch", "jsonrpc-1.0", "null-id", "bool-id", "method-not-str", "params-list", "no-method", "string"],
)
async def test_anything_but_one_json_rpc_message_is_invalid_request(client: MCPTestClient, body: object) -> None:
    exchange = await client.post(body if not isinstance(body, str) else b'"just a string"')
    assert exchange.status == 400
    assert exchange.error["code"] == -32600


@pytest.mark.parametrize("accept", ["text/html", "application/json", "text/event-stream"])
async def test_accept_must_list_json_and_sse(client: MCPTestClient, accept: str) -> None:
    exchange = await client.request("ping", headers={"Accept": accept})
    assert exchange.status == 406


async def test_wildcard_accept_is_fine(client: MCPTestClient) -> None:
    assert (await client.request("ping", headers={"Accept": "*/*"})).result == {}


@pytest.mark.parametrize("content_type", ["text/plain", "application/x-www-form-urlencoded", None])
async def test_content_type_must_be_json(client: MCPTestClient, content_type: str | None) -> None:
    exchange = await client.request("ping", headers={"Content-Type": content_type})
    assert exchange.status == 415


async def test_content_type_may_carry_a_charset(client: MCPTestClient) -> None:
    exchange = await client.request("ping", headers={"Content-Type": "application/json; charset=utf-8"})
    assert exchange.result == {}


@pytest.mark.parametrize("mcp_server", [ServerSpec.of(FASTMCP_MAX_REQUEST_BODY_SIZE="2048")], indirect=True)
async def test_oversize_bodies_are_413_whether_announced_or_streamed(mcp_server: RunningServer) -> None:
    client = MCPTestClient(mcp_server.url, version="2025-11-25")
    big = client.message("tools/call", {"name": "echo", "arguments": {"text": "x" * 4096}})
    assert (await client.post(big)).status == 413

    async def chunks() -> AsyncIterator[bytes]:  # no Content-Length: the server must count
        body = httpx.Request("POST", mcp_server.url, json=big).content
        for start in range(0, len(body), 512):
            yield body[start : start + 512]

    headers = client.default_headers(big)
    async with httpx.AsyncClient() as http:
        response = await http.post(mcp_server.url, content=chunks(), headers=headers)
    assert response.status_code == 413
    assert response.json()["error"]["code"] == -32600
    fits = client.message("tools/call", {"name": "echo", "arguments": {"text": "small"}})
    assert (await client.post(fits)).result["content"][0]["text"] == "small"


async def test_a_foreign_origin_is_403_and_a_local_one_passes(client: MCPTestClient) -> None:
    foreign = await client.request("ping", headers={"Origin": "http://evil.example.com"})
    assert foreign.status == 403
    local = await client.request("ping", headers={"Origin": "http://localhost:5173"})
    assert local.result == {}


async def test_a_foreign_host_is_refused_with_the_fix_and_logged_once(
    client: MCPTestClient, example_server: RunningServer
) -> None:
    for _ in range(3):
        exchange = await client.request("ping", headers={"Host": "unlisted.example.com"})
        assert exchange.status == 421
        assert "FASTMCP_HTTP_ALLOWED_HOSTS" in exchange.error["message"]
    logged = [line for line in example_server.output(100_000).splitlines() if "unlisted.example.com" in line]
    assert len(logged) == 1 and "FASTMCP_HTTP_ALLOWED_HOSTS" in logged[0], logged


@pytest.mark.parametrize("mcp_server", [ServerSpec.of(FASTMCP_HTTP_ALLOWED_HOSTS='["mcp.example.com"]')], indirect=True)
async def test_allowed_hosts_is_a_setting(mcp_server: RunningServer) -> None:
    client = MCPTestClient(mcp_server.url, version="2025-11-25")
    assert (await client.request("ping", headers={"Host": "mcp.example.com"})).result == {}
    assert (await client.request("ping")).status == 421, "127.0.0.1 is no longer listed"


async def test_get_without_last_event_id_and_delete_are_405(example_server: RunningServer) -> None:
    async with httpx.AsyncClient() as http:
        for method in ("GET", "DELETE", "PUT"):
            response = await http.request(method, example_server.url, headers={"Accept": "text/event-stream"})
            assert response.status_code == 405, method
            assert "POST" in response.headers["allow"]


async def test_resuming_an_unknown_stream_is_a_clear_error(example_server: RunningServer) -> None:
    async with httpx.AsyncClient() as http:
        headers = {"Accept": "text/event-stream", "MCP-Protocol-Version": "2025-11-25"}
        unknown = await http.get(example_server.url, headers={**headers, "Last-Event-ID": "a" * 32 + ".1"})
        assert unknown.status_code == 404
        assert unknown.json()["error"]["code"] == -32600
        foreign = await http.get(example_server.url, headers={**headers, "Last-Event-ID": "42"})
        assert foreign.status_code == 400


async def test_notifications_get_202_and_no_body(client: MCPTestClient) -> None:
    notifications = [
        ("notifications/initialized", None),
        ("notifications/cancelled", {"requestId": "not-running"}),
        ("notifications/whatever", None),
    ]
    for method, params in notifications:
        exchange = await client.notify(method, params)
        assert exchange.status == 202
        assert exchange.body == b""


async def test_an_answer_nobody_waits_for_is_refused(client: MCPTestClient) -> None:
    exchange = await client.post({"jsonrpc": "2.0", "id": "s-unknown", "result": {}})
    assert exchange.status == 404
