"""The requests the benchmark sends, and what a correct answer to each must contain."""

from dataclasses import dataclass, replace
from typing import Any

import orjson

LEGACY = "2025-06-18"
RESUMABLE = "2025-11-25"
MODERN = "2026-07-28"
_BASE_HEADERS = (("Content-Type", "application/json"), ("Accept", "application/json, text/event-stream"))
_MODERN_META = {
    "io.modelcontextprotocol/protocolVersion": MODERN,
    "io.modelcontextprotocol/clientCapabilities": {},
}
_TASKS = "io.modelcontextprotocol/tasks"
_ECHO_ARGUMENTS = {"text": "hello"}
_ECHOED = '"text":"hello"'


@dataclass(frozen=True)
class Workload:
    """One request, sent over and over; an answer counts only if it is 200, of ``content_type``
    and contains every marker, so a server that errors fast can never look fast."""

    name: str
    title: str
    body: bytes
    headers: tuple[tuple[str, str], ...]
    markers: tuple[str, ...]
    content_type: str = "application/json"
    reference: str | None = None
    """A workload our app also runs in the same rounds, because a target compares the two."""


def _request(method: str, params: dict[str, Any]) -> bytes:
    return orjson.dumps({"jsonrpc": "2.0", "id": 1, "method": method, "params": params})


def _legacy(name: str, title: str, method: str, params: dict[str, Any], markers: tuple[str, ...]) -> Workload:
    headers = (*_BASE_HEADERS, ("MCP-Protocol-Version", LEGACY))
    return Workload(name, title, _request(method, params), headers, markers)


def _modern(name: str, title: str, method: str, params: dict[str, Any], markers: tuple[str, ...]) -> Workload:
    routing = [("MCP-Protocol-Version", MODERN), ("Mcp-Method", method)]
    if "name" in params:
        routing.append(("Mcp-Name", params["name"]))
    body = _request(method, {**params, "_meta": _MODERN_META})
    return Workload(name, title, body, (*_BASE_HEADERS, *routing), markers)


_CALL_ECHO = {"name": "echo", "arguments": _ECHO_ARGUMENTS}
_TOOL_NAMES = ('"name":"echo"', '"name":"progress_echo"')

CALL_LEGACY = _legacy("call_legacy", f"tools/call {LEGACY}", "tools/call", _CALL_ECHO, (_ECHOED,))
CALL_MODERN = _modern("call_modern", f"tools/call {MODERN}", "tools/call", _CALL_ECHO, (_ECHOED,))
LIST_LEGACY = _legacy("list_legacy", f"tools/list {LEGACY}", "tools/list", {}, _TOOL_NAMES)
LIST_MODERN = _modern("list_modern", f"tools/list {MODERN}", "tools/list", {}, _TOOL_NAMES)
INITIALIZE = Workload(
    "initialize",
    "initialize (no version header)",
    _request(
        "initialize",
        {
            "protocolVersion": "2025-11-25",
            "capabilities": {},
            "clientInfo": {"name": "bench", "version": "1"},
        },
    ),
    _BASE_HEADERS,
    ('"protocolVersion"', '"serverInfo"'),
)
# Three progress notifications then the result, as one text/event-stream reply. The markers match
# both 3 and 3.0 ("progress":3 is a prefix of "progress":3.0).
SSE_PROGRESS = Workload(
    "sse_progress",
    f"tools/call SSE, 3 progress events {LEGACY}",
    _request(
        "tools/call",
        {"name": "progress_echo", "arguments": _ECHO_ARGUMENTS, "_meta": {"progressToken": "p1"}},
    ),
    (*_BASE_HEADERS, ("MCP-Protocol-Version", LEGACY)),
    ('"progress":1', '"progress":2', '"progress":3', _ECHOED),
    content_type="text/event-stream",
    reference=CALL_LEGACY.name,
)

# The same call on 2025-11-25, whose SSE replies are resumable: every event goes through the event
# store and carries its id (the marker), so the soak sees what storing costs. Not in ALL: the
# comparison with FastMCP has nothing to set against it.
SSE_RESUMABLE = replace(
    SSE_PROGRESS,
    name="sse_resumable",
    title=f"tools/call SSE, 3 progress events {RESUMABLE} (resumable)",
    headers=(*_BASE_HEADERS, ("MCP-Protocol-Version", RESUMABLE)),
    markers=(*SSE_PROGRESS.markers, "id: "),
    reference=None,
)

# A call that becomes a task (2026-07-28, the tasks extension declared): the answer is the handle, the
# task then runs and its record stays in the store for FASTMCP_TASK_TTL_SECONDS, so the soak sees what
# keeping tasks costs. Not in ALL: FastMCP has nothing to set against it.
CALL_TASK = Workload(
    "call_task",
    f"tools/call as a task {MODERN}",
    _request(
        "tools/call",
        {
            "name": "echo_task",
            "arguments": _ECHO_ARGUMENTS,
            "_meta": {**_MODERN_META, "io.modelcontextprotocol/clientCapabilities": {"extensions": {_TASKS: {}}}},
        },
    ),
    (*_BASE_HEADERS, ("MCP-Protocol-Version", MODERN), ("Mcp-Method", "tools/call"), ("Mcp-Name", "echo_task")),
    ('"resultType":"task"', '"status":"working"'),
)

ALL = (CALL_LEGACY, CALL_MODERN, LIST_LEGACY, LIST_MODERN, INITIALIZE, SSE_PROGRESS)
BY_NAME = {workload.name: workload for workload in ALL}
