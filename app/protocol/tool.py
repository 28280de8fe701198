"""A registered tool: its wire definition, built once, and how a call runs."""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from app.protocol.content import to_content, to_json_text
from app.protocol.context import Context
from app.protocol.errors import MCPError, ToolError
from app.protocol.invoke import invoke
from app.protocol.schema import BadArguments, Output, Signature

logger = logging.getLogger("app.tools")


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

    async def call(self, arguments: dict[str, Any], ctx: Context, *, mask_errors: bool) -> dict[str, Any]:
        """Run the tool. Bad arguments and failures of its body become ``isError`` results (SEP-1303)."""
        try:
            kwargs = self.signature.bind(arguments, ctx)
        except BadArguments as exc:
            return error_result(f"Invalid arguments for tool '{self.name}': {exc}")
        try:
            value = await invoke(self.fn, self.asynchronous, kwargs)
            return self._result(value)
        except ToolError as exc:
            return error_result(str(exc))
        except MCPError:
            raise
        except Exception as exc:
            logger.exception("tool %r failed", self.name)
            if mask_errors:
                return error_result(f"Error executing tool '{self.name}'")
            return error_result(f"Error executing tool '{self.name}': {exc}")

    def _result(self, value: Any) -> dict[str, Any]:
        if self.output is None:
            return {"content": to_content(value), "isError": False}
        structured = self.output.structure(value)
        return {
            "content": [{"type": "text", "text": to_json_text(structured)}],
            "structuredContent": structured,
            "isError": False,
        }
