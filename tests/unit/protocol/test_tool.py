"""A tool call's result: plain content, structured content, and failures the model can read."""

from __future__ import annotations

from typing import Any

import pydantic

from app.protocol.context import Context
from app.protocol.invoke import Runner
from app.protocol.registry import MCPServer
from app.protocol.tool import error_result


class Weather(pydantic.BaseModel):
    city: str
    temp: float


server = MCPServer("tools")


@server.tool
async def greet(name: str) -> str:
    return f"Hello, {name}!"


@server.tool
def add(a: int, b: int) -> int:
    return a + b


@server.tool
async def weather(city: str) -> Weather:
    return Weather(city=city, temp=21.5)


@server.tool
async def untyped(kind: str):  # type: ignore[no-untyped-def]
    return {"kind": kind} if kind == "dict" else None


@server.tool
def divide(a: float, b: float) -> float:
    return a / b


@server.tool
async def who(ctx: Context) -> str:
    return str(ctx.request_id)


async def call(name: str, arguments: dict[str, Any], ctx: Context, runner: Runner) -> dict[str, Any]:
    return await server.tools[name].call(arguments, ctx, runner)


def test_error_result() -> None:
    assert error_result("nope") == {"content": [{"type": "text", "text": "nope"}], "isError": True}


async def test_text_is_plain_content_and_its_wrapped_value(ctx: Context, runner: Runner) -> None:
    assert await call("greet", {"name": "Ada"}, ctx, runner) == {
        "content": [{"type": "text", "text": "Hello, Ada!"}],
        "structuredContent": {"result": "Hello, Ada!"},
        "isError": False,
    }


async def test_a_scalar_is_wrapped_as_structured_content(ctx: Context, runner: Runner) -> None:
    assert await call("add", {"a": 2, "b": "3"}, ctx, runner) == {
        "content": [{"type": "text", "text": '{"result":5}'}],
        "structuredContent": {"result": 5},
        "isError": False,
    }


async def test_a_model_is_structured_content_as_it_is(ctx: Context, runner: Runner) -> None:
    assert await call("weather", {"city": "Oslo"}, ctx, runner) == {
        "content": [{"type": "text", "text": '{"city":"Oslo","temp":21.5}'}],
        "structuredContent": {"city": "Oslo", "temp": 21.5},
        "isError": False,
    }


async def test_without_an_annotation_values_are_text(ctx: Context, runner: Runner) -> None:
    assert (await call("untyped", {"kind": "dict"}, ctx, runner))["content"] == [
        {"type": "text", "text": '{"kind":"dict"}'}
    ]
    assert await call("untyped", {"kind": "none"}, ctx, runner) == {"content": [], "isError": False}


async def test_bad_arguments_are_an_error_result(ctx: Context, runner: Runner) -> None:
    assert await call("add", {"a": 1, "c": 2}, ctx, runner) == error_result(
        "Invalid arguments for tool 'add': b: Field required; c: Extra inputs are not permitted"
    )


async def test_a_failing_body_is_an_error_result_that_says_little(ctx: Context, runner: Runner) -> None:
    assert await call("divide", {"a": 1, "b": 0}, ctx, runner) == error_result("Error executing tool 'divide'")


async def test_the_context_is_passed_and_cannot_be_an_argument(ctx: Context, runner: Runner) -> None:
    assert (await call("who", {}, ctx, runner))["content"] == [{"type": "text", "text": "1"}]
    assert (await call("who", {"ctx": 2}, ctx, runner))["isError"] is True
