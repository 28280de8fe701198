"""2026-07-28 questions to the client across the fleet: the official Python SDK client, in its default
mode, answers an elicitation and retries; the retry lands on another process than the one that asked,
which opens the sealed ``requestState`` with the key every instance shares."""

from __future__ import annotations

import mcp_types as types
from mcp import Client
from mcp.client.context import ClientRequestContext
from mcp.client.streamable_http import streamable_http_client

from infra.sim import Rig


async def test_a_retry_is_answered_by_another_instance(rig: Rig) -> None:
    askers: list[str] = []

    async def elicit(context: ClientRequestContext, params: types.ElicitRequestParams) -> types.ElicitResult:
        askers.append(params.message.removeprefix("asked by "))
        return types.ElicitResult(action="accept", content={"name": "ada"})

    finishers = []
    async with Client(streamable_http_client(rig.url), elicitation_callback=elicit) as client:
        assert client.protocol_version == "2026-07-28"
        for _ in range(12):
            result = await client.call_tool("where", {})
            text = " ".join(block.text for block in result.content if isinstance(block, types.TextContent))
            assert not result.is_error and text.startswith("ada answered; finished by "), text
            finishers.append(text.rsplit(" ", 1)[1])
    assert len(askers) == 12
    assert any(asker != finisher for asker, finisher in zip(askers, finishers, strict=True)), (askers, finishers)
