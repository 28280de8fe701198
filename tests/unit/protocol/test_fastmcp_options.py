"""The decorator options FastMCP users write, with FastMCP's meaning, or a clear error."""

from __future__ import annotations

import inspect

import pydantic
import pytest
from fastmcp import FastMCP

from app.protocol.context import Context
from app.protocol.invoke import Runner
from app.protocol.registry import MCPServer

server = MCPServer("ported")


@server.tool(tags={"math", "public"})
def double(x: int) -> int:
    return 2 * x


@server.tool(enabled=False)
def hidden() -> str:
    return "never listed"


@server.tool(output_schema=None)
def plain(x: int) -> int:
    return x


@server.tool(exclude_args=["secret"])
def guarded(query: str, secret: str = "server-side") -> str:
    return f"{query} with {secret}"


def test_tags_are_kept_and_disabled_tools_are_not_registered() -> None:
    assert server.tools["double"].tags == {"math", "public"}
    assert "hidden" not in server.tools


async def test_output_schema_none_sends_no_output_schema(ctx: Context) -> None:
    assert "outputSchema" in server.tools["double"].definition
    assert "outputSchema" not in server.tools["plain"].definition
    result = await server.tools["plain"].call({"x": 3}, ctx, Runner())
    assert result == {"content": [{"type": "text", "text": "3"}], "isError": False}


async def test_excluded_args_are_hidden_and_keep_their_default(ctx: Context) -> None:
    schema = server.tools["guarded"].definition["inputSchema"]
    assert set(schema["properties"]) == {"query"}
    result = await server.tools["guarded"].call({"query": "q"}, ctx, Runner())
    assert result["content"][0]["text"] == "q with server-side"
    forced = await server.tools["guarded"].call({"query": "q", "secret": "mine"}, ctx, Runner())
    assert forced["isError"] is True


def test_what_we_lack_or_cannot_mean_is_a_clear_error() -> None:
    with pytest.raises(TypeError, match="output_schema takes only None"):
        server.tool(output_schema={"type": "object"})
    with pytest.raises(TypeError, match="exclude_args names 'nope'"):
        server.tool(exclude_args=["nope"])(lambda query="": query)
    with pytest.raises(TypeError, match="exclude_args names 'query'"):

        @server.tool(exclude_args=["query"])
        def needs(query: str) -> str:
            return query

    with pytest.raises(TypeError, match="unexpected keyword argument 'serializer'"):
        server.tool(serializer=str)  # type: ignore[call-overload]


class Inventory(pydantic.BaseModel):
    items: list[str]
    count: int


@server.resource("inventory://all")
def inventory() -> Inventory:
    return Inventory(items=["apple"], count=1)


async def test_a_resource_may_return_a_model_like_a_tool(ctx: Context) -> None:
    [contents] = await server.resources["inventory://all"].read("inventory://all", ctx, Runner())
    assert contents == {
        "uri": "inventory://all",
        "mimeType": "application/json",
        "text": '{"items":["apple"],"count":1}',
    }


@server.resource("notes://hidden", enabled=False)
def hidden_notes() -> str:
    return "never listed"


@server.prompt(tags={"review"})
def review(code: str) -> str:
    return f"Review {code}"


@server.prompt(enabled=False)
def draft() -> str:
    return "never listed"


def test_resources_and_prompts_take_tags_and_enabled_too() -> None:
    assert "notes://hidden" not in server.resources
    assert server.prompts["review"].tags == {"review"}
    assert "draft" not in server.prompts


@server.tool("renamed")
def original(x: int) -> int:
    return x


@server.prompt("greeting", meta={"owner": "docs"})
def hello() -> str:
    return "Hello"


@server.resource("notes://owned", meta={"owner": "docs"})
def owned() -> str:
    return "notes"


def test_a_name_where_the_function_goes_and_meta_on_everything() -> None:
    assert "renamed" in server.tools and "original" not in server.tools
    assert server.prompts["greeting"].definition["_meta"] == {"owner": "docs"}
    assert server.resources["notes://owned"].definition["_meta"] == {"owner": "docs"}
    with pytest.raises(TypeError, match="two names given: 'a' and name='b'"):
        server.tool("a", name="b")


LACKING = {"version", "icons", "app", "auth", "run_in_thread", "security"}
"""FastMCP's decorator options we do not take (the README's "Coming from FastMCP" names them)."""


@pytest.mark.parametrize("kind", ["tool", "resource", "prompt"])
def test_each_fastmcp_option_is_taken_or_refused_by_its_name(kind: str) -> None:
    theirs = set(inspect.signature(getattr(FastMCP, kind)).parameters) - {"self", "name_or_fn", "uri"}
    ours = set(inspect.signature(getattr(MCPServer, kind)).parameters)
    assert theirs - ours <= LACKING, f"an option FastMCP has that the README does not list: {theirs - ours - LACKING}"
    for option in sorted(theirs - ours):
        with pytest.raises(TypeError, match=f"unexpected keyword argument '{option}'"):
            getattr(server, kind)(*(["x://y"] if kind == "resource" else []), **{option: None})
