"""Every method, in every protocol version we serve, answers with a message its era's official schema accepts.

The raw :class:`~tests.support.client.MCPTestClient` validates each reply against the ``mcp-types``
models of the request's era (plus the rules it checks itself: ids, ordering, progress tokens, the
2026-07-28 log opt-in and event ids), so each case below only has to make the request and check the
few facts the schema cannot. The last tests show the validator rejects what it must.
"""

from __future__ import annotations

from typing import Any

import pytest

from tests.support.client import CLIENT_INFO, MCPTestClient
from tests.support.servers import RunningServer
from tests.support.wire import (
    WireViolation,
    validate_notification,
    validate_response,
    validate_server_message,
)

LEGACY = ("2025-03-26", "2025-06-18", "2025-11-25")
MODERN = "2026-07-28"
PROMPT_REF = {"type": "ref/prompt", "name": "test_prompt_with_arguments"}

SHARED_CALLS: dict[str, tuple[str, dict[str, Any] | None]] = {
    "tools/list": ("tools/list", None),
    "tools/call text": ("tools/call", {"name": "test_simple_text"}),
    "tools/call progress": ("tools/call", {"name": "test_tool_with_progress", "_meta": {"progressToken": "p-1"}}),
    "tools/call logging": ("tools/call", {"name": "test_tool_with_logging", "arguments": {}}),
    "tools/call mixed": ("tools/call", {"name": "test_multiple_content_types", "arguments": {}}),
    "tools/call audio": ("tools/call", {"name": "test_audio_content", "arguments": {}}),
    "tools/call error": ("tools/call", {"name": "test_error_handling", "arguments": {}}),
    "tools/call bad arguments": ("tools/call", {"name": "test_sampling", "arguments": {"prompt": 5}}),
    "resources/list": ("resources/list", None),
    "resources/templates/list": ("resources/templates/list", None),
    "resources/read text": ("resources/read", {"uri": "test://static-text"}),
    "resources/read blob": ("resources/read", {"uri": "test://static-binary"}),
    "resources/read template": ("resources/read", {"uri": "test://template/9/data"}),
    "prompts/list": ("prompts/list", None),
    "prompts/get": ("prompts/get", {"name": "test_prompt_with_arguments", "arguments": {"arg1": "a", "arg2": "b"}}),
    "prompts/get resource": (
        "prompts/get",
        {"name": "test_prompt_with_embedded_resource", "arguments": {"resourceUri": "test://r"}},
    ),
    "prompts/get image": ("prompts/get", {"name": "test_prompt_with_image"}),
    "completion/complete": ("completion/complete", {"ref": PROMPT_REF, "argument": {"name": "arg1", "value": "p"}}),
    "tools/call unknown tool": ("tools/call", {"name": "no_such_tool"}),
    "resources/read missing": ("resources/read", {"uri": "test://no-such-resource"}),
    "prompts/get unknown prompt": ("prompts/get", {"name": "no_such_prompt"}),
    "unknown method": ("no/such/method", None),
}
LEGACY_CALLS: dict[str, tuple[str, dict[str, Any] | None]] = {
    "initialize": ("initialize", {"protocolVersion": "2025-11-25", "capabilities": {}, "clientInfo": CLIENT_INFO}),
    "ping": ("ping", None),
    "logging/setLevel": ("logging/setLevel", {"level": "debug"}),
    "logging/setLevel bad level": ("logging/setLevel", {"level": "loud"}),
    "resources/subscribe": ("resources/subscribe", {"uri": "test://watched-resource"}),
    "resources/unsubscribe": ("resources/unsubscribe", {"uri": "test://watched-resource"}),
    "server/discover (modern only)": ("server/discover", None),
}  # fmt: skip
MODERN_CALLS: dict[str, tuple[str, dict[str, Any] | None]] = {
    "server/discover": ("server/discover", None),
    # a filter with nothing to deliver: acknowledged and ended at once (open streams: tests/scaleout)
    "subscriptions/listen": ("subscriptions/listen", {"notifications": {}}),
    "ping (legacy only)": ("ping", None),
    "logging/setLevel (legacy only)": ("logging/setLevel", {"level": "debug"}),
    "initialize (legacy only)": ("initialize", None),
}
CASES = [
    pytest.param(version, name, *call, id=f"{version}-{name}")
    for version in LEGACY
    for name, call in {**SHARED_CALLS, **LEGACY_CALLS}.items()
] + [
    pytest.param(MODERN, name, *call, id=f"{MODERN}-{name}") for name, call in {**SHARED_CALLS, **MODERN_CALLS}.items()
]


@pytest.mark.parametrize(("version", "name", "method", "params"), CASES)
async def test_reply_matches_the_official_schema(
    conformance_server: RunningServer, version: str, name: str, method: str, params: dict[str, Any] | None
) -> None:
    async with MCPTestClient(conformance_server.url, version=version, log_level="debug") as client:
        exchange = await client.request(method, params)
    assert exchange.messages, f"{name}: no JSON-RPC message in the reply: {exchange}"
    response = exchange.response
    if "progress" in name:
        assert exchange.is_sse and [p["progress"] for p in exchange.progress] == [0, 50, 100]
    if "logging" in name and method == "tools/call":
        assert len(exchange.logs) == 3, exchange
    if version == MODERN and "error" in response:
        expected = 404 if response["error"]["code"] == -32601 else 400
        assert exchange.status == expected, f"2026-07-28 errors carry an HTTP status: {exchange}"
    elif "error" in response:
        assert exchange.status == 200, f"handshake-era JSON-RPC errors are HTTP 200: {exchange}"


@pytest.mark.parametrize("version", [*LEGACY, MODERN])
async def test_errors_use_the_code_of_the_era(conformance_server: RunningServer, version: str) -> None:
    async with MCPTestClient(conformance_server.url, version=version) as client:
        missing = await client.request("resources/read", {"uri": "test://no-such-resource"})
        unknown = await client.request("no/such/method")
    assert missing.error["code"] == (-32602 if version == MODERN else -32002)
    assert unknown.error["code"] == -32601


async def test_version_errors_have_the_2026_shapes(conformance_server: RunningServer) -> None:
    async with MCPTestClient(conformance_server.url, version=MODERN) as client:
        mismatch = await client.request("tools/list", headers={"MCP-Protocol-Version": "2099-01-01"})
        without_header = await client.request("tools/list", headers={"MCP-Protocol-Version": None})
        wrong_method = await client.request("tools/list", headers={"Mcp-Method": "prompts/list"})
        body = client.message("tools/list")
        body["params"]["_meta"]["io.modelcontextprotocol/protocolVersion"] = "2099-01-01"
        future = await client.post(body, headers={"MCP-Protocol-Version": "2099-01-01"})
    assert (mismatch.status, mismatch.error["code"]) == (400, -32020), mismatch
    assert (without_header.status, without_header.error["code"]) == (400, -32020), without_header
    assert (wrong_method.status, wrong_method.error["code"]) == (400, -32020), wrong_method
    assert (future.status, future.error["code"]) == (400, -32022), future
    assert future.error["data"]["requested"] == "2099-01-01"
    assert MODERN in future.error["data"]["supported"]


# -- the validator itself --------------------------------------------------------------------


def _result(result: dict[str, Any]) -> dict[str, Any]:
    return {"jsonrpc": "2.0", "id": 1, "result": result}


def _error(code: int) -> dict[str, Any]:
    return {"jsonrpc": "2.0", "id": 1, "error": {"code": code, "message": "failed"}}


def _note(method: str, params: dict[str, Any], **extra: Any) -> dict[str, Any]:
    return {"jsonrpc": "2.0", "method": method, "params": params, **extra}


LISTED = {"tools": [], "ttlMs": 0, "cacheScope": "public"}


@pytest.mark.parametrize(
    ("version", "method", "message", "why"),
    [
        (MODERN, "tools/list", _result(LISTED), "resultType"),
        (MODERN, "tools/list", _result({"tools": [], "resultType": "complete"}), "cacheScope"),
        (MODERN, "tools/list", _result({**LISTED, "resultType": "done"}), "resultType"),
        ("2025-11-25", "tools/call", _result({"isError": False}), "content"),
        ("2025-11-25", "tools/list", _result({"tools": [{"name": "t", "inputSchema": {"type": "array"}}]}), "type"),
        ("2025-11-25", "ping", _result({"unexpected": 1}), "EmptyResult"),
        ("2025-11-25", "server/discover", _result({}), "no result in this era"),
        (MODERN, "initialize", _result({"resultType": "complete"}), "no result in this era"),
        (MODERN, "resources/read", _error(-32002), "-32002"),
        (MODERN, "tools/list", _error(-32022), "data"),
        ("2025-11-25", "tools/list", {**_error(1), "result": {"tools": []}}, "not both"),
        ("2025-11-25", "tools/list", [_result({"tools": []})], "one JSON object"),
        (MODERN, "tools/call", _note("sampling/createMessage", {}, id="s-1"), "server-to-client request"),
        ("2025-11-25", "tools/call", _note("notifications/progress", {"progress": 1}), "progressToken"),
        ("2025-11-25", "tools/call", _note("notifications/whatever", {}), "not a server notification"),
        (MODERN, "tools/call", _note("notifications/message", {"level": "loud", "data": 1}), "level"),
    ],
)
def test_the_validator_rejects(version: str, method: str, message: Any, why: str) -> None:
    with pytest.raises(WireViolation, match=why):
        validate_server_message(version, method, message)


def test_the_validator_accepts_and_parses() -> None:
    parsed = validate_response(MODERN, "tools/call", _result({"content": [], "resultType": "complete"}))
    assert parsed.model_dump(by_alias=True, exclude_none=True) == {"content": [], "resultType": "complete"}
    progress = {"jsonrpc": "2.0", "method": "notifications/progress", "params": {"progressToken": 1, "progress": 0.5}}
    validate_notification("2025-03-26", progress)
    with pytest.raises(ValueError, match="no official schema"):
        validate_response("2024-11-05", "ping", _result({}))
