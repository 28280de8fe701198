"""Porting from FastMCP: ``mcp.run()`` in the file, ``python -m app path/to/file.py`` finding ``mcp``,
``Message`` in FastMCP's argument order, and one line for a server that cannot be found."""

from __future__ import annotations

import json
import subprocess
import sys

import httpx

from app.protocol import Message
from tests.support.servers import REPO, child_environment, free_port, spawned

FILE = "tests/fixtures/ported_server.py"
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
