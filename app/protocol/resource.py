"""Registered resources (fixed URIs) and resource templates, and how a read becomes ``contents``."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from app.protocol.content import EmbeddedResource, resource_contents, to_json_text
from app.protocol.context import Context
from app.protocol.errors import InternalError, InvalidParams
from app.protocol.invoke import FunctionFailed, Runner
from app.protocol.schema import BadArguments, Signature
from app.protocol.uri_template import UriTemplate


def to_contents(uri: str, value: Any, mime_type: str | None) -> list[dict[str, Any]]:
    """What a resource function returned, as ``resources/read`` contents."""
    if isinstance(value, EmbeddedResource):
        return [value.to_wire()["resource"]]
    if isinstance(value, list) and all(isinstance(item, EmbeddedResource) for item in value):
        return [item.to_wire()["resource"] for item in value]
    if isinstance(value, bytes):
        return [resource_contents(uri, None, value, mime_type or "application/octet-stream")]
    if isinstance(value, str):
        return [resource_contents(uri, value, None, mime_type or "text/plain")]
    return [resource_contents(uri, to_json_text(value), None, mime_type or "application/json")]


@dataclass(frozen=True, slots=True)
class Resource:
    uri: str
    fn: Callable[..., Any]
    asynchronous: bool
    signature: Signature
    mime_type: str | None
    definition: dict[str, Any]
    scopes: frozenset[str] = frozenset()
    tags: frozenset[str] = frozenset()
    """The author's labels (FastMCP's ``tags``), not sent to clients."""

    async def read(
        self, uri: str, ctx: Context, runner: Runner, variables: dict[str, str] | None = None
    ) -> list[dict[str, Any]]:
        """Call the function with the template's variables (checked and converted by its type hints).
        A failure is a JSON-RPC error with the message a tool's failure would have (``ToolError``'s own)."""
        try:
            kwargs = self.signature.bind(variables or {}, ctx)
        except BadArguments as exc:
            raise InvalidParams(f"Invalid resource URI {uri!r}: {exc}") from None
        try:
            value = await runner.run(f"resource {self.uri!r}", self.fn, self.asynchronous, kwargs, None, ctx)
        except FunctionFailed as exc:
            raise InternalError(exc.message) from None
        return to_contents(uri, value, self.mime_type)


@dataclass(frozen=True, slots=True)
class ResourceTemplate:
    template: UriTemplate
    resource: Resource
    """The function behind the template; its ``uri`` is the template text."""

    @property
    def definition(self) -> dict[str, Any]:
        """The ``ResourceTemplate`` object ``resources/templates/list`` sends."""
        return self.resource.definition
