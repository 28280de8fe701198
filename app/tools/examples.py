"""Example tools, resources, prompts and completions: one of each feature, ready to copy.

Only ``app.protocol`` is imported here: that is the whole tool-author API.
"""

from __future__ import annotations

import asyncio
import platform
from typing import Annotated

from pydantic import Field
from typing_extensions import TypedDict

from app.protocol import Context, MCPServer, Message, ToolError

server = MCPServer(
    "mcp-template",
    "0.1.0",
    instructions="Example tools of the stateless MCP template: echo, arithmetic, a slow task with progress.",
)


@server.tool(annotations={"readOnlyHint": True})
async def echo(text: str) -> str:
    """Return the text unchanged."""
    return text


class Sum(TypedDict):
    total: float
    count: int


@server.tool
def add(numbers: Annotated[list[float], Field(description="The numbers to add", min_length=1)]) -> Sum:
    """Add numbers. A sync function: it runs in a worker thread. Returns structured content."""
    return {"total": sum(numbers), "count": len(numbers)}


@server.tool
async def countdown(seconds: Annotated[int, Field(ge=1, le=60)], ctx: Context) -> str:
    """Count down, reporting progress and logging each second: the reply streams as SSE."""
    for done in range(seconds):
        await ctx.report_progress(done, seconds, message=f"{seconds - done} s left")
        await ctx.info(f"tick {done + 1}/{seconds}")
        await asyncio.sleep(1)
    await ctx.report_progress(seconds, seconds)
    return "liftoff"


@server.tool
async def divide(dividend: float, divisor: float) -> float:
    """Divide two numbers; dividing by zero is reported to the model as a tool error."""
    if divisor == 0:
        raise ToolError("Cannot divide by zero")
    return dividend / divisor


@server.resource("info://server", mime_type="application/json")
def server_info() -> dict[str, str]:
    """The Python version and platform this server runs on."""
    return {"python": platform.python_version(), "platform": platform.platform()}


@server.resource("greeting://{name}", mime_type="text/plain")
def greeting(name: str) -> str:
    """A greeting for anyone: a resource template."""
    return f"Hello, {name}!"


@server.prompt
def review(code: str, language: str = "python") -> list[Message]:
    """Ask for a code review."""
    return [
        Message("user", f"Please review this {language} code:\n\n{code}"),
        Message("assistant", "Sure. What should I focus on?"),
    ]


LANGUAGES = ("c", "go", "javascript", "python", "rust", "typescript")


@server.completion(prompt="review", argument="language")
def complete_language(value: str, arguments: dict[str, str]) -> list[str]:
    return [language for language in LANGUAGES if language.startswith(value.lower())]


@server.tool
async def haiku(topic: str, ctx: Context) -> str:
    """Ask the client's own model for a haiku (sampling). The request goes out on this call's stream;
    the client's answer may reach any worker."""
    result = await ctx.sample(f"Write a haiku about {topic}.", max_tokens=60)
    content = result.get("content") or {}
    return str(content.get("text", ""))
