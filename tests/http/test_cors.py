"""Opt-in CORS for browser clients: preflights answered, the MCP headers exposed, nothing without it."""

from __future__ import annotations

import httpx
import pytest

from tests.support.servers import RunningServer, ServerPool, ServerSpec

ORIGIN = "https://app.example.com"


@pytest.fixture(scope="module")
def cors_server(server_pool: ServerPool) -> RunningServer:
    return server_pool.get(ServerSpec.of(FASTMCP_CORS_ALLOWED_ORIGINS=f'["{ORIGIN}"]'))


def test_a_preflight_from_an_allowed_origin_names_the_mcp_headers(cors_server: RunningServer) -> None:
    headers = {
        "origin": ORIGIN,
        "access-control-request-method": "POST",
        "access-control-request-headers": "authorization, content-type, mcp-protocol-version, mcp-method, mcp-name",
    }
    reply = httpx.options(cors_server.url, headers=headers)
    assert reply.status_code == 200
    assert reply.headers["access-control-allow-origin"] == ORIGIN
    allowed = reply.headers["access-control-allow-headers"].lower()
    assert all(name in allowed for name in ("authorization", "mcp-protocol-version", "mcp-method", "mcp-name"))


def test_responses_expose_the_mcp_headers_to_the_page(cors_server: RunningServer) -> None:
    body = {"jsonrpc": "2.0", "id": 1, "method": "ping"}
    headers = {"origin": ORIGIN, "accept": "application/json, text/event-stream", "mcp-protocol-version": "2025-11-25"}
    reply = httpx.post(cors_server.url, json=body, headers=headers)
    assert reply.status_code == 200 and reply.headers["access-control-allow-origin"] == ORIGIN
    exposed = reply.headers["access-control-expose-headers"].lower()
    assert all(name in exposed for name in ("mcp-session-id", "mcp-protocol-version", "www-authenticate"))


def test_other_origins_get_no_cors_and_a_403(cors_server: RunningServer) -> None:
    headers = {"origin": "https://evil.example", "accept": "application/json, text/event-stream"}
    reply = httpx.post(cors_server.url, json={"jsonrpc": "2.0", "id": 1, "method": "ping"}, headers=headers)
    assert reply.status_code == 403 and "access-control-allow-origin" not in reply.headers
    assert "FASTMCP_HTTP_ALLOWED_ORIGINS" in reply.json()["error"]["message"]


def test_without_the_setting_there_is_no_cors(example_server: RunningServer) -> None:
    reply = httpx.options(
        example_server.url, headers={"origin": "http://localhost:3000", "access-control-request-method": "POST"}
    )
    assert "access-control-allow-origin" not in reply.headers
