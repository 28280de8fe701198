"""Type hints to JSON Schema (2020-12) and validators, built once when a function is registered.

A function's parameters become a pydantic model (``extra="forbid"``, so a misspelt argument is an
error the model can read rather than a silently ignored value); the model's schema is the tool's
``inputSchema``. The return annotation decides whether the tool has an ``outputSchema``: objects
(models, TypedDicts, dataclasses, dicts) are described as they are, anything else is wrapped as
``{"result": value}`` because the handshake era requires an object there. Content blocks and
messages have none; ``str`` has one, as in FastMCP, whose client reads a result's value from it.
"""

from __future__ import annotations

import inspect
import types
import typing
from collections.abc import Callable, Collection
from dataclasses import dataclass
from typing import Any

import pydantic

from app.protocol.content import BLOCK_TYPES, Message

JSONSchema = dict[str, Any]
DIALECT = "https://json-schema.org/draft/2020-12/schema"
"""Named in every ``inputSchema``, so a client need not assume MCP's default dialect."""
WRAP_MARK = "x-fastmcp-wrap-result"
"""FastMCP's name for "this object only wraps a non-object result"; other clients ignore it."""

_UNSTRUCTURED = (str, type(None), *BLOCK_TYPES, Message)
_SCHEMA_MAPS = ("properties", "$defs", "patternProperties", "dependentSchemas")
_VALUES = ("default", "const", "enum", "examples")
"""Keywords whose values are data, not schemas: a ``title`` inside them is the user's."""


@dataclass(frozen=True, slots=True)
class Signature:
    """What registration learns from a function's parameters."""

    model: type[pydantic.BaseModel]
    schema: JSONSchema
    context_param: str | None
    """Name of the parameter that receives the :class:`~app.protocol.context.Context`, if any."""

    def bind(self, arguments: dict[str, Any], ctx: object) -> dict[str, Any]:
        """Checked keyword arguments for the function, ``ctx`` included where it asks for it."""
        try:
            kwargs: dict[str, Any] = self.model.model_validate(arguments).__dict__
        except pydantic.ValidationError as exc:
            raise BadArguments(_describe(exc)) from None
        if self.context_param is not None:
            return {**kwargs, self.context_param: ctx}
        return kwargs


class BadArguments(ValueError):
    """Arguments that do not fit a function's signature; the message says which, and why, one line
    per argument, so a model can correct its call."""


def _describe(exc: pydantic.ValidationError) -> str:
    parts = []
    for error in exc.errors():
        where = ".".join(str(part) for part in error["loc"]) or "arguments"
        parts.append(f"{where}: {error['msg']}")
    return "; ".join(parts)


@dataclass(frozen=True, slots=True)
class Output:
    """How a tool's return value becomes ``structuredContent``."""

    schema: JSONSchema
    adapter: pydantic.TypeAdapter[Any]
    wrapped: bool

    def structure(self, value: Any) -> Any:
        if self.wrapped and type(value) is str:  # the common case, already JSON: no serializer pass
            return {"result": value}
        data = self.adapter.dump_python(value, mode="json")
        return {"result": data} if self.wrapped else data


def inspect_parameters(fn: Callable[..., Any], context_type: type, exclude: Collection[str] = ()) -> Signature:
    """Build the argument model and schema of ``fn``; the ``context_type`` parameter is left out, and so
    are the ``exclude`` ones (they keep their defaults: a client cannot set them)."""
    hints = typing.get_type_hints(fn, include_extras=True)
    fields: dict[str, Any] = {}
    context_param = None
    parameters = inspect.signature(fn).parameters
    for name in exclude:
        if name not in parameters or parameters[name].default is parameters[name].empty:
            raise TypeError(f"{fn.__qualname__}: exclude_args names {name!r}, which is not a parameter with a default")
    for name, parameter in parameters.items():
        annotation = hints.get(name, Any)
        if annotation is context_type or context_type in typing.get_args(annotation):
            context_param = name
            continue
        if name in exclude:
            continue
        if parameter.kind in (parameter.VAR_POSITIONAL, parameter.VAR_KEYWORD):
            raise TypeError(f"{fn.__qualname__}: *args and **kwargs cannot be described to a client")
        default = ... if parameter.default is parameter.empty else parameter.default
        fields[name] = (annotation, default)
    model = pydantic.create_model(f"{fn.__name__}_arguments", __config__=pydantic.ConfigDict(extra="forbid"), **fields)
    schema = {"$schema": DIALECT, **_prune_titles(model.model_json_schema())}
    schema.setdefault("properties", {})
    return Signature(model=model, schema=schema, context_param=context_param)


def inspect_output(fn: Callable[..., Any]) -> Output | None:
    """The structured-output description of ``fn``, or ``None`` when it returns plain content."""
    annotation = typing.get_type_hints(fn, include_extras=True).get("return", inspect.Signature.empty)
    if annotation is inspect.Signature.empty or (_is_unstructured(annotation) and not _is_text(annotation)):
        return None
    adapter: pydantic.TypeAdapter[Any] = pydantic.TypeAdapter(annotation)
    schema = _prune_titles(adapter.json_schema(mode="serialization"))
    if schema.get("type") == "object":
        return Output(schema=schema, adapter=adapter, wrapped=False)
    defs = schema.pop("$defs", None)
    wrapper: JSONSchema = {
        "type": "object",
        "properties": {"result": schema},
        "required": ["result"],
        WRAP_MARK: True,  # so FastMCP's client hands its user the value, not {"result": value}
    }
    if defs:
        wrapper["$defs"] = defs
    return Output(schema=wrapper, adapter=adapter, wrapped=True)


def _is_text(annotation: Any) -> bool:
    """``str`` or ``Annotated[str, ...]``: text content, with ``{"result": string}`` beside it."""
    if typing.get_origin(annotation) is typing.Annotated:
        annotation = typing.get_args(annotation)[0]
    return annotation is str


def _is_unstructured(annotation: Any) -> bool:
    """True for return types that are content already: text, blocks, or lists of them."""
    origin = typing.get_origin(annotation)
    if origin is typing.Annotated:
        return _is_unstructured(typing.get_args(annotation)[0])
    if origin in (list, tuple, typing.Union, types.UnionType):
        return all(_is_unstructured(arg) for arg in typing.get_args(annotation) if arg is not Ellipsis)
    return annotation in _UNSTRUCTURED


def _prune_titles(schema: JSONSchema) -> JSONSchema:
    """Drop the ``title`` pydantic derives from Python names: noise for a model reading the schema."""
    schema.pop("title", None)
    for key, value in schema.items():
        if key in _VALUES:
            continue
        if key in _SCHEMA_MAPS and isinstance(value, dict):
            for sub in value.values():
                if isinstance(sub, dict):
                    _prune_titles(sub)
        elif isinstance(value, dict):
            _prune_titles(value)
        elif isinstance(value, list):
            for item in value:
                if isinstance(item, dict):
                    _prune_titles(item)
    return schema
