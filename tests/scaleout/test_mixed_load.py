"""1000 mixed requests from real clients of both eras, through nginx to 3 instances x 2 workers."""

from __future__ import annotations

import asyncio
from collections import Counter

import fastmcp
from mcp import Client

from infra.sim import Rig

REQUESTS = 1000
CLIENTS = 8


async def sdk_session(url: str, mode: str, count: int, outcomes: Counter[str]) -> None:
    async with Client(url, mode=mode) as client:
        for n in range(count):
            kind = n % 4
            if kind == 0:
                result = await client.call_tool("echo", {"text": f"{mode}-{n}"})
                ok = result.content[0].text == f"{mode}-{n}"  # type: ignore[union-attr]
            elif kind == 1:
                ok = {tool.name for tool in (await client.list_tools()).tools} >= {"echo", "stream"}
            elif kind == 2:
                ok = (await client.read_resource(f"note://{n}")).contents[0].text == f"note {n}"  # type: ignore[union-attr]
            else:
                ok = (await client.get_prompt("greet", {"name": "x"})).messages[0].content.text == "Hello x"  # type: ignore[union-attr]
            outcomes[f"sdk-{mode}:{'ok' if ok else 'wrong'}"] += 1


async def fastmcp_session(url: str, count: int, outcomes: Counter[str]) -> None:
    async with fastmcp.Client(url) as client:
        for n in range(count):
            if n % 2:
                result = await client.call_tool("echo", {"text": f"f-{n}"})
                ok = result.content[0].text == f"f-{n}"  # type: ignore[union-attr]
            else:
                ok = len(await client.list_tools()) >= 2
            outcomes[f"fastmcp:{'ok' if ok else 'wrong'}"] += 1


async def test_a_thousand_mixed_requests_all_succeed(rig: Rig) -> None:
    per_client = REQUESTS // CLIENTS
    outcomes: Counter[str] = Counter()
    modes = ["legacy", "2026-07-28", "auto"]
    sessions = [sdk_session(rig.url, modes[n % 3], per_client, outcomes) for n in range(CLIENTS - 2)]
    sessions += [fastmcp_session(rig.url, per_client, outcomes) for _ in range(2)]
    await asyncio.wait_for(asyncio.gather(*sessions), timeout=180)
    assert sum(outcomes.values()) == REQUESTS
    assert all(key.endswith(":ok") for key in outcomes), outcomes
    assert {key.split(":")[0] for key in outcomes} == {"sdk-legacy", "sdk-2026-07-28", "sdk-auto", "fastmcp"}
