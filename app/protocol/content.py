"""Content a tool, prompt or resource hands back, and how plain Python values become content blocks.

A tool may return a ``str``, any JSON-able value, one of the blocks below, or a list of them; the
conversion rules live here so tools, prompts and resources agree on them.
"""

from __future__ import annotations

import base64
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any, Literal

import orjson
from pydantic_core import to_jsonable_python

ContentBlock = dict[str, Any]
"""A wire content block: ``{"type": "text", "text": ...}`` and friends."""


def _b64(data: bytes | str) -> str:
    return data if isinstance(data, str) else base64.b64encode(data).decode("ascii")


def _with_annotations(block: ContentBlock, annotations: dict[str, Any] | None) -> ContentBlock:
    if annotations:
        block["annotations"] = annotations
    return block


@dataclass(frozen=True, slots=True)
class Text:
    """A text block."""

    text: str
    annotations: dict[str, Any] | None = None

    def to_wire(self) -> ContentBlock:
        return _with_annotations({"type": "text", "text": self.text}, self.annotations)


@dataclass(frozen=True, slots=True)
class Image:
    """An image block; ``data`` is raw bytes or already base64-encoded text."""

    data: bytes | str
    mime_type: str = "image/png"
    annotations: dict[str, Any] | None = None

    def to_wire(self) -> ContentBlock:
        block = {"type": "image", "data": _b64(self.data), "mimeType": self.mime_type}
        return _with_annotations(block, self.annotations)


@dataclass(frozen=True, slots=True)
class Audio:
    """An audio block; ``data`` is raw bytes or already base64-encoded text."""

    data: bytes | str
    mime_type: str = "audio/wav"
    annotations: dict[str, Any] | None = None

    def to_wire(self) -> ContentBlock:
        block = {"type": "audio", "data": _b64(self.data), "mimeType": self.mime_type}
        return _with_annotations(block, self.annotations)


@dataclass(frozen=True, slots=True)
class EmbeddedResource:
    """A resource's contents carried inline: give ``text`` or ``blob`` (bytes)."""

    uri: str
    text: str | None = None
    blob: bytes | None = None
    mime_type: str | None = None
    annotations: dict[str, Any] | None = None

    def to_wire(self) -> ContentBlock:
        block = {"type": "resource", "resource": resource_contents(self.uri, self.text, self.blob, self.mime_type)}
        return _with_annotations(block, self.annotations)


@dataclass(frozen=True, slots=True)
class ResourceLink:
    """A pointer to a resource the client may read later (2025-06-18 and later)."""

    uri: str
    name: str
    description: str | None = None
    mime_type: str | None = None

    def to_wire(self) -> ContentBlock:
        block: ContentBlock = {"type": "resource_link", "uri": self.uri, "name": self.name}
        if self.description is not None:
            block["description"] = self.description
        if self.mime_type is not None:
            block["mimeType"] = self.mime_type
        return block


Block = Text | Image | Audio | EmbeddedResource | ResourceLink
BLOCK_TYPES = (Text, Image, Audio, EmbeddedResource, ResourceLink)


Role = Literal["user", "assistant"]
ROLES: dict[str, Role] = {"user": "user", "assistant": "assistant"}


class Message:
    """One prompt message: a role and its content (a string becomes a text block).

    ``Message("user", "Hi")`` and FastMCP's order, ``Message("Hi")`` or ``Message("Hi", "assistant")``,
    mean the same: a first argument that is a role is the role; otherwise it is the content.
    """

    __slots__ = ("content", "role")

    def __init__(
        self,
        first: str | Block | None = None,
        second: str | Block | None = None,
        *,
        role: Role | None = None,
        content: str | Block | None = None,
    ) -> None:
        body: str | Block | None
        chosen: str
        if first is None:
            chosen, body = role or "user", content
        elif isinstance(first, str) and first in ROLES and (second is not None or content is not None):
            chosen, body = role or first, content if content is not None else second
        else:
            chosen, body = role or (second if isinstance(second, str) else "user"), first
        if body is None:
            raise ValueError("a message needs content")
        checked = ROLES.get(chosen)
        if checked is None:
            raise ValueError(f"a message's role is 'user' or 'assistant', not {chosen!r}")
        self.role: Role = checked
        self.content: str | Block = body

    def __eq__(self, other: object) -> bool:
        return isinstance(other, Message) and (self.role, self.content) == (other.role, other.content)

    def __hash__(self) -> int:
        return hash((self.role, self.content))

    def __repr__(self) -> str:
        return f"Message(role={self.role!r}, content={self.content!r})"

    def to_wire(self) -> dict[str, Any]:
        content = self.content
        block = {"type": "text", "text": content} if isinstance(content, str) else content.to_wire()
        return {"role": self.role, "content": block}


def resource_contents(uri: str, text: str | None, blob: bytes | None, mime_type: str | None) -> dict[str, Any]:
    """One ``TextResourceContents`` or ``BlobResourceContents`` object."""
    contents: dict[str, Any] = {"uri": uri}
    if mime_type is not None:
        contents["mimeType"] = mime_type
    if blob is not None:
        contents["blob"] = _b64(blob)
    else:
        contents["text"] = text if text is not None else ""
    return contents


def to_json_text(value: Any) -> str:
    """The text mirror of a structured value; pydantic models, dataclasses, dates and the like are
    converted as pydantic would (only values orjson does not know pay for it)."""
    return orjson.dumps(value, default=to_jsonable_python).decode()


def to_content(value: Any) -> list[ContentBlock]:
    """Turn what a tool returned into content blocks, in order."""
    if value is None:
        return []
    if isinstance(value, str):
        return [{"type": "text", "text": value}]
    if isinstance(value, BLOCK_TYPES):
        return [value.to_wire()]
    if isinstance(value, list | tuple) and any(isinstance(item, BLOCK_TYPES) for item in value):
        return [block for item in value for block in to_content(item)]
    return [{"type": "text", "text": to_json_text(value)}]


def messages(value: str | Message | Iterable[str | Message]) -> list[dict[str, Any]]:
    """Turn what a prompt returned into wire messages; bare strings are user messages."""
    items = [value] if isinstance(value, str | Message) else list(value)
    return [
        {"role": "user", "content": {"type": "text", "text": item}} if isinstance(item, str) else item.to_wire()
        for item in items
    ]
