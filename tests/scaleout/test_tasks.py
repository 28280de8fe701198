"""Tasks across the fleet (3 instances x 2 workers, one Redis): a task started on one instance is
polled, answered (``tasks/update``), listened to and cancelled from the others; a task whose worker
is killed ends ``failed``, and so does one whose instance shuts down, never ``working`` for ever.
The official Python SDK client, which does not take tasks, gets the same tools' results inline."""

from __future__ import annotations

import asyncio
from contextlib import AsyncExitStack
from typing import Any

import httpx
import mcp_types as types
from mcp import Client
from mcp.client.streamable_http import streamable_http_client

from infra.sim import Rig
from tests.support.client import MODERN_VERSION, MCPTestClient
from tests.support.tasks import ENDED, TAKES_TASKS, poll_task, sse_messages, start_task
from tests.support.wire import validate_server_message


async def clients(stack: AsyncExitStack, rig: Rig) -> list[MCPTestClient]:
    """One client per instance, each speaking to that instance only (not through the balancer)."""
    return [
        await stack.enter_async_context(
            MCPTestClient(f"{instance.base_url}/mcp", version=MODERN_VERSION, capabilities=TAKES_TASKS)
        )
        for instance in rig.instances
    ]


async def start(client: MCPTestClient, tool: str, arguments: dict[str, Any]) -> str:
    task_id: str = (await start_task(client, tool, arguments))["taskId"]
    return task_id


async def test_a_task_is_polled_answered_and_heard_from_other_instances(fleet: Rig) -> None:
    async with AsyncExitStack() as stack:
        first, second, third = await clients(stack, fleet)
        task_id = await start(first, "report", {"seconds": 0.3})
        asked = asyncio.Event()
        heard = asyncio.create_task(_statuses(third, task_id, asked))
        asking = await poll_task(second, task_id, frozenset({"input_required"}))
        await asyncio.wait_for(asked.wait(), 10)  # the listener heard the question before it is answered
        [(key, question)] = asking["inputRequests"].items()
        asker = question["params"]["message"].removeprefix("started by ")
        answer = {"action": "accept", "content": {"name": "ada"}}
        await third.request("tasks/update", {"taskId": task_id, "inputResponses": {key: answer}})
        done = await poll_task(second, task_id, ENDED)
        assert done["status"] == "completed", done
        assert done["result"]["content"][0]["text"] == f"report for ada; finished by {asker}"
        statuses = await asyncio.wait_for(heard, 10)
    assert "input_required" in statuses and statuses[-1] == "completed", statuses


async def _statuses(client: MCPTestClient, task_id: str, asked: asyncio.Event) -> list[str]:
    """Listen for ``task_id`` until it ends (``asked`` set on hearing its question); the statuses heard."""
    listen = client.message("subscriptions/listen", {"notifications": {"taskIds": [task_id]}})
    statuses = []
    async with (
        httpx.AsyncClient(timeout=30) as http,
        http.stream("POST", client.url, json=listen, headers=client.default_headers(listen)) as reply,
    ):
        async for message in sse_messages(reply):
            validate_server_message(MODERN_VERSION, "subscriptions/listen", message)
            if message["method"] == "notifications/tasks":
                statuses.append(message["params"]["status"])
                if statuses[-1] == "input_required":
                    asked.set()
                if message["params"]["status"] in ENDED:
                    return statuses
    return statuses


async def test_a_task_is_cancelled_from_another_instance(fleet: Rig) -> None:
    async with AsyncExitStack() as stack:
        first, second, third = await clients(stack, fleet)
        task_id = await start(first, "pause", {"seconds": 60})
        await second.request("tasks/cancel", {"taskId": task_id})
        ended = await poll_task(third, task_id, ENDED, timeout=10)
    assert ended["status"] == "cancelled" and ended["statusMessage"] == "Cancelled by the client"


async def test_a_task_whose_worker_is_killed_ends_failed(rig: Rig) -> None:
    async with AsyncExitStack() as stack:
        first, second, _ = await clients(stack, rig)
        task_id = await start(second, "pause", {"seconds": 120})
        rig.kill(1)
        try:
            ended = await poll_task(first, task_id, ENDED, timeout=15)  # the heartbeat key lapses within 3 s
        finally:
            rig.start_instance(1)
    assert ended["status"] == "failed" and ended["error"]["code"] == -32603
    assert ended["statusMessage"] == "The worker running this task stopped; run it again"


async def test_a_task_of_an_instance_shutting_down_ends_failed(rig: Rig) -> None:
    async with AsyncExitStack() as stack:
        first, _, third = await clients(stack, rig)
        task_id = await start(third, "pause", {"seconds": 120})
        assert await asyncio.get_running_loop().run_in_executor(None, rig.restart, 2)
        ended = await poll_task(first, task_id, ENDED, timeout=10)
    assert ended["status"] == "failed"
    assert ended["statusMessage"] == "The server stopped before the task finished; run it again"


async def test_clients_without_tasks_get_the_same_tools_inline(rig: Rig) -> None:
    async with Client(streamable_http_client(rig.url)) as modern:
        assert modern.protocol_version == MODERN_VERSION
        result = await modern.call_tool("pause", {"seconds": 0})
    async with Client(streamable_http_client(rig.url), mode="legacy") as legacy:
        legacy_result = await legacy.call_tool("pause", {"seconds": 0})
    for outcome in (result, legacy_result):
        [block] = outcome.content
        assert isinstance(block, types.TextContent) and block.text.startswith("paused 0 s"), outcome
