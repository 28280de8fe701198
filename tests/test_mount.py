"""The endpoint mounted in an existing Starlette (or FastAPI) app: one line, no lifespan wiring,
no doubled path. Served by a real uvicorn on a free port and used by the official SDK client."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator

import pytest
import uvicorn
from mcp import Client
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import PlainTextResponse
from starlette.routing import Route

from app.lifecycle import lifespan
from app.main import create_endpoint
from app.settings import Settings
from app.tools import server
from tests.support.servers import free_port


async def home(request: Request) -> PlainTextResponse:
    return PlainTextResponse("the host app")


@pytest.fixture
async def host_url() -> AsyncIterator[str]:
    host = Starlette(routes=[Route("/", home)])  # an application that knows nothing about MCP
    host.add_route("/mcp", create_endpoint(server, Settings()))
    port = free_port()
    uvicorn_server = uvicorn.Server(uvicorn.Config(host, host="127.0.0.1", port=port, log_level="warning"))
    task = asyncio.create_task(uvicorn_server.serve())
    for _ in range(500):  # uvicorn offers no event for "started"; poll, bounded
        if uvicorn_server.started:
            break
        await asyncio.sleep(0.01)
    yield f"http://127.0.0.1:{port}"
    uvicorn_server.should_exit = True
    await task


async def test_the_endpoint_mounts_with_one_line(host_url: str) -> None:
    async with Client(f"{host_url}/mcp", mode="legacy") as client:
        result = await client.call_tool("echo", {"text": "mounted"})
        assert result.content[0].text == "mounted"  # type: ignore[union-attr]
    async with Client(f"{host_url}/mcp", mode="2026-07-28") as client:
        assert "echo" in {tool.name for tool in (await client.list_tools()).tools}


async def test_with_the_lifespan_the_host_app_also_closes_what_the_endpoint_started() -> None:
    """Mounted without a lifespan, the endpoint starts on its first request but nothing closes it;
    the host app that includes ``app.lifecycle.lifespan`` (FastAPI's ``lifespan=`` takes it as is)
    gets the start, the drain on SIGTERM and the close."""
    settings = Settings()
    endpoint = create_endpoint(server, settings)
    host = Starlette(routes=[Route("/", home)], lifespan=lifespan(settings, endpoint))
    host.add_route("/mcp", endpoint)
    port = free_port()
    uvicorn_server = uvicorn.Server(uvicorn.Config(host, host="127.0.0.1", port=port, log_level="warning"))
    task = asyncio.create_task(uvicorn_server.serve())
    for _ in range(500):
        if uvicorn_server.started:
            break
        await asyncio.sleep(0.01)
    assert endpoint._started, "started by the lifespan, before any request"
    async with Client(f"http://127.0.0.1:{port}/mcp", mode="legacy") as client:
        assert (await client.call_tool("echo", {"text": "x"})).content[0].text == "x"  # type: ignore[union-attr]
    uvicorn_server.should_exit = True
    await task
    assert endpoint.listeners.closing, "the lifespan's end closed the endpoint"
