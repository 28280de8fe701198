"""A client's side of the tasks extension, shared by the one-server and the fleet tests."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from typing import Any

import httpx

from tests.support.client import MCPTestClient
from tests.support.sse import aiter_events

EXTENSION = "io.modelcontextprotocol/tasks"
TAKES_TASKS: dict[str, Any] = {"elicitation": {}, "extensions": {EXTENSION: {}}}
"""Client capabilities that take tasks (and can answer a task's question)."""
ENDED = frozenset({"completed", "failed", "cancelled"})


async def start_task(client: MCPTestClient, tool: str, arguments: dict[str, Any]) -> dict[str, Any]:
    """Call ``tool``, which must answer with a task handle; the handle."""
    result: dict[str, Any] = (await client.request("tools/call", {"name": tool, "arguments": arguments})).result
    assert result["resultType"] == "task" and result["status"] == "working", result
    return result


async def poll_task(client: MCPTestClient, task_id: str, until: frozenset[str], timeout: float = 20) -> dict[str, Any]:
    """``tasks/get`` until the task is in one of ``until``; the task then."""
    async with asyncio.timeout(timeout):
        while True:
            task: dict[str, Any] = (await client.request("tasks/get", {"taskId": task_id})).result
            if task["status"] in until:
                return task
            await asyncio.sleep(0.05)


async def sse_messages(reply: httpx.Response) -> AsyncIterator[dict[str, Any]]:
    """The JSON-RPC messages of a streaming reply (a ``subscriptions/listen`` stream), as they come."""
    async for event in aiter_events(reply.aiter_lines()):
        message = event.message
        if message is not None:
            yield message
