"""A registered prompt: its arguments as the client sees them, and how ``prompts/get`` renders it."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from app.protocol.content import messages
from app.protocol.context import Context
from app.protocol.errors import InternalError, InvalidParams
from app.protocol.invoke import FunctionFailed, Runner
from app.protocol.schema import BadArguments, Signature


def prompt_arguments(signature: Signature) -> list[dict[str, Any]]:
    """The ``arguments`` list of a ``Prompt``: one entry per parameter, required when it has no default."""
    required = set(signature.schema.get("required", ()))
    arguments = []
    for name, schema in signature.schema["properties"].items():
        argument: dict[str, Any] = {"name": name, "required": name in required}
        if "description" in schema:
            argument["description"] = schema["description"]
        arguments.append(argument)
    return arguments


@dataclass(frozen=True, slots=True)
class Prompt:
    name: str
    fn: Callable[..., Any]
    asynchronous: bool
    signature: Signature
    description: str | None
    definition: dict[str, Any]
    scopes: frozenset[str] = frozenset()
    tags: frozenset[str] = frozenset()
    """The author's labels (FastMCP's ``tags``), not sent to clients."""

    async def render(self, arguments: dict[str, Any], ctx: Context, runner: Runner) -> dict[str, Any]:
        """Run the prompt function; missing or bad arguments are the client's mistake (-32602)."""
        try:
            kwargs = self.signature.bind(arguments, ctx)
        except BadArguments as exc:
            raise InvalidParams(f"Invalid arguments for prompt '{self.name}': {exc}") from None
        try:
            value = await runner.run(f"prompt '{self.name}'", self.fn, self.asynchronous, kwargs, None, ctx)
        except FunctionFailed as exc:
            raise InternalError(exc.message) from None
        result: dict[str, Any] = {"messages": messages(value)}
        if self.description:
            result["description"] = self.description
        return result
