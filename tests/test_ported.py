"""Porting from FastMCP: a server written for FastMCP runs here with only its imports changed, and
the FastMCP client sees what it sees under FastMCP; ``mcp.run()`` in the file, ``python -m app
path/to/file.py`` finding ``mcp``, ``Message`` in FastMCP's argument order, and one line for a server
that cannot be found."""

from __future__ import annotations

import json
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any

import httpx
import mcp_types as types
import pytest
from fastmcp import Client
from fastmcp.client.logging import LogMessage
from fastmcp.client.transports import StreamableHttpTransport
from fastmcp.exceptions import ToolError as FastMCPToolError
from mcp.shared.exceptions import MCPError as SDKError

from app.protocol import Message
from tests.fixtures import fastmcp_server
from tests.support.servers import REPO, child_environment, free_port, spawned

FILE = "tests/fixtures/ported_server.py"
PORTED_IMPORTS = {
    "from fastmcp import Context, FastMCP": "from app.protocol import Context, MCPServer as FastMCP",
    "from fastmcp.exceptions import ResourceError, ToolError": "from app.protocol import ResourceError, ToolError",
    "from fastmcp.prompts import Message": "from app.protocol import Message",
}
"""The whole port: each FastMCP import line and the line that replaces it (the README's table says the same)."""
BOOK_222 = {"isbn": "222", "title": "Emma", "author": "Jane Austen", "price": 4.25, "tags": ["classic"]}


def port(source: str) -> str:
    """``source`` with its FastMCP imports replaced, and not one other line changed."""
    lines = source.splitlines()
    ported = [PORTED_IMPORTS.get(line, line) for line in lines]
    assert sum(a != b for a, b in zip(lines, ported, strict=True)) == len(PORTED_IMPORTS), "every import is there"
    assert not [line for line in ported if "import" in line and "fastmcp" in line]
    return "\n".join(ported) + "\n"


async def exercise(connect: Callable[..., Client[Any]]) -> dict[str, Any]:
    """What a FastMCP client user sees of the bookshop: every tool, resource, template and prompt.
    ``connect(**options)`` makes the client."""
    logs: list[tuple[str, Any]] = []
    progress: list[tuple[float, float | None, str | None]] = []

    async def on_log(message: LogMessage) -> None:
        data = message.data
        logs.append((message.level, data["msg"] if isinstance(data, dict) else data))  # FastMCP sends {"msg": ...}

    async def on_progress(done: float, total: float | None, message: str | None) -> None:
        progress.append((done, total, message))

    async with connect(log_handler=on_log) as client:
        tools = {tool.name: tool for tool in await client.list_tools()}
        found = await client.call_tool("search", {"query": "lem"})
        book = await client.call_tool("get_book", {"isbn": "222"})
        missing = await client.call_tool("get_book", {"isbn": "999"}, raise_on_error=False)
        order = await client.call_tool("order", {"isbn": "111", "quantity": 2}, progress_handler=on_progress)
        too_many = await client.call_tool("order", {"isbn": "111", "quantity": 9}, raise_on_error=False)
        shipping = await client.call_tool("shipping", {"country": "fr"})
        resources = await client.list_resources()
        templates = await client.list_resource_templates()
        catalog = await client.read_resource("shop://catalog")
        title = await client.read_resource("shop://books/333/title")
        try:
            await client.read_resource("shop://books/999/title")
            unknown_title = ""
        except (SDKError, FastMCPToolError) as exc:
            unknown_title = str(exc)
        prompts = {prompt.name: prompt for prompt in await client.list_prompts()}
        recommend = await client.get_prompt("recommend", {"genre": "scifi"})
        summary = await client.get_prompt("summarize", {"isbn": "111"})
    return {
        "tools": sorted(tools),
        "order title": tools["order"].title,
        "read-only search": tools["search"].annotations and tools["search"].annotations.read_only_hint,
        "search": [(hit.isbn, hit.title, hit.tags) for hit in found.data],
        "get_book": (book.data.title, book.data.price, book.structured_content),
        "missing": (missing.is_error, _text(missing.content)),
        "order": (order.data.total, order.data.quantity),
        "progress": progress,
        "logs": [entry for entry in logs if entry[0] == "info"],
        "too many": too_many.is_error,
        "shipping": (shipping.data, _text(shipping.content)),
        "resources": sorted((str(resource.uri), resource.mime_type) for resource in resources),
        "templates": [template.uri_template for template in templates],
        "catalog": [book["isbn"] for book in json.loads(catalog[0].text)],  # type: ignore[union-attr]
        "title": title[0].text,  # type: ignore[union-attr]
        "unknown title": "No book with ISBN 999" in unknown_title,
        "prompts": {name: [(a.name, a.required) for a in prompt.arguments or []] for name, prompt in prompts.items()},
        "recommend": [(m.role, m.content.text) for m in recommend.messages],  # type: ignore[union-attr]
        "summary": [(m.role, m.content.text) for m in summary.messages],  # type: ignore[union-attr]
    }


def _text(content: list[Any]) -> str:
    return " ".join(block.text for block in content if isinstance(block, types.TextContent))


@pytest.mark.filterwarnings("ignore::mcp.shared.exceptions.MCPDeprecationWarning")  # FastMCP's ctx.info warns
@pytest.mark.parametrize("mode", ["legacy", "auto"], ids=["2025-11-25", "2026-07-28"])
async def test_a_fastmcp_server_ported_by_its_imports_serves_the_fastmcp_client_as_fastmcp_does(
    tmp_path: Path, mode: str
) -> None:
    under_fastmcp = await exercise(lambda **options: Client(fastmcp_server.mcp, mode=mode, **options))

    source = (REPO / "tests" / "fixtures" / "fastmcp_server.py").read_text()
    (tmp_path / "bookshop.py").write_text(port(source))
    port_number = free_port()
    with spawned([sys.executable, "-m", "app", str(tmp_path / "bookshop.py"), "--port", str(port_number)], port_number):
        url = f"http://127.0.0.1:{port_number}/mcp"
        here = await exercise(lambda **options: Client(StreamableHttpTransport(url), mode=mode, timeout=10, **options))

    assert here == under_fastmcp
    assert here["search"] == [("333", "Solaris", ["scifi"])]
    assert here["get_book"] == ("Emma", 4.25, BOOK_222)
    assert here["missing"] == (True, "No book with ISBN 999")
    assert here["order"] == (19.0, 2) and here["progress"] == [(1, 2, "packed 1"), (2, 2, "packed 2")]
    assert here["logs"] == [("info", "ordering 2 x Dune")]
    assert here["shipping"] == ("3 days", "3 days"), "a -> str tool's value reaches .data"
    assert here["recommend"] == [
        ("user", "Recommend a scifi book under 10.0."),
        ("assistant", "Let me look at the shelves."),
    ]
    assert here["unknown title"] is True


HEADERS = {"Accept": "application/json, text/event-stream", "MCP-Protocol-Version": "2025-06-18"}


def _call(base: str, method: str, params: dict[str, object]) -> dict[str, object]:
    body = {"jsonrpc": "2.0", "id": 1, "method": method, "params": params}
    answer = httpx.post(f"{base}/mcp", json=body, headers=HEADERS, timeout=10)
    assert answer.status_code == 200, answer.text
    data = [line[6:] for line in answer.text.splitlines() if line.startswith("data: ")]  # SSE: logs came first
    result: dict[str, object] = json.loads(data[-1] if data else answer.text)["result"]
    return result


def test_python_file_py_serves_with_mcp_run() -> None:
    port = free_port()
    with spawned([sys.executable, FILE, str(port)], port) as base:
        result = _call(base, "tools/call", {"name": "hello", "arguments": {"name": "ada"}})
        prompt = _call(base, "prompts/get", {"name": "ask", "arguments": {"topic": "owls"}})
    assert result["content"] == [{"type": "text", "text": "hello ada"}]
    assert prompt["messages"] == [
        {"role": "user", "content": {"type": "text", "text": "Tell me about owls"}},
        {"role": "assistant", "content": {"type": "text", "text": "Gladly."}},
    ]


def test_python_m_app_finds_mcp_in_a_file() -> None:
    port = free_port()
    command = [sys.executable, "-m", "app", FILE, "--port", str(port)]
    with spawned(command, port) as base:
        result = _call(base, "tools/call", {"name": "hello", "arguments": {"name": "bo"}})
    assert result["content"] == [{"type": "text", "text": "hello bo"}]


def test_a_server_that_is_not_there_is_one_line_naming_the_fix() -> None:
    for target, expected in (
        (f"{FILE}:nothing", "cannot load the server 'ported_server:nothing'"),
        ("tests/fixtures/missing.py", "no such file: tests/fixtures/missing.py"),
        ("tests/fixtures/__init__.py", "has no MCPServer named mcp, server, app"),
    ):
        completed = subprocess.run(
            [sys.executable, "-m", "app", target], cwd=REPO, env=child_environment(), capture_output=True, text=True
        )
        assert completed.returncode == 2, completed.stderr
        assert completed.stderr.count("\n") == 1 and expected in completed.stderr, completed.stderr


def test_message_takes_either_argument_order() -> None:
    assert Message("user", "Hi") == Message("Hi") == Message("Hi", "user") == Message(content="Hi", role="user")
    assert Message("assistant", "Hi") == Message("Hi", "assistant") == Message("Hi", role="assistant")
    assert Message("Hi", "assistant").to_wire() == {"role": "assistant", "content": {"type": "text", "text": "Hi"}}
