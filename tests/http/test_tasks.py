"""The tasks extension (``io.modelcontextprotocol/tasks``) on one server: a ``task=True`` tool's call
becomes a task for a client that declared the extension, and the task's life on the wire: polled,
asked and answered, cancelled, failed, limited, listened to; every reply checked against the
extension's shapes. Across replicas: tests/scaleout/test_tasks.py."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from typing import Any

import httpx
import pytest

from tests.support.client import MODERN_VERSION, MCPTestClient
from tests.support.servers import RunningServer, ServerSpec
from tests.support.tasks import EXTENSION, TAKES_TASKS, poll_task, sse_messages, start_task
from tests.support.wire import validate_server_message

TASKS_SERVER = ServerSpec.of("tests.scaleout.tools:server", FASTMCP_TASK_POLL_INTERVAL_MS="250")


@pytest.fixture(scope="module")
def server(server_pool: Any) -> RunningServer:
    running: RunningServer = server_pool.get(TASKS_SERVER)
    return running


@pytest.fixture
async def client(server: RunningServer) -> AsyncIterator[MCPTestClient]:
    async with MCPTestClient(server.url, version=MODERN_VERSION, capabilities=TAKES_TASKS) as client:
        yield client


async def test_discover_names_the_extension(client: MCPTestClient) -> None:
    capabilities = (await client.request("server/discover")).result["capabilities"]
    assert capabilities["extensions"] == {EXTENSION: {}}


async def test_a_task_is_polled_to_its_result(client: MCPTestClient) -> None:
    created = await start_task(client, "pause", {"seconds": 0.3})
    assert created["ttlMs"] == 3_600_000 and created["pollIntervalMs"] == 250
    first = (await client.request("tasks/get", {"taskId": created["taskId"]})).result
    assert first["status"] == "working" and first["createdAt"] == created["createdAt"]
    done = await poll_task(client, created["taskId"], frozenset({"completed"}))
    assert done["result"]["isError"] is False
    assert done["result"]["content"][0]["text"].startswith("paused 0.3 s")


async def test_a_question_is_answered_with_tasks_update(client: MCPTestClient) -> None:
    created = await start_task(client, "report", {"seconds": 0})
    asking = await poll_task(client, created["taskId"], frozenset({"input_required"}))
    [(key, question)] = asking["inputRequests"].items()
    assert question["method"] == "elicitation/create" and question["params"]["message"].startswith("started by")
    answer = {"action": "accept", "content": {"name": "ada"}}
    update = {"taskId": created["taskId"], "inputResponses": {key: answer, "never-asked": answer}}
    assert (await client.request("tasks/update", update)).result == {"resultType": "complete", "_meta": TAKES_META}
    done = await poll_task(client, created["taskId"], frozenset({"completed"}))
    assert done["result"]["content"][0]["text"].startswith("report for ada;")


async def test_a_cancelled_task_ends_cancelled_and_a_finished_one_stays_finished(client: MCPTestClient) -> None:
    created = await start_task(client, "pause", {"seconds": 30})
    await client.request("tasks/cancel", {"taskId": created["taskId"]})
    cancelled = await poll_task(client, created["taskId"], frozenset({"cancelled", "completed", "failed"}))
    assert cancelled["status"] == "cancelled"
    finished = await start_task(client, "pause", {"seconds": 0})
    await poll_task(client, finished["taskId"], frozenset({"completed"}))
    await client.request("tasks/cancel", {"taskId": finished["taskId"]})
    assert (await poll_task(client, finished["taskId"], frozenset({"completed", "cancelled"})))["status"] == "completed"


async def test_a_protocol_error_fails_the_task_and_a_tool_error_completes_it(client: MCPTestClient) -> None:
    failing = await start_task(client, "refuse", {"protocol_error": True})
    failed = await poll_task(client, failing["taskId"], frozenset({"failed", "completed"}))
    assert failed["status"] == "failed" and failed["error"]["code"] == -32602
    assert failed["statusMessage"] == failed["error"]["message"] == "no such thing"
    erring = await start_task(client, "refuse", {"protocol_error": False})
    completed = await poll_task(client, erring["taskId"], frozenset({"failed", "completed"}))
    assert completed["status"] == "completed" and completed["result"]["isError"] is True


async def test_a_task_past_its_time_limit_completes_with_the_error(client: MCPTestClient) -> None:
    created = await start_task(client, "overrun", {})
    done = await poll_task(client, created["taskId"], frozenset({"completed", "failed"}))
    assert done["result"]["isError"] is True
    assert "did not finish within 0.3 s" in done["result"]["content"][0]["text"]


async def test_clients_that_take_no_tasks_get_the_result_inline(server: RunningServer) -> None:
    async with MCPTestClient(server.url, version=MODERN_VERSION, capabilities={}) as modern:
        result = (await modern.request("tools/call", {"name": "pause", "arguments": {"seconds": 0}})).result
        assert result["resultType"] == "complete" and result["content"][0]["text"].startswith("paused 0 s")
    async with MCPTestClient(server.url, version="2025-11-25") as legacy:
        await legacy.initialize()
        result = (await legacy.request("tools/call", {"name": "pause", "arguments": {"seconds": 0}})).result
        assert "resultType" not in result and result["content"][0]["text"].startswith("paused 0 s")


@pytest.mark.parametrize(
    ("method", "params", "message"),
    [
        ("tasks/get", {"taskId": "a" * 32}, "Task not found"),
        ("tasks/get", {"taskId": "x" * 65}, "params.taskId must be"),
        ("tasks/cancel", {"taskId": "a" * 32}, "Task not found"),
        ("tasks/update", {"taskId": "a" * 32, "inputResponses": {}}, "Task not found"),
        ("tasks/update", {"taskId": "a" * 32, "inputResponses": []}, "params.inputResponses must be an object"),
    ],
)
async def test_bad_task_requests_are_invalid_params(
    client: MCPTestClient, method: str, params: dict[str, Any], message: str
) -> None:
    exchange = await client.request(method, params)
    assert exchange.status == 400 and exchange.error["code"] == -32602
    assert exchange.error["message"].startswith(message)


async def test_the_mcp_name_header_must_carry_the_task_id(client: MCPTestClient) -> None:
    created = await start_task(client, "pause", {"seconds": 0})
    exchange = await client.request("tasks/get", {"taskId": created["taskId"]}, headers={"Mcp-Name": "another"})
    assert exchange.status == 400 and exchange.error["code"] == -32020


async def test_listening_for_tasks_needs_the_extension(server: RunningServer) -> None:
    async with MCPTestClient(server.url, version=MODERN_VERSION, capabilities={}) as plain:
        exchange = await plain.request("subscriptions/listen", {"notifications": {"taskIds": ["a" * 32]}})
    assert exchange.status == 400 and exchange.error["code"] == -32021
    assert exchange.error["data"] == {"requiredCapabilities": {"extensions": {EXTENSION: {}}}}


async def test_a_listener_receives_each_status_of_its_task(client: MCPTestClient, server: RunningServer) -> None:
    created = await start_task(client, "report", {"seconds": 0.2})
    listen = client.message("subscriptions/listen", {"notifications": {"taskIds": [created["taskId"], "b" * 32]}})
    statuses: list[str] = []
    headers = client.default_headers(listen)
    async with (
        httpx.AsyncClient(timeout=10) as http,
        asyncio.timeout(10),
        http.stream("POST", server.url, json=listen, headers=headers) as reply,
    ):
        async for message in sse_messages(reply):
            validate_server_message(MODERN_VERSION, "subscriptions/listen", message)
            params = message["params"]
            if message["method"] == "notifications/subscriptions/acknowledged":
                assert params["notifications"] == {"taskIds": [created["taskId"]]}  # only the caller's own
                continue
            assert params["_meta"] == {"io.modelcontextprotocol/subscriptionId": listen["id"]}
            statuses.append(params["status"])
            if params["status"] == "input_required":
                [key] = params["inputRequests"]
                answer = {"action": "accept", "content": {"name": "bo"}}
                await client.request("tasks/update", {"taskId": created["taskId"], "inputResponses": {key: answer}})
            if params["status"] == "completed":
                assert params["result"]["content"][0]["text"].startswith("report for bo;")
                break
    assert statuses[0] in ("working", "input_required") and statuses[-1] == "completed", statuses
    assert "input_required" in statuses


TAKES_META = {"io.modelcontextprotocol/serverInfo": {"name": "scaleout-tests", "version": "0.1.0"}}
