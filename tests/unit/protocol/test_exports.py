"""The tool author's API is exactly what ``app.protocol`` exports: a change to it is a decision."""

from __future__ import annotations

import app.protocol
from app.protocol import content, context, errors, principal, registry

EXPORTS = {
    "Audio": content,
    "Context": context,
    "EmbeddedResource": content,
    "Image": content,
    "InvalidParams": errors,
    "MCPError": errors,
    "MCPServer": registry,
    "Message": content,
    "Principal": principal,
    "ResourceLink": content,
    "ResourceNotFound": errors,
    "Text": content,
    "ToolError": errors,
}


def test_the_public_names_are_pinned_and_sorted() -> None:
    assert app.protocol.__all__ == sorted(EXPORTS)


def test_each_name_is_the_object_its_module_defines() -> None:
    for name, module in EXPORTS.items():
        assert getattr(app.protocol, name) is getattr(module, name), name
