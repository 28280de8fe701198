"""Malformed input, field by field, in both eras and with both stores: never a 5xx, always a
JSON-RPC reply that fits the era's schema (or an empty 202/405).

Each example starts from a valid request and breaks one field: any JSON value in its place, or the
field gone. The app runs in-process (httpx's ASGI transport), so thousands of examples take seconds;
the Redis store is a real redis-server.
"""

from __future__ import annotations

import copy
import json
from collections.abc import AsyncIterator
from typing import Any

import httpx
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from app.main import create_app
from app.settings import Settings
from app.tools import server
from tests.support.redis_server import RedisServer
from tests.support.sse import parse_events
from tests.support.wire import validate_server_message

MODERN = "2026-07-28"
BASE_META = {
    "io.modelcontextprotocol/protocolVersion": MODERN,
    "io.modelcontextprotocol/clientCapabilities": {},
    "io.modelcontextprotocol/clientInfo": {"name": "t", "version": "1"},
}
REQUESTS: dict[str, dict[str, Any]] = {
    "tools/call": {"name": "add", "arguments": {"a": 1, "b": 2}, "_meta": {"progressToken": "p"}},
    "tools/list": {"cursor": "MQ=="},
    "resources/read": {"uri": "config://settings"},
    "prompts/get": {"name": "review", "arguments": {"code": "x = 1"}},
    "completion/complete": {
        "ref": {"type": "ref/prompt", "name": "review"},
        "argument": {"name": "code", "value": "x"},
    },
    "logging/setLevel": {"level": "debug"},
    "initialize": {"protocolVersion": "2025-11-25", "capabilities": {}, "clientInfo": {"name": "t", "version": "1"}},
}
JSON_VALUES = st.recursive(
    st.none() | st.booleans() | st.integers(-(2**63), 2**63 - 1) | st.floats(allow_nan=False) | st.text(max_size=300),
    lambda inner: st.lists(inner, max_size=3) | st.dictionaries(st.text(max_size=8), inner, max_size=3),
    max_leaves=6,
)
GONE = object()


@pytest.fixture(scope="module", params=["memory", "redis"])
async def client(request: pytest.FixtureRequest, redis_server: RedisServer) -> AsyncIterator[httpx.AsyncClient]:
    store = {"event_store": request.param, "redis_url": redis_server.url, "request_state_keys": ["ab" * 32]}
    app = create_app(Settings(**store), server)  # type: ignore[arg-type]
    async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://localhost") as http:
        yield http


def paths(value: Any, prefix: tuple[Any, ...] = ()) -> list[tuple[Any, ...]]:
    """Every field of a message, nested ones included."""
    found = []
    if isinstance(value, dict):
        for key, inner in value.items():
            found.append((*prefix, key))
            found.extend(paths(inner, (*prefix, key)))
    return found


def replaced(message: dict[str, Any], path: tuple[Any, ...], value: Any) -> dict[str, Any]:
    broken = copy.deepcopy(message)
    target = broken
    for key in path[:-1]:
        target = target[key]
    if value is GONE:
        del target[path[-1]]
    else:
        target[path[-1]] = value
    return broken


def request_for(method: str, era: str) -> tuple[dict[str, Any], dict[str, str]]:
    params = copy.deepcopy(REQUESTS[method])
    headers = {"accept": "application/json, text/event-stream", "content-type": "application/json"}
    if era == MODERN:
        params["_meta"] = {**BASE_META, **params.get("_meta", {})}
        headers.update({"mcp-protocol-version": MODERN, "mcp-method": method})
        name = params.get("name", params.get("uri"))
        if isinstance(name, str):
            headers["mcp-name"] = name
    elif method != "initialize":
        headers["mcp-protocol-version"] = era
    return {"jsonrpc": "2.0", "id": 1, "method": method, "params": params}, headers


async def check_reply(http: httpx.AsyncClient, body: Any, headers: dict[str, str], version: str) -> None:
    response = await http.post("/mcp", content=json.dumps(body), headers=headers)
    assert response.status_code < 500, f"{response.status_code} for {body!r}: {response.text}"
    if response.status_code in (202, 405) or not response.content:
        return
    method = str(body.get("method")) if isinstance(body, dict) else "?"
    if response.headers["content-type"].startswith("text/event-stream"):
        messages = [json.loads(event.data) for event in parse_events(response.text) if event.data.strip()]
    else:
        messages = [response.json()]
    for message in messages:
        validate_server_message(version, method, message)


CASES = st.sampled_from([(method, era) for method in REQUESTS for era in ("2025-11-25", "2025-06-18", MODERN)])


@settings(
    max_examples=400,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow, HealthCheck.data_too_large],
)
@given(case=CASES, data=st.data())
async def test_one_broken_field_never_gets_a_5xx(
    client: httpx.AsyncClient, case: tuple[str, str], data: st.DataObject
) -> None:
    method, era = case
    if method in ("initialize", "logging/setLevel") and era == MODERN:
        method = "tools/list"
    message, headers = request_for(method, era)
    path = data.draw(st.sampled_from(paths(message)), label="field")
    value = data.draw(st.one_of(st.just(GONE), JSON_VALUES), label="value")
    await check_reply(client, replaced(message, path, value), headers, era)


@settings(
    max_examples=100,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow, HealthCheck.data_too_large],
)
@given(
    response=st.fixed_dictionaries(
        {"jsonrpc": st.just("2.0"), "id": st.one_of(st.text(max_size=40), st.integers(), JSON_VALUES)},
        optional={"result": JSON_VALUES, "error": JSON_VALUES},
    )
)
async def test_odd_client_responses_never_get_a_5xx(client: httpx.AsyncClient, response: dict[str, Any]) -> None:
    headers = {"accept": "application/json, text/event-stream", "content-type": "application/json"}
    reply = await client.post(
        "/mcp", content=json.dumps(response), headers={**headers, "mcp-protocol-version": "2025-11-25"}
    )
    assert reply.status_code in (202, 400, 404), reply.text


@settings(
    max_examples=60,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow, HealthCheck.data_too_large],
)
@given(
    stream=st.text("0123456789abcdef", min_size=32, max_size=32),
    position=st.one_of(
        st.integers(0, 10**25).map(str),
        st.tuples(st.integers(0, 10**25), st.integers(0, 10**25)).map(lambda p: f"{p[0]}-{p[1]}"),
    ),
)
async def test_event_ids_that_parse_but_name_nothing_are_4xx(
    client: httpx.AsyncClient, stream: str, position: str
) -> None:
    headers = {
        "accept": "text/event-stream",
        "mcp-protocol-version": "2025-11-25",
        "last-event-id": f"{stream}.{position}",
    }
    reply = await client.get("/mcp", headers=headers)
    assert 400 <= reply.status_code < 500, f"{reply.status_code} for {position}: {reply.text}"
    assert reply.json()["error"]["code"] == -32600
