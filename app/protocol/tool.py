"""A registered tool: its wire definition, built once, and how a call runs."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from app.protocol.content import to_content, to_json_text
from app.protocol.context import Context
from app.protocol.invoke import FunctionFailed, Runner
from app.protocol.schema import BadArguments, Output, Signature


def error_result(message: str) -> dict[str, Any]:
    """A failed call as the model sees it: ``isError`` with the reason as text."""
    return {"content": [{"type": "text", "text": message}], "isError": True}


@dataclass(frozen=True, slots=True)
class Tool:
    name: str
    fn: Callable[..., Any]
    asynchronous: bool
    signature: Signature
    output: Output | None
    definition: dict[str, Any]
    """The ``Tool`` object ``tools/list`` sends."""
    time_limit: float | None = None
    """Seconds the tool may run; ``None`` takes the server's default (``FASTMCP_TOOL_TIME_LIMIT_SECONDS``)."""
    scopes: frozenset[str] = frozenset()
    """Scopes a caller's token must hold to call it."""
    tags: frozenset[str] = frozenset()
    """The author's labels (FastMCP's ``tags``): kept for the author's own use, not sent to clients."""
    task: bool = False
    """May be answered with a task handle (the tasks extension) when the client declared it."""

    async def call(self, arguments: dict[str, Any], ctx: Context, runner: Runner) -> dict[str, Any]:
        """Run the tool. Bad arguments and failures of its body become ``isError`` results (SEP-1303)."""
        try:
            kwargs = self.signature.bind(arguments, ctx)
        except BadArguments as exc:
            return error_result(f"Invalid arguments for tool '{self.name}': {exc}")
        try:
            what = f"tool '{self.name}'"
            value = await runner.run(what, self.fn, self.asynchronous, kwargs, self.time_limit, ctx, tool=self.name)
            return self._result(value)
        except FunctionFailed as exc:
            return error_result(exc.message)

    def _result(self, value: Any) -> dict[str, Any]:
        if self.output is None:
            return {"content": to_content(value), "isError": False}
        structured = self.output.structure(value)
        text = value if isinstance(value, str) else to_json_text(structured)
        return {
            "content": [{"type": "text", "text": text}],
            "structuredContent": structured,
            "isError": False,
        }
