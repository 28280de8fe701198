"""Prompts: their arguments as the client sees them, and what ``prompts/get`` renders."""

from __future__ import annotations

from typing import Annotated

import pytest
from pydantic import Field

from app.protocol.content import Message
from app.protocol.context import Context
from app.protocol.errors import InternalError, InvalidParams
from app.protocol.invoke import Runner
from app.protocol.prompt import prompt_arguments
from app.protocol.registry import MCPServer
from app.protocol.schema import inspect_parameters

server = MCPServer("prompts")


@server.prompt
def review(code: str, language: str = "python") -> list[str | Message]:
    """Review a piece of code."""
    return [f"Review this {language}:", Message("assistant", "Sure."), code]


@server.prompt(name="broken")
async def fails(ctx: Context) -> str:
    raise RuntimeError("/secret/path")


@server.prompt
def bare() -> str:
    return "Go."


def test_arguments_are_required_unless_they_have_a_default() -> None:
    def fn(
        topic: Annotated[str, Field(description="What to write about.")],
        ctx: Context,
        tone: Annotated[str, Field(description="How it sounds.")] = "dry",
        words: int = 100,
    ) -> str: ...

    assert prompt_arguments(inspect_parameters(fn, Context)) == [
        {"name": "topic", "required": True, "description": "What to write about."},
        {"name": "tone", "required": False, "description": "How it sounds."},
        {"name": "words", "required": False},
    ]


async def test_render(ctx: Context, runner: Runner) -> None:
    assert await server.prompts["review"].render({"code": "x = 1"}, ctx, runner) == {
        "description": "Review a piece of code.",
        "messages": [
            {"role": "user", "content": {"type": "text", "text": "Review this python:"}},
            {"role": "assistant", "content": {"type": "text", "text": "Sure."}},
            {"role": "user", "content": {"type": "text", "text": "x = 1"}},
        ],
    }


async def test_a_prompt_without_a_description_renders_messages_only(ctx: Context, runner: Runner) -> None:
    assert await server.prompts["bare"].render({}, ctx, runner) == {
        "messages": [{"role": "user", "content": {"type": "text", "text": "Go."}}]
    }


async def test_missing_arguments_are_invalid_params(ctx: Context, runner: Runner) -> None:
    with pytest.raises(InvalidParams) as raised:
        await server.prompts["review"].render({"language": "go"}, ctx, runner)
    assert raised.value.message == "Invalid arguments for prompt 'review': code: Field required"


async def test_a_failing_prompt_is_an_internal_error_that_says_little(ctx: Context, runner: Runner) -> None:
    with pytest.raises(InternalError) as raised:
        await server.prompts["broken"].render({}, ctx, runner)
    assert raised.value.message == "Error executing prompt 'broken'"
