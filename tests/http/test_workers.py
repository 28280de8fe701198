"""``uvicorn --workers N`` with the in-memory store: a tool that asks the client fails at once, naming
the fix, instead of waiting out the answer timeout for an answer that may reach another worker."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from collections.abc import Iterator

import httpx
import pytest

from tests.support.client import MCPTestClient
from tests.support.servers import REPO, child_environment, free_port


@pytest.fixture(scope="module")
def two_workers() -> Iterator[str]:
    port = free_port()
    command = [sys.executable, "-m", "uvicorn", "app.main:app", "--port", str(port), "--workers", "2"]
    env = child_environment({"FASTMCP_SERVER": "tests.scaleout.tools:server"})
    process = subprocess.Popen(command, cwd=REPO, env=env, start_new_session=True, stdout=subprocess.DEVNULL)
    try:
        for _ in range(200):
            try:
                if httpx.get(f"http://127.0.0.1:{port}/healthz", timeout=1).status_code == 200:
                    break
            except httpx.TransportError:
                time.sleep(0.1)
        yield f"http://127.0.0.1:{port}/mcp"
    finally:
        os.killpg(process.pid, signal.SIGTERM)
        process.wait(20)


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
