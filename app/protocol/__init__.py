"""The tool author's API: everything a module of tools needs to import."""

from app.protocol.content import Audio, EmbeddedResource, Image, Message, ResourceLink, Text
from app.protocol.context import Context
from app.protocol.errors import InvalidParams, MCPError, PromptError, ResourceError, ResourceNotFound, ToolError
from app.protocol.principal import Principal
from app.protocol.registry import MCPServer

__all__ = [
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
