"""Several uvicorn workers. The README's line (Redis, a shared key) answers every sampling call, whichever
worker the client's answer reaches. With the in-memory store, start-up warns and a tool that asks the
client fails at once, naming the fix, instead of waiting out the answer timeout for an answer that may
reach another worker. One worker, ``--reload`` included, does not warn."""

from __future__ import annotations

import itertools
import shlex
import sys
import tempfile
import time
from collections.abc import Iterator
from typing import IO, Any

import pytest

from tests.support.client import MCPTestClient
from tests.support.redis_server import RedisServer
from tests.support.servers import REPO, free_port, spawned

KEYS = '["' + "cd" * 32 + '"]'
WARNING = "FASTMCP_EVENT_STORE=memory with several workers"


def readme_multi_worker_line() -> tuple[dict[str, str], list[str]]:
    """The variables and the command of the README's uvicorn line with several workers."""
    readme = (REPO / "README.md").read_text()
    words = shlex.split(next(line for line in readme.splitlines() if " uvicorn app.main:app --workers " in line))
    assignments = list(itertools.takewhile(lambda word: "=" in word, words))
    return dict(word.split("=", 1) for word in assignments), words[len(assignments) :]


def uvicorn(command: list[str], port: int) -> list[str]:
    """``command`` (``uvicorn ...``) run by this interpreter, on ``port``."""
    assert command[0] == "uvicorn"
    return [sys.executable, "-m", "uvicorn", *command[1:], "--port", str(port)]


def text_of(log: IO[bytes]) -> str:
    log.seek(0)
    return log.read().decode("utf-8", "replace")


async def sampling_model(request: dict[str, Any]) -> dict[str, Any]:
    assert request["method"] == "sampling/createMessage"
    return {"role": "assistant", "content": {"type": "text", "text": "an old pond"}, "model": "test-model"}


async def test_the_readme_multi_worker_line_answers_every_sampling_call(redis_server: RedisServer) -> None:
    variables, command = readme_multi_worker_line()
    assert variables == {"FASTMCP_EVENT_STORE": "redis"} and "--workers" in command
    port = free_port()
    env = {
        **variables,
        "FASTMCP_REDIS_URL": redis_server.url,
        "FASTMCP_REDIS_KEY_PREFIX": "readme-workers:",
        "FASTMCP_REQUEST_STATE_KEYS": KEYS,
    }
    with spawned(uvicorn(command, port), port, env) as base:
        client = MCPTestClient(f"{base}/mcp", capabilities={"sampling": {}}, on_request=sampling_model)
        started = time.monotonic()
        for attempt in range(6):
            result = (await client.request("tools/call", {"name": "haiku", "arguments": {"topic": "frogs"}})).result
            assert result["content"] == [{"type": "text", "text": "an old pond"}], f"call {attempt}: {result}"
        assert time.monotonic() - started < 20, "no call waited for an answer that reached another worker"


@pytest.fixture(scope="module")
def two_workers() -> Iterator[tuple[str, IO[bytes]]]:
    """Two uvicorn workers with the in-memory store, and their stderr."""
    port = free_port()
    command = uvicorn(["uvicorn", "app.main:app", "--workers", "2"], port)
    env = {"FASTMCP_SERVER": "tests.scaleout.tools:server", "FASTMCP_REQUEST_STATE_KEYS": KEYS}
    with tempfile.TemporaryFile() as log, spawned(command, port, env, log=log) as base:
        yield f"{base}/mcp", log


async def test_asking_the_client_fails_fast_with_the_fix(two_workers: tuple[str, IO[bytes]]) -> None:
    async def answer(request: dict[str, Any]) -> dict[str, Any]:
        raise AssertionError("no question should reach the client")

    url, log = two_workers
    assert WARNING in text_of(log), "start-up says what several workers with the memory store cannot do"
    client = MCPTestClient(url, capabilities={"sampling": {}}, on_request=answer)
    started = time.monotonic()
    result = (await client.request("tools/call", {"name": "ask", "arguments": {"question": "2+2?"}})).result
    assert time.monotonic() - started < 2
    assert result["isError"] is True and "FASTMCP_EVENT_STORE=redis" in result["content"][0]["text"]
    echo = await client.request("tools/call", {"name": "echo", "arguments": {"text": "fine"}})
    assert echo.result["content"][0]["text"] == "fine", "everything else works"


@pytest.mark.parametrize(
    "command",
    [["-m", "app", "--reload"], ["-m", "uvicorn", "app.main:app", "--reload"]],
    ids=["python-m-app", "uvicorn"],
)
def test_one_worker_under_reload_does_not_warn(command: list[str]) -> None:
    port = free_port()
    with tempfile.TemporaryFile() as log:
        with spawned([sys.executable, *command, "--port", str(port)], port, log=log):
            pass
        output = text_of(log)
    assert "Application startup complete" in output, output
    assert WARNING not in output, output
