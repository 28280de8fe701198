"""Content blocks on the wire, and how plain values returned by tools and prompts become them."""

from __future__ import annotations

import dataclasses
from typing import Any

import pytest

from app.protocol.content import (
    Audio,
    EmbeddedResource,
    Image,
    Message,
    ResourceLink,
    Text,
    messages,
    resource_contents,
    to_content,
    to_json_text,
)

PNG = b"\x89PNG\r\n"


@pytest.mark.parametrize(
    ("block", "wire"),
    [
        (Text("hi"), {"type": "text", "text": "hi"}),
        (Text("hi", {"audience": ["user"]}), {"type": "text", "text": "hi", "annotations": {"audience": ["user"]}}),
        (Text("hi", {}), {"type": "text", "text": "hi"}),
        (Image(PNG), {"type": "image", "data": "iVBORw0K", "mimeType": "image/png"}),
        (Image("aGk=", "image/jpeg"), {"type": "image", "data": "aGk=", "mimeType": "image/jpeg"}),
        (
            Image(b"hi", annotations={"priority": 1}),
            {"type": "image", "data": "aGk=", "mimeType": "image/png", "annotations": {"priority": 1}},
        ),
        (Audio(b"hi"), {"type": "audio", "data": "aGk=", "mimeType": "audio/wav"}),
        (Audio("aGk=", "audio/mpeg"), {"type": "audio", "data": "aGk=", "mimeType": "audio/mpeg"}),
        (
            EmbeddedResource("file:///a.txt", text="A"),
            {"type": "resource", "resource": {"uri": "file:///a.txt", "text": "A"}},
        ),
        (
            EmbeddedResource("file:///a.bin", blob=b"hi", mime_type="application/octet-stream"),
            {
                "type": "resource",
                "resource": {"uri": "file:///a.bin", "mimeType": "application/octet-stream", "blob": "aGk="},
            },
        ),
        (
            EmbeddedResource("file:///e", annotations={"priority": 0.5}),
            {"type": "resource", "resource": {"uri": "file:///e", "text": ""}, "annotations": {"priority": 0.5}},
        ),
        (ResourceLink("file:///a.txt", "a"), {"type": "resource_link", "uri": "file:///a.txt", "name": "a"}),
        (
            ResourceLink("file:///a.txt", "a", "The A file.", "text/plain"),
            {
                "type": "resource_link",
                "uri": "file:///a.txt",
                "name": "a",
                "description": "The A file.",
                "mimeType": "text/plain",
            },
        ),
    ],
)
def test_blocks_on_the_wire(block: Any, wire: dict[str, Any]) -> None:
    assert block.to_wire() == wire


def test_blocks_are_frozen() -> None:
    with pytest.raises(dataclasses.FrozenInstanceError):
        Text("a").text = "b"  # type: ignore[misc]


@pytest.mark.parametrize(
    ("text", "blob", "mime_type", "contents"),
    [
        ("A", None, None, {"uri": "u://x", "text": "A"}),
        (None, None, None, {"uri": "u://x", "text": ""}),
        ("", None, "text/plain", {"uri": "u://x", "mimeType": "text/plain", "text": ""}),
        (None, b"\x00\x01", None, {"uri": "u://x", "blob": "AAE="}),
        ("ignored", b"\x00", "application/x", {"uri": "u://x", "mimeType": "application/x", "blob": "AA=="}),
    ],
)
def test_resource_contents(
    text: str | None, blob: bytes | None, mime_type: str | None, contents: dict[str, Any]
) -> None:
    assert resource_contents("u://x", text, blob, mime_type) == contents


@pytest.mark.parametrize(
    ("value", "blocks"),
    [
        (None, []),
        ("", [{"type": "text", "text": ""}]),
        ("hi", [{"type": "text", "text": "hi"}]),
        (Text("hi"), [{"type": "text", "text": "hi"}]),
        (Image(b"hi"), [{"type": "image", "data": "aGk=", "mimeType": "image/png"}]),
        (
            [Text("a"), "b", Image(b"hi")],
            [
                {"type": "text", "text": "a"},
                {"type": "text", "text": "b"},
                {"type": "image", "data": "aGk=", "mimeType": "image/png"},
            ],
        ),
        ((Text("a"), {"k": 1}), [{"type": "text", "text": "a"}, {"type": "text", "text": '{"k":1}'}]),
        ([Text("a"), None], [{"type": "text", "text": "a"}]),
        # no block inside: the whole value is one JSON text
        (["a", "b"], [{"type": "text", "text": '["a","b"]'}]),
        ([], [{"type": "text", "text": "[]"}]),
        ({"temp": 21.5, "ok": True, "none": None}, [{"type": "text", "text": '{"temp":21.5,"ok":true,"none":null}'}]),
        (42, [{"type": "text", "text": "42"}]),
        (False, [{"type": "text", "text": "false"}]),
    ],
)
def test_to_content(value: Any, blocks: list[dict[str, Any]]) -> None:
    assert to_content(value) == blocks


def test_json_text_is_compact_and_keeps_unicode() -> None:
    assert to_json_text({"city": "Zürich", "list": [1, 2]}) == '{"city":"Zürich","list":[1,2]}'


@pytest.mark.parametrize(
    ("value", "wire"),
    [
        ("Hello", [{"role": "user", "content": {"type": "text", "text": "Hello"}}]),
        (Message("assistant", "Hi"), [{"role": "assistant", "content": {"type": "text", "text": "Hi"}}]),
        (
            ["Q", Message("assistant", "A"), Message("user", Image(b"hi"))],
            [
                {"role": "user", "content": {"type": "text", "text": "Q"}},
                {"role": "assistant", "content": {"type": "text", "text": "A"}},
                {"role": "user", "content": {"type": "image", "data": "aGk=", "mimeType": "image/png"}},
            ],
        ),
        (("a" for _ in range(2)), [{"role": "user", "content": {"type": "text", "text": "a"}}] * 2),
        ([], []),
    ],
)
def test_messages(value: Any, wire: list[dict[str, Any]]) -> None:
    assert messages(value) == wire
