"""The TypeScript SDK client (npm ``@modelcontextprotocol/sdk`` 1.32, protocol 2025-11-25) against our server.

``tests/node/ts_sdk_client.mjs`` runs once, through a validating proxy, and prints what it saw as
JSON; each test below checks one feature of that run.
"""

from __future__ import annotations

import base64
import json
import subprocess
from dataclasses import dataclass
from typing import Any

import pytest

from tests.fixtures.conformance_server import PNG
from tests.support import node
from tests.support.proxy import validating_proxy
from tests.support.servers import RunningServer

SCRIPT = node.NODE_PROJECT / "ts_sdk_client.mjs"
RUN_TIMEOUT = 60.0


@dataclass(frozen=True)
class Run:
    out: dict[str, Any]
    violations: list[str]
    checked: dict[str, int]


@pytest.fixture(scope="module")
def ts_run(conformance_server: RunningServer) -> Run:
    node.require(node.TS_SDK)
    with validating_proxy(conformance_server.url) as proxy:
        try:
            completed = node.run([SCRIPT, proxy.url], timeout=RUN_TIMEOUT)
        except subprocess.TimeoutExpired as exc:
            pytest.fail(f"the TS client did not finish within {RUN_TIMEOUT:g} s: {exc.stdout!r}")
    lines = completed.stdout.strip().splitlines()
    assert lines, f"the TS client printed nothing (exit {completed.returncode}): {completed.stderr[-3000:]}"
    out = json.loads(lines[-1])
    assert completed.returncode == 0 and "error" not in out, (
        f"the TS client failed: {out.get('error')}\n{completed.stderr[-3000:]}\n{conformance_server.output()}"
    )
    return Run(out, proxy.violations, proxy.checked)


def _text(result: dict[str, Any]) -> str:
    return " ".join(block["text"] for block in result["content"] if block["type"] == "text")


def test_every_reply_it_received_matches_the_2025_11_25_schema(ts_run: Run) -> None:
    assert not ts_run.violations, "\n".join(ts_run.violations)
    assert ts_run.checked.get("2025-11-25", 0) >= 15, ts_run.checked


def test_negotiates_2025_11_25(ts_run: Run) -> None:
    assert ts_run.out["protocolVersion"] == "2025-11-25"
    assert ts_run.out["serverInfo"]["name"] == "mcp-template-conformance-fixtures"
    assert {"tools", "resources", "prompts", "completions", "logging"} <= set(ts_run.out["capabilities"])


def test_lists_tools(ts_run: Run) -> None:
    tools = {tool["name"]: tool for tool in ts_run.out["tools"]}
    assert {"test_tool_with_progress", "test_sampling", "test_error_handling"} <= set(tools)
    assert tools["test_sampling"]["inputSchema"]["required"] == ["prompt"]


def test_calls_a_tool_and_receives_progress(ts_run: Run) -> None:
    assert _text(ts_run.out["progressCall"]) == "Tool with progress executed successfully"
    assert ts_run.out["progress"] == [
        {"progress": 0, "total": 100},
        {"progress": 50, "total": 100},
        {"progress": 100, "total": 100},
    ]


def test_receives_log_messages(ts_run: Run) -> None:
    assert [log["data"] for log in ts_run.out["logs"]] == [
        "Tool execution started",
        "Tool processing data",
        "Tool execution completed",
    ]


def test_tool_errors_and_binary_content(ts_run: Run) -> None:
    assert ts_run.out["errorCall"]["isError"] is True
    assert _text(ts_run.out["errorCall"]) == "This tool intentionally returns an error for testing"
    (image,) = ts_run.out["imageCall"]["content"]
    assert image["mimeType"] == "image/png" and base64.b64decode(image["data"]) == PNG


def test_answers_sampling_and_elicitation(ts_run: Run) -> None:
    assert ts_run.out["samplingRequests"] == [
        {"messages": [{"role": "user", "content": {"type": "text", "text": "Say hi"}}], "maxTokens": 100}
    ]
    assert _text(ts_run.out["samplingCall"]) == "LLM response: sampled by the TS client"
    assert ts_run.out["elicitationRequests"][0]["message"] == "Who are you?"
    assert "action=accept" in _text(ts_run.out["elicitationCall"])
    assert "ts@example.com" in _text(ts_run.out["elicitationCall"])


def test_reads_resources(ts_run: Run) -> None:
    assert {r["uri"] for r in ts_run.out["resources"]} >= {"test://static-text", "test://static-binary"}
    assert [t["uriTemplate"] for t in ts_run.out["templates"]] == ["test://template/{id}/data"]
    (text,) = ts_run.out["text"]["contents"]
    assert text == {
        "uri": "test://static-text",
        "mimeType": "text/plain",
        "text": "This is the content of the static text resource.",
    }
    (blob,) = ts_run.out["binary"]["contents"]
    assert blob["mimeType"] == "image/png" and base64.b64decode(blob["blob"]) == PNG
    (templated,) = ts_run.out["templated"]["contents"]
    assert json.loads(templated["text"]) == {"id": "42", "templateTest": True, "data": "Data for ID: 42"}


def test_gets_a_prompt(ts_run: Run) -> None:
    assert "test_prompt_with_arguments" in {p["name"] for p in ts_run.out["prompts"]}
    assert ts_run.out["prompt"]["messages"] == [
        {"role": "user", "content": {"type": "text", "text": "Prompt with arguments: arg1='one', arg2='two'"}}
    ]


def test_completes_and_pings(ts_run: Run) -> None:
    assert ts_run.out["completion"]["completion"]["values"] == ["paris", "park", "party"]
    assert ts_run.out["ping"] == {}
