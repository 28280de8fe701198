"""The tool author's API is exactly what ``app.protocol`` exports: a change to it is a decision."""

from __future__ import annotations

import importlib

import pytest

import app.protocol

EXPORTS = {
    "Audio": "app.protocol.content",
    "Context": "app.protocol.context",
    "EmbeddedResource": "app.protocol.content",
    "Image": "app.protocol.content",
    "InvalidParams": "app.protocol.errors",
    "MCPError": "app.protocol.errors",
    "MCPServer": "app.protocol.registry",
    "Message": "app.protocol.content",
    "Principal": "app.protocol.principal",
    "PromptError": "app.protocol.errors",
    "ResourceError": "app.protocol.errors",
    "ResourceLink": "app.protocol.content",
    "ResourceNotFound": "app.protocol.errors",
    "Text": "app.protocol.content",
    "ToolError": "app.protocol.errors",
}


def test_the_public_names_are_pinned_and_sorted() -> None:
    assert app.protocol.__all__ == [
        "Audio",
        "Context",
        "EmbeddedResource",
        "Image",
        "InvalidParams",
        "MCPError",
        "MCPServer",
        "Message",
        "Principal",
        "PromptError",
        "ResourceError",
        "ResourceLink",
        "ResourceNotFound",
        "Text",
        "ToolError",
    ]
    assert app.protocol.__all__ == sorted(app.protocol.__all__) == sorted(EXPORTS)


def test_a_star_import_gives_exactly_the_public_names() -> None:
    namespace: dict[str, object] = {}
    exec("from app.protocol import *", namespace)
    assert sorted(name for name in namespace if name != "__builtins__") == app.protocol.__all__


@pytest.mark.parametrize(("name", "module"), sorted(EXPORTS.items()))
def test_each_name_is_the_object_its_module_defines(name: str, module: str) -> None:
    exported = getattr(app.protocol, name)
    assert exported is getattr(importlib.import_module(module), name)
    assert exported.__module__ == module, "defined there, not re-exported from elsewhere"
