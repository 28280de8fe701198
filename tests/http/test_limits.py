"""Time and size are bounded: cancellation, disconnects, time limits, the sync pool, id and head sizes."""

from __future__ import annotations

import asyncio
import socket
import time

import httpx
import pytest

from tests.support.client import MCPTestClient
from tests.support.servers import RunningServer, ServerPool, ServerSpec

LIMITS = "tests.fixtures.limits_server:server"


@pytest.fixture(scope="module")
def limits_server(server_pool: ServerPool) -> RunningServer:
    return server_pool.get(ServerSpec.of(LIMITS, FASTMCP_TOOL_THREADS="2", FASTMCP_REQUEST_HEAD_TIMEOUT_SECONDS="1"))


async def running(client: MCPTestClient) -> int:
    count: int = (await client.request("tools/call", {"name": "running"})).result["structuredContent"]["result"]
    return count


async def wait_until_running(client: MCPTestClient) -> None:
    for _ in range(100):
        if await running(client):
            return
        await asyncio.sleep(0.05)
    raise AssertionError("the call never started")


async def wait_until_idle(client: MCPTestClient, within: float) -> float:
    started = time.monotonic()
    while await running(client):
        assert time.monotonic() - started < within, f"the call still runs {within:g} s later"
        await asyncio.sleep(0.1)
    return time.monotonic() - started


async def test_notifications_cancelled_stops_the_named_call(limits_server: RunningServer) -> None:
    client = MCPTestClient(limits_server.url, version="2025-06-18")
    call = asyncio.create_task(
        client.request("tools/call", {"name": "sleepy", "arguments": {"seconds": 30}}, request_id="c-1")
    )
    await wait_until_running(client)
    started = time.monotonic()
    assert (await client.notify("notifications/cancelled", {"requestId": "c-1", "reason": "user"})).status == 202
    exchange = await call
    assert time.monotonic() - started < 2
    assert exchange.error == {"code": -32800, "message": "Request cancelled"}
    assert await running(client) == 0


async def test_a_cancellation_must_name_a_request(limits_server: RunningServer) -> None:
    client = MCPTestClient(limits_server.url, version="2025-06-18")
    for params in ({}, {"requestId": [1]}, {"requestId": True}):
        refused = await client.notify("notifications/cancelled", params)
        assert refused.status == 400 and refused.error["code"] == -32600


@pytest.mark.parametrize("version", ["2025-06-18", "2025-11-25", "2026-07-28"])
async def test_a_client_that_goes_away_has_its_call_stopped(limits_server: RunningServer, version: str) -> None:
    """The call is silent, so its reply is still an unsent JSON body: nobody could ever receive it."""
    client = MCPTestClient(limits_server.url, version=version)
    body = client.message("tools/call", {"name": "sleepy", "arguments": {"seconds": 30}})
    headers = client.default_headers(body)
    async with httpx.AsyncClient(timeout=10) as http:
        request = asyncio.create_task(http.post(limits_server.url, json=body, headers=headers))
        await wait_until_running(client)
        request.cancel()  # closes the connection
        with pytest.raises(asyncio.CancelledError):
            await request
    assert await wait_until_idle(client, within=3) < 3


async def test_a_resumable_stream_outlives_its_connection(limits_server: RunningServer) -> None:
    client = MCPTestClient(limits_server.url, version="2025-11-25")
    body = client.message("tools/call", {"name": "sleepy", "arguments": {"seconds": 3}, "_meta": {"progressToken": 1}})
    headers = client.default_headers(body)
    async with (
        httpx.AsyncClient(timeout=10) as http,
        http.stream("POST", limits_server.url, json=body, headers=headers) as response,
    ):
        assert response.headers["content-type"] == "text/event-stream"
        async for line in response.aiter_lines():
            if line.startswith("id:"):
                break  # the priming event: the stream is resumable; hang up
    await asyncio.sleep(2)
    assert await running(client) == 1, "the client may resume, so the call runs on"
    await wait_until_idle(client, within=5)


async def test_a_tool_past_its_time_limit_ends_with_an_error(limits_server: RunningServer) -> None:
    client = MCPTestClient(limits_server.url, version="2025-11-25")
    started = time.monotonic()
    result = (await client.request("tools/call", {"name": "hurried"})).result
    assert time.monotonic() - started < 2
    assert result["isError"] is True
    assert result["content"][0]["text"] == "Error executing tool 'hurried': it did not finish within 0.3 s"


async def test_stuck_sync_tools_hold_their_own_threads_only(limits_server: RunningServer) -> None:
    client = MCPTestClient(limits_server.url, version="2025-11-25", timeout=30)
    stuck = [
        asyncio.create_task(client.request("tools/call", {"name": "stuck", "arguments": {"seconds": 3}}))
        for _ in range(4)
    ]
    await asyncio.sleep(0.3)
    started = time.monotonic()
    assert (await client.request("tools/call", {"name": "echo", "arguments": {"text": "free"}})).result["content"][0][
        "text"
    ] == "free"
    assert time.monotonic() - started < 0.5, "async tools never wait for threads"
    results = [exchange.result for exchange in await asyncio.gather(*stuck)]
    assert all(result["content"][0]["text"] == "unstuck" for result in results), "with 2 threads, 4 calls queue"


async def test_unexpected_errors_are_masked_by_default(limits_server: RunningServer) -> None:
    client = MCPTestClient(limits_server.url, version="2025-11-25")
    result = (await client.request("tools/call", {"name": "explode"})).result
    assert result == {"content": [{"type": "text", "text": "Error executing tool 'explode'"}], "isError": True}
    assert "/srv/secret" in limits_server.output(), "the log keeps the detail"


@pytest.mark.parametrize("version", ["2025-11-25", "2026-07-28"])
async def test_values_repeated_in_replies_have_a_size_limit(limits_server: RunningServer, version: str) -> None:
    client = MCPTestClient(limits_server.url, version=version)
    long = "x" * 257
    too_long_id = await client.request("ping" if version != "2026-07-28" else "tools/list", request_id=long)
    assert too_long_id.status == 400 and too_long_id.error["code"] == -32600
    token = await client.request(
        "tools/call", {"name": "echo", "arguments": {"text": "a"}, "_meta": {"progressToken": long}}
    )
    assert token.status == 400 and token.error["code"] == -32602
    name = await client.request("tools/call", {"name": long})
    assert name.status == (400 if version == "2026-07-28" else 200) and "longer than 256" in name.error["message"]


def _raw(port: int, data: bytes, wait: float) -> bytes:
    with socket.create_connection(("127.0.0.1", port), timeout=wait + 5) as sock:
        sock.sendall(data)
        time.sleep(wait)
        received = b""
        while chunk := sock.recv(65536):
            received += chunk
        return received


def test_a_request_head_past_its_size_is_431_and_closed(limits_server: RunningServer) -> None:
    head = b"GET /healthz HTTP/1.1\r\nHost: localhost\r\nX-Big: " + b"a" * 20_000 + b"\r\n\r\n"
    reply = _raw(limits_server.port, head, 0)
    assert reply.startswith(b"HTTP/1.1 431 ")


def test_a_head_that_never_ends_is_408_and_closed(limits_server: RunningServer) -> None:
    started = time.monotonic()
    reply = _raw(limits_server.port, b"GET /healthz HTTP/1.1\r\nHost: loc", 0)
    assert reply.startswith(b"HTTP/1.1 408 ")
    assert 0.9 < time.monotonic() - started < 3


def test_an_ordinary_request_is_not_touched_by_the_head_limits(limits_server: RunningServer) -> None:
    with httpx.Client() as http:
        for _ in range(3):  # a kept-alive connection: each head gets its own allowance
            assert http.get(limits_server.base_url + "/healthz").status_code == 200
