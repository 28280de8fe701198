"""Tools that take their time, served behind the rig's nginx by the proxy tests."""

from __future__ import annotations

import asyncio

from app.protocol import Context, MCPServer

server = MCPServer("slow-tools")


@server.tool
async def ticker(steps: int, ctx: Context) -> str:
    """Report progress, then wait a second; `steps` times."""
    for step in range(steps):
        await ctx.report_progress(step + 1, steps)
        await asyncio.sleep(1)
    return "done"


@server.tool
async def silent(seconds: float) -> str:
    """Say nothing for `seconds`, then answer."""
    await asyncio.sleep(seconds)
    return "done"
