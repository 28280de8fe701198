"""The MCP Inspector CLI (npm ``@modelcontextprotocol/inspector`` 2.12, ``--cli``) against the example server.

Inspector v2 rather than the deprecated ``inspector-cli`` 1.0.3: a heavier install (110 MB, 24 s
against 41 MB, 10 s) but under a second per command, the maintained line, and an exit status that
says something (5 for an ``isError`` result, 6 for ``--strict`` schema problems; v1 exits 0 for both).
Each command is one process with its own handshake (2025-11-25); they run a few at a time, through
a validating proxy.
"""

from __future__ import annotations

import json
import subprocess
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from typing import Any

import pytest

from tests.support import node
from tests.support.proxy import validating_proxy
from tests.support.servers import RunningServer

COMMAND_TIMEOUT = 30.0
COMMANDS: dict[str, list[str]] = {
    "tools/list": ["--method", "tools/list", "--strict"],
    "tools/call echo": ["--method", "tools/call", "--tool-name", "echo", "--tool-arg", "text=héllo, world"],
    "tools/call add": ["--method", "tools/call", "--tool-name", "add", "--tool-arg", "numbers=[1,2.5]"],
    "tools/call divide by zero": [
        "--method", "tools/call", "--tool-name", "divide", "--tool-arg", "dividend=1", "divisor=0",
    ],
    "resources/list": ["--method", "resources/list"],
    "resources/templates/list": ["--method", "resources/templates/list"],
    "resources/read": ["--method", "resources/read", "--uri", "greeting://Ada"],
    "prompts/list": ["--method", "prompts/list"],
    "prompts/get": ["--method", "prompts/get", "--prompt-name", "review", "--prompt-args", "code=x = 1", "language=go"],
}  # fmt: skip


@dataclass(frozen=True)
class Outcome:
    returncode: int
    stdout: str
    stderr: str

    @property
    def json(self) -> Any:
        assert self.stdout.strip(), f"no output (exit {self.returncode}): {self.stderr[-2000:]}"
        return json.loads(self.stdout)


@dataclass(frozen=True)
class Runs:
    outcomes: dict[str, Outcome]
    violations: list[str]
    checked: dict[str, int]


@pytest.fixture(scope="module")
def inspector(example_server: RunningServer) -> Runs:
    node.require(node.INSPECTOR_CLI)
    with validating_proxy(example_server.url) as proxy:

        def run(args: list[str]) -> Outcome:
            try:
                done = node.run([node.INSPECTOR_CLI, "--cli", proxy.url, *args], timeout=COMMAND_TIMEOUT)
            except subprocess.TimeoutExpired:
                return Outcome(-1, "", f"timed out after {COMMAND_TIMEOUT:g} s")
            return Outcome(done.returncode, done.stdout, done.stderr)

        with ThreadPoolExecutor(max_workers=3) as pool:
            outcomes = dict(zip(COMMANDS, pool.map(run, COMMANDS.values()), strict=True))
    return Runs(outcomes, proxy.violations, proxy.checked)


def _ok(runs: Runs, name: str) -> Any:
    outcome = runs.outcomes[name]
    assert outcome.returncode == 0, f"{name}: exit {outcome.returncode}\n{outcome.stdout}\n{outcome.stderr[-2000:]}"
    return outcome.json


def test_every_reply_it_received_matches_the_schema(inspector: Runs) -> None:
    assert not inspector.violations, "\n".join(inspector.violations)
    assert sum(inspector.checked.values()) >= 2 * len(COMMANDS), inspector.checked


def test_lists_tools_with_portable_schemas(inspector: Runs) -> None:
    """``--strict`` exits 6 when a tool schema would not port to common model providers."""
    tools = {tool["name"]: tool for tool in _ok(inspector, "tools/list")["tools"]}
    assert {"echo", "add", "countdown", "divide"} <= set(tools)
    assert tools["echo"]["annotations"] == {"readOnlyHint": True}


def test_calls_tools(inspector: Runs) -> None:
    assert _ok(inspector, "tools/call echo")["content"] == [{"type": "text", "text": "héllo, world"}]
    added = _ok(inspector, "tools/call add")
    assert added["structuredContent"] == {"total": 3.5, "count": 2}
    assert json.loads(added["content"][0]["text"]) == {"total": 3.5, "count": 2}


def test_a_tool_error_is_an_is_error_result(inspector: Runs) -> None:
    outcome = inspector.outcomes["tools/call divide by zero"]
    assert outcome.returncode == 5, f"exit {outcome.returncode}: {outcome.stdout} {outcome.stderr[-2000:]}"
    assert outcome.json == {"content": [{"type": "text", "text": "Cannot divide by zero"}], "isError": True}


def test_lists_and_reads_resources(inspector: Runs) -> None:
    assert [r["uri"] for r in _ok(inspector, "resources/list")["resources"]] == ["info://server"]
    templates = _ok(inspector, "resources/templates/list")["resourceTemplates"]
    assert [t["uriTemplate"] for t in templates] == ["greeting://{name}"]
    assert _ok(inspector, "resources/read")["contents"] == [
        {"uri": "greeting://Ada", "mimeType": "text/plain", "text": "Hello, Ada!"}
    ]


def test_lists_and_gets_prompts(inspector: Runs) -> None:
    (review,) = _ok(inspector, "prompts/list")["prompts"]
    assert review["name"] == "review"
    assert review["arguments"] == [{"name": "code", "required": True}, {"name": "language", "required": False}]
    messages = _ok(inspector, "prompts/get")["messages"]
    assert messages[0]["content"]["text"] == "Please review this go code:\n\nx = 1"
    assert [m["role"] for m in messages] == ["user", "assistant"]
