"""Resources: how a function's value becomes ``contents``, and template variables as arguments."""

from __future__ import annotations

from typing import Any

import pytest

from app.protocol.content import EmbeddedResource
from app.protocol.context import Context
from app.protocol.errors import InternalError, InvalidParams
from app.protocol.invoke import Runner
from app.protocol.registry import MCPServer
from app.protocol.resource import to_contents


@pytest.mark.parametrize(
    ("value", "mime_type", "contents"),
    [
        ("hi", None, [{"uri": "u://x", "mimeType": "text/plain", "text": "hi"}]),
        ("# hi", "text/markdown", [{"uri": "u://x", "mimeType": "text/markdown", "text": "# hi"}]),
        (b"\x00\x01", None, [{"uri": "u://x", "mimeType": "application/octet-stream", "blob": "AAE="}]),
        (b"\x00\x01", "image/png", [{"uri": "u://x", "mimeType": "image/png", "blob": "AAE="}]),
        ({"a": [1, 2]}, None, [{"uri": "u://x", "mimeType": "application/json", "text": '{"a":[1,2]}'}]),
        (None, None, [{"uri": "u://x", "mimeType": "application/json", "text": "null"}]),
        (
            EmbeddedResource("u://other", text="o", mime_type="text/csv"),
            "text/plain",
            [{"uri": "u://other", "mimeType": "text/csv", "text": "o"}],
        ),
        (
            [EmbeddedResource("u://a", text="a"), EmbeddedResource("u://b", blob=b"b")],
            None,
            [{"uri": "u://a", "text": "a"}, {"uri": "u://b", "blob": "Yg=="}],
        ),
        ([1, "a"], None, [{"uri": "u://x", "mimeType": "application/json", "text": '[1,"a"]'}]),
    ],
)
def test_to_contents(value: Any, mime_type: str | None, contents: list[dict[str, Any]]) -> None:
    assert to_contents("u://x", value, mime_type) == contents


@pytest.mark.xfail(
    strict=True,
    raises=AssertionError,
    reason="an empty list passes the 'all items are EmbeddedResource' test, so [] reads as no contents "
    "while [1] reads as the JSON text '[1]'",
)
def test_bug_an_empty_list_is_json_like_any_other_list() -> None:
    assert to_contents("u://x", [], None) == [{"uri": "u://x", "mimeType": "application/json", "text": "[]"}]


server = MCPServer("resources")


@server.resource("config://app", mime_type="application/json")
def config() -> dict[str, int]:
    return {"retries": 3}


@server.resource("users://{user_id}/posts{?limit}")
async def posts(user_id: int, ctx: Context, limit: int = 10) -> list[int]:
    return [user_id] * limit


@server.resource("broken://{name}")
def broken(name: str) -> str:
    raise RuntimeError("/secret/path")


async def test_read_a_fixed_resource(ctx: Context, runner: Runner) -> None:
    assert await server.resources["config://app"].read("config://app", ctx, runner) == [
        {"uri": "config://app", "mimeType": "application/json", "text": '{"retries":3}'}
    ]


async def test_template_variables_are_converted_by_type_hints(ctx: Context, runner: Runner) -> None:
    template = server.templates["users://{user_id}/posts{?limit}"]
    uri = "users://7/posts?limit=2"
    variables = template.template.match(uri)
    assert variables == {"user_id": "7", "limit": "2"}
    assert await template.resource.read(uri, ctx, runner, variables) == [
        {"uri": uri, "mimeType": "application/json", "text": "[7,7]"}
    ]


async def test_a_variable_of_the_wrong_type_is_invalid_params(ctx: Context, runner: Runner) -> None:
    template = server.templates["users://{user_id}/posts{?limit}"]
    with pytest.raises(InvalidParams) as raised:
        await template.resource.read("users://me/posts", ctx, runner, template.template.match("users://me/posts"))
    assert raised.value.message == (
        "Invalid resource URI 'users://me/posts': user_id: Input should be a valid integer, "
        "unable to parse string as an integer"
    )


async def test_a_failing_resource_is_an_internal_error_that_says_little(ctx: Context, runner: Runner) -> None:
    template = server.templates["broken://{name}"]
    with pytest.raises(InternalError) as raised:
        await template.resource.read("broken://x", ctx, runner, {"name": "x"})
    assert raised.value.message == "Error executing resource 'broken://{name}'"
