"""Tools for the scale-out tests: long streams, silence, and server-to-client requests."""

from __future__ import annotations

import asyncio
import os

from app.protocol import Context, MCPServer, ToolError
from app.protocol.errors import InvalidParams

server = MCPServer("scaleout-tests")


@server.tool
async def stream(count: int, interval: float, ctx: Context) -> str:
    """Report progress ``count`` times, ``interval`` seconds apart."""
    for done in range(1, count + 1):
        await asyncio.sleep(interval)
        await ctx.report_progress(done, count, message=f"event {done}")
    return f"streamed {count}"


@server.tool
async def burst(count: int, ctx: Context) -> str:
    """Report progress ``count`` times in one go, never yielding to the event loop in between."""
    for done in range(1, count + 1):
        await ctx.report_progress(done, count)
    return f"burst {count}"


@server.tool
async def where(ctx: Context) -> str:
    """Ask the user something, naming the process that asked; answer naming the one that finished."""
    answer = await ctx.elicit(
        f"asked by {os.getpid()}",
        {"type": "object", "properties": {"name": {"type": "string"}}, "required": ["name"]},
    )
    return f"{answer.get('content', {}).get('name')} answered; finished by {os.getpid()}"


@server.tool
async def change(uri: str, ctx: Context) -> str:
    """Announce that the tool list changed and that ``uri`` was updated, to every listener of the fleet."""
    await ctx.notify_tools_changed()
    await ctx.notify_resource_updated(uri)
    return f"announced by {os.getpid()}"


@server.tool
async def ask(question: str, ctx: Context) -> str:
    """Ask the client's model, through sampling, and return its answer."""
    result = await ctx.sample(question, max_tokens=50)
    content = result.get("content") or {}
    return f"the model said: {content.get('text')}"


@server.tool
async def confirm(ctx: Context) -> str:
    """Ask the user to confirm, through elicitation."""
    result = await ctx.elicit("Proceed?", {"type": "object", "properties": {"ok": {"type": "boolean"}}})
    return f"{result.get('action')}: {result.get('content')}"


@server.tool
async def echo(text: str) -> str:
    """Echo the text back."""
    return text


@server.resource("note://{name}", mime_type="text/plain")
def note(name: str) -> str:
    """A note, by name."""
    return f"note {name}"


@server.prompt
def greet(name: str) -> str:
    """Greet someone."""
    return f"Hello {name}"


@server.tool(task=True)
async def report(seconds: float, ctx: Context) -> str:
    """A long job, run as a task for clients that take tasks: asks whom it is for, then works."""
    answer = await ctx.elicit(
        f"started by {os.getpid()}",
        {"type": "object", "properties": {"name": {"type": "string"}}, "required": ["name"]},
    )
    await asyncio.sleep(seconds)
    return f"report for {answer.get('content', {}).get('name')}; finished by {os.getpid()}"


@server.tool(task=True)
async def pause(seconds: float) -> str:
    """Wait ``seconds``, as a task for clients that take tasks."""
    await asyncio.sleep(seconds)
    return f"paused {seconds:g} s in {os.getpid()}"


@server.tool(task=True)
async def refuse(protocol_error: bool) -> str:
    """Fail: with a JSON-RPC error (the task fails), or as a tool (the task completes with ``isError``)."""
    if protocol_error:
        raise InvalidParams("no such thing")
    raise ToolError("that went wrong")


@server.tool(task=True, timeout=0.3)
async def overrun() -> str:
    """Run past its time limit."""
    await asyncio.sleep(30)
    return "never"
