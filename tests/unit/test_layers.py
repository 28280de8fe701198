"""Layers wrap the MCP endpoint in the order listed, and an empty list adds nothing."""

from __future__ import annotations

import httpx
from starlette.types import ASGIApp, Receive, Scope, Send

from app.layers import Layer, wrap
from app.main import MCPApplication, create_app
from app.protocol import MCPServer
from app.settings import Settings
from app.transport.http import MCPEndpoint

HEADERS = {"accept": "application/json, text/event-stream", "content-type": "application/json", "host": "localhost"}


def recorder(name: str, seen: list[str]) -> Layer:
    def layer(app: ASGIApp) -> ASGIApp:
        async def record(scope: Scope, receive: Receive, send: Send) -> None:
            seen.append(f"{name} {scope['method']} {scope['path']}")
            await app(scope, receive, send)

        return record

    return layer


def echo_server() -> MCPServer:
    server = MCPServer("layers")

    @server.tool
    def echo(text: str) -> str:
        return text

    return server


async def test_layers_see_every_mcp_request_first_listed_outermost() -> None:
    seen: list[str] = []
    app = create_app(Settings(), echo_server(), layers=[recorder("outer", seen), recorder("inner", seen)])
    transport = httpx.ASGITransport(app=app)
    async with httpx.AsyncClient(transport=transport, base_url="http://localhost") as client:
        ping = await client.post("/mcp", headers=HEADERS, json={"jsonrpc": "2.0", "id": 1, "method": "ping"})
        health = await client.get("/healthz")
    assert ping.json() == {"jsonrpc": "2.0", "id": 1, "result": {}}
    assert health.status_code == 200
    assert seen == ["outer POST /mcp", "inner POST /mcp"], "layers wrap /mcp only, in order"


def test_no_layers_means_the_endpoint_itself() -> None:
    app = create_app(Settings(), echo_server())
    assert isinstance(app, MCPApplication)
    assert type(app.mcp) is MCPEndpoint


def test_wrap_applies_the_first_layer_last() -> None:
    order: list[str] = []

    def named(name: str) -> Layer:
        def layer(app: ASGIApp) -> ASGIApp:
            order.append(name)
            return app

        return layer

    async def endpoint(scope: Scope, receive: Receive, send: Send) -> None:
        raise AssertionError("not called")

    assert wrap(endpoint, []) is endpoint
    wrap(endpoint, [named("outer"), named("middle"), named("inner")])
    assert order == ["inner", "middle", "outer"], "built inside out, so the first listed runs first"
