"""``uvicorn --workers N`` with the in-memory store: a tool that asks the client fails at once, naming
the fix, instead of waiting out the answer timeout for an answer that may reach another worker."""

from __future__ import annotations

import sys
import time
from collections.abc import Iterator

import pytest

from tests.support.client import MCPTestClient
from tests.support.servers import free_port, spawned


@pytest.fixture(scope="module")
def two_workers() -> Iterator[str]:
    port = free_port()
    command = [sys.executable, "-m", "uvicorn", "app.main:app", "--port", str(port), "--workers", "2"]
    env = {"FASTMCP_SERVER": "tests.scaleout.tools:server", "FASTMCP_REQUEST_STATE_KEYS": '["' + "cd" * 32 + '"]'}
    with spawned(command, port, env) as base:
        yield f"{base}/mcp"


async def test_asking_the_client_fails_fast_with_the_fix(two_workers: str) -> None:
    async def answer(request: dict) -> dict:  # type: ignore[type-arg]
        raise AssertionError("no question should reach the client")

    client = MCPTestClient(two_workers, capabilities={"sampling": {}}, on_request=answer)
    started = time.monotonic()
    result = (await client.request("tools/call", {"name": "ask", "arguments": {"question": "2+2?"}})).result
    assert time.monotonic() - started < 2
    assert result["isError"] is True and "FASTMCP_EVENT_STORE=redis" in result["content"][0]["text"]
    echo = await client.request("tools/call", {"name": "echo", "arguments": {"text": "fine"}})
    assert echo.result["content"][0]["text"] == "fine", "everything else works"
