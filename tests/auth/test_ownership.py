"""What a caller starts belongs to it: another token holding the ids gets 404, never the events or the
right to answer."""

from __future__ import annotations

import asyncio
from typing import Any

import httpx

from infra.sim.issuer import Issuer
from tests.auth.conftest import RESOURCE
from tests.support.client import MODERN_VERSION, MCPTestClient
from tests.support.servers import RunningServer
from tests.support.sse import aiter_events

LEGACY = {"accept": "application/json, text/event-stream", "content-type": "application/json"}


def headers(token: str) -> dict[str, str]:
    return {**LEGACY, "mcp-protocol-version": "2025-11-25", "authorization": f"Bearer {token}"}


async def test_another_caller_cannot_resume_a_stream(jwt_server: RunningServer, issuer: Issuer) -> None:
    await stream_belongs_to_its_caller(jwt_server.url, issuer)


async def test_another_caller_cannot_answer_a_question(jwt_server: RunningServer, issuer: Issuer) -> None:
    await answer_belongs_to_its_caller(jwt_server.url, issuer)


async def stream_belongs_to_its_caller(url: str, issuer: Issuer) -> None:
    """Alice's stream, cut after one event: Bob's resume is 404, Alice's gets the rest."""
    alice, bob = issuer.mint(RESOURCE, subject="alice"), issuer.mint(RESOURCE, subject="bob")
    call = {
        "jsonrpc": "2.0",
        "id": 1,
        "method": "tools/call",
        "params": {"name": "stream", "arguments": {"count": 3, "interval": 0.3}, "_meta": {"progressToken": 1}},
    }
    async with httpx.AsyncClient(timeout=10) as http:
        async with http.stream("POST", url, json=call, headers=headers(alice)) as response:
            async for event in aiter_events(response.aiter_lines()):
                if event.id and event.data.strip():
                    last_id = event.id
                    break  # one progress event, then the connection drops
        stolen = await http.get(url, headers={**headers(bob), "last-event-id": last_id})
        assert stolen.status_code == 404 and "progress" not in stolen.text
        async with http.stream("GET", url, headers={**headers(alice), "last-event-id": last_id}) as resumed:
            assert resumed.status_code == 200
            messages = [event.message async for event in aiter_events(resumed.aiter_lines()) if event.data.strip()]
    assert messages[-1]["result"]["content"][0]["text"] == "streamed 3"


async def answer_belongs_to_its_caller(url: str, issuer: Issuer) -> None:
    """Alice's tool asks her client; Bob's answer is 404, Alice's is taken."""
    alice, bob = issuer.mint(RESOURCE, subject="alice"), issuer.mint(RESOURCE, subject="bob")
    refused: list[int] = []

    async def answer(request: dict[str, Any]) -> dict[str, Any]:
        reply = {"jsonrpc": "2.0", "id": request["id"], "result": {"role": "assistant", "model": "m"}}
        reply["result"]["content"] = {"type": "text", "text": "5"}
        async with httpx.AsyncClient(timeout=10) as http:
            stolen = await http.post(url, json=reply, headers=headers(bob))
        refused.append(stolen.status_code)
        reply["result"]["content"]["text"] = "4"
        return reply["result"]

    http = httpx.AsyncClient(headers={"authorization": f"Bearer {alice}"}, timeout=10)
    async with http, MCPTestClient(url, capabilities={"sampling": {}}, http=http) as client:
        exchange = await asyncio.wait_for(client.request("tools/call", {"name": "ask"}, on_request=answer), 10)
    assert refused == [404], "bob's answer was refused"
    assert exchange.result["content"][0]["text"] == "4", "alice's was taken"


async def test_another_caller_cannot_see_or_touch_a_task(jwt_server: RunningServer, issuer: Issuer) -> None:
    """Alice's task: for Bob, with its id, it does not exist (get, update, cancel, listen); Alice's runs on."""
    alice, bob = issuer.mint(RESOURCE, subject="alice"), issuer.mint(RESOURCE, subject="bob")
    capabilities = {"elicitation": {}, "extensions": {"io.modelcontextprotocol/tasks": {}}}
    clients = [
        MCPTestClient(
            jwt_server.url,
            version=MODERN_VERSION,
            capabilities=capabilities,
            http=httpx.AsyncClient(headers={"authorization": f"Bearer {token}"}, timeout=10),
        )
        for token in (alice, bob)
    ]
    async with clients[0] as owner, clients[1] as other:
        created = (await owner.request("tools/call", {"name": "job", "arguments": {"seconds": 0.5}})).result
        task_id = created["taskId"]
        for method, params in [
            ("tasks/get", {"taskId": task_id}),
            ("tasks/update", {"taskId": task_id, "inputResponses": {"r1": {"action": "decline"}}}),
            ("tasks/cancel", {"taskId": task_id}),
        ]:
            refused = await other.request(method, params)
            assert refused.status == 400 and refused.error["message"].startswith("Task not found"), refused
        await asyncio.sleep(0.8)
        done = (await owner.request("tasks/get", {"taskId": task_id})).result
    for client in clients:
        await client.http.aclose()
    assert done["status"] == "completed" and done["result"]["content"][0]["text"] == "done after 0.5 s"
