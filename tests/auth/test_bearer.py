"""FASTMCP_AUTH=bearer: static tokens from a file, picked up again when the file changes; the safe default."""

from __future__ import annotations

import asyncio
import subprocess
import sys
from pathlib import Path

import mcp_types as types
import pytest
from mcp import Client
from mcp.client.streamable_http import streamable_http_client

from tests.support.client import MCPTestClient
from tests.support.servers import REPO, RunningServer, child_environment
from tests.support.tap import WireTap


async def call(server: RunningServer, token: str | None, tool: str = "whoami", *, authorization: str | None = None):  # type: ignore[no-untyped-def]
    if authorization is None and token is not None:
        authorization = f"Bearer {token}"
    headers = {"Authorization": authorization} if authorization is not None else {}
    return await MCPTestClient(server.url).request("tools/call", {"name": tool}, headers=headers)


async def test_a_listed_token_is_a_caller_with_its_scopes(bearer_server: RunningServer) -> None:
    plain = (await call(bearer_server, "static-token-1")).result["structuredContent"]
    admin = (await call(bearer_server, "static-admin")).result["structuredContent"]
    assert plain["scopes"] == [] and admin["scopes"] == ["admin"]
    assert plain["subject"] != admin["subject"] and "static" not in plain["subject"], "a digest, never the token"
    assert (await call(bearer_server, "static-admin", "admin_only")).result["content"][0]["text"] == "the admin secret"
    assert (await call(bearer_server, "static-token-1", "admin_only")).status == 403


@pytest.mark.parametrize(
    "authorization", [None, "Bearer static-token-2", "Bearer static-token-1x", "Bearer", "Basic static-token-1"]
)
async def test_anything_else_is_401(bearer_server: RunningServer, authorization: str | None) -> None:
    exchange = await call(bearer_server, None, authorization=authorization)
    assert exchange.status == 401 and exchange.headers["www-authenticate"].startswith("Bearer")


async def test_the_scheme_is_case_insensitive(bearer_server: RunningServer) -> None:
    assert (await call(bearer_server, None, authorization="bearer static-token-1")).status == 200


async def test_a_changed_tokens_file_is_picked_up_without_a_restart(
    bearer_server: RunningServer, tokens_file: Path
) -> None:
    original = await asyncio.to_thread(tokens_file.read_text)
    try:
        await asyncio.to_thread(tokens_file.write_text, original + "rotated-token\n")
        for _ in range(40):
            if (await call(bearer_server, "rotated-token")).status == 200:
                break
            await asyncio.sleep(0.1)
        assert (await call(bearer_server, "rotated-token")).status == 200
    finally:
        await asyncio.to_thread(tokens_file.write_text, original)
    for _ in range(40):
        if (await call(bearer_server, "rotated-token")).status == 401:
            return
        await asyncio.sleep(0.1)
    raise AssertionError("a token removed from the file still works")


@pytest.mark.parametrize(("mode", "version"), [("legacy", "2025-11-25"), ("auto", "2026-07-28")])
async def test_the_official_sdk_client_works_with_a_bearer_token(
    bearer_server: RunningServer, mode: str, version: str
) -> None:
    tap = WireTap()
    async with (
        tap.client(headers={"Authorization": "Bearer static-admin"}) as http,
        Client(streamable_http_client(bearer_server.url, http_client=http), mode=mode) as client,
    ):
        assert client.protocol_version == version
        result = await client.call_tool("admin_only", {})
        assert isinstance(result.content[0], types.TextContent) and result.content[0].text == "the admin secret"
    assert not tap.violations, tap.violations


@pytest.mark.parametrize(
    ("env", "refused"),
    [
        ({}, "FASTMCP_AUTH is not set and FASTMCP_HOST=0.0.0.0 is not a loopback address"),
        ({"FASTMCP_AUTH": "bearer"}, "FASTMCP_AUTH=bearer needs FASTMCP_AUTH_BEARER_TOKENS_FILE"),
        ({"FASTMCP_AUTH": "jwt"}, "FASTMCP_AUTH=jwt needs FASTMCP_AUTH_JWKS_URL"),
        (
            {
                "FASTMCP_AUTH": "jwt",
                "FASTMCP_AUTH_JWKS_URL": "http://idp.example/jwks",
                "FASTMCP_AUTH_ISSUER": "https://idp.example",
                "FASTMCP_AUTH_RESOURCE_URL": "https://mcp.example/mcp",
            },
            "FASTMCP_AUTH_JWKS_URL must be https://",
        ),
        ({"FASTMCP_AUTH": "none"}, None),
    ],
)
def test_a_server_on_a_public_address_needs_a_deliberate_auth_mode(env: dict[str, str], refused: str | None) -> None:
    command = [sys.executable, "-c", "from app.settings import load_settings; load_settings(host='0.0.0.0')"]
    completed = subprocess.run(
        command, cwd=REPO, env=child_environment(env), capture_output=True, text=True, timeout=30, check=False
    )
    if refused is None:
        assert completed.returncode == 0, completed.stderr
        return
    assert completed.returncode == 2
    lines = completed.stderr.strip().splitlines()
    assert len(lines) == 1 and refused in lines[0], completed.stderr
