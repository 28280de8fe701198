"""2026-07-28 multi round-trip requests on the wire: ``input_required``, the retry, and every way a
``requestState`` is refused (altered, another call's, expired is in the unit tests)."""

from __future__ import annotations

from typing import Any

import pytest

from tests.support.client import MODERN_VERSION, MCPTestClient
from tests.support.servers import RunningServer

ELICITING = {"elicitation": {}}
CALL = {"name": "test_elicitation", "arguments": {"message": "Who are you?"}}


@pytest.fixture
async def client(conformance_server: RunningServer) -> MCPTestClient:
    return MCPTestClient(conformance_server.url, version=MODERN_VERSION, capabilities=ELICITING)


async def _first_round(client: MCPTestClient) -> dict[str, Any]:
    exchange = await client.request("tools/call", CALL)
    assert exchange.status == 200 and not exchange.is_sse
    result: dict[str, Any] = exchange.result
    assert result["resultType"] == "input_required"
    return result


async def test_a_question_ends_the_call_with_input_required_and_the_retry_completes(client: MCPTestClient) -> None:
    first = await _first_round(client)
    [(key, request)] = first["inputRequests"].items()
    assert request["method"] == "elicitation/create"
    assert request["params"]["message"] == "Who are you?" and "requestedSchema" in request["params"]
    answer = {"action": "accept", "content": {"username": "ada", "email": "ada@example.com"}}
    retry = {
        **CALL,
        "inputResponses": {key: answer, "unasked": {"ignored": True}},
        "requestState": first["requestState"],
    }
    result = (await client.request("tools/call", retry)).result
    assert result["resultType"] == "complete"
    assert (
        result["content"][0]["text"]
        == 'User response: action=accept, content={"username": "ada", "email": "ada@example.com"}'
    )


async def test_a_retry_without_the_answer_asks_again(client: MCPTestClient) -> None:
    first = await _first_round(client)
    again = (await client.request("tools/call", {**CALL, "requestState": first["requestState"]})).result
    assert again["resultType"] == "input_required" and again["inputRequests"].keys() == first["inputRequests"].keys()


async def test_an_altered_state_is_refused_with_a_clear_error(client: MCPTestClient) -> None:
    first = await _first_round(client)
    state = first["requestState"]
    altered = state[:-2] + ("A" if state[-2] != "A" else "B") + state[-1]
    exchange = await client.request("tools/call", {**CALL, "inputResponses": {}, "requestState": altered})
    assert exchange.error["code"] == -32602
    assert "requestState" in exchange.error["message"]


async def test_a_state_presented_with_another_call_is_refused(client: MCPTestClient) -> None:
    first = await _first_round(client)
    other = {
        "name": "test_elicitation",
        "arguments": {"message": "Something else?"},
        "requestState": first["requestState"],
    }
    exchange = await client.request("tools/call", other)
    assert exchange.error["code"] == -32602 and "does not belong to this request" in exchange.error["message"]


async def test_a_client_that_cannot_elicit_is_never_asked(conformance_server: RunningServer) -> None:
    client = MCPTestClient(conformance_server.url, version=MODERN_VERSION, capabilities={})
    result = (await client.request("tools/call", CALL)).result
    assert result["resultType"] == "complete" and result["isError"] is True
    assert "elicitation" in result["content"][0]["text"]
