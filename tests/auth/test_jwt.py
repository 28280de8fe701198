"""FASTMCP_AUTH=jwt against a real JWKS server: every way a token can be wrong is refused, by name."""

from __future__ import annotations

import asyncio
import base64
import hashlib
import hmac
import json
import time

import httpx
import jwt
import pytest

from infra.sim.issuer import Issuer, SigningKey
from tests.auth.conftest import METADATA, RESOURCE
from tests.support.client import MCPTestClient
from tests.support.servers import RunningServer

ERAS = ["2025-11-25", "2026-07-28"]


def bearer(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


async def whoami(server: RunningServer, token: str | None, version: str = "2025-11-25", **headers: str):  # type: ignore[no-untyped-def]
    client = MCPTestClient(server.url, version=version)
    sent = {**(bearer(token) if token is not None else {}), **headers}
    return await client.request("tools/call", {"name": "whoami"}, headers=sent)


def assert_refused(exchange, status: int = 401, error: str | None = "invalid_token") -> None:  # type: ignore[no-untyped-def]
    assert exchange.status == status, exchange
    challenge = exchange.headers["www-authenticate"]
    assert challenge.startswith("Bearer ") and f'resource_metadata="{METADATA}"' in challenge
    if error is None:
        assert "error=" not in challenge
    else:
        assert f'error="{error}"' in challenge
    assert exchange.error["code"] == -32600
    assert "Traceback" not in exchange.body.decode() and "jwt" not in exchange.body.decode().lower()


@pytest.mark.parametrize("version", ERAS)
@pytest.mark.parametrize("kid", ["rsa-1", "ec-1"])
async def test_a_valid_token_is_accepted_and_its_caller_is_on_the_context(
    jwt_server: RunningServer, issuer: Issuer, version: str, kid: str
) -> None:
    exchange = await whoami(jwt_server, issuer.mint(RESOURCE, kid=kid, scope="mcp tools:read"), version)
    assert exchange.result["structuredContent"] == {"subject": "alice", "scopes": ["mcp", "tools:read"]}


async def test_scopes_may_come_as_an_scp_list(jwt_server: RunningServer, issuer: Issuer) -> None:
    exchange = await whoami(jwt_server, issuer.mint(RESOURCE, scope=None, scp=["mcp", "x"]))
    assert exchange.result["structuredContent"]["scopes"] == ["mcp", "x"]


async def test_no_token_is_401_with_the_metadata_url_and_no_error_code(jwt_server: RunningServer) -> None:
    assert_refused(await whoami(jwt_server, None), error=None)


@pytest.mark.parametrize(
    "claims",
    [
        pytest.param({"iss": "http://attacker.example"}, id="wrong-issuer"),
        pytest.param({"aud": "http://other.test/mcp"}, id="wrong-audience"),
        pytest.param({"exp": int(time.time()) - 120}, id="expired"),
        pytest.param({"nbf": int(time.time()) + 600}, id="not-yet-valid"),
    ],
)
async def test_tokens_with_wrong_claims_are_401(jwt_server: RunningServer, issuer: Issuer, claims: dict) -> None:  # type: ignore[type-arg]
    assert_refused(await whoami(jwt_server, issuer.mint(RESOURCE, **claims)))


async def test_an_issuer_that_differs_only_by_a_trailing_slash_is_refused(
    jwt_server: RunningServer, issuer: Issuer
) -> None:
    assert_refused(await whoami(jwt_server, issuer.mint(RESOURCE, iss=issuer.url + "/")))


def _part(data: dict) -> str:  # type: ignore[type-arg]
    return base64.urlsafe_b64encode(json.dumps(data).encode()).rstrip(b"=").decode()


def _unsigned(payload: dict) -> str:  # type: ignore[type-arg]
    return f"{_part({'alg': 'none', 'typ': 'JWT', 'kid': 'rsa-1'})}.{_part(payload)}."


async def test_alg_none_is_refused(jwt_server: RunningServer, issuer: Issuer) -> None:
    claims = jwt.decode(issuer.mint(RESOURCE), options={"verify_signature": False})
    assert_refused(await whoami(jwt_server, _unsigned(claims)))


async def test_an_hmac_signed_with_the_public_key_is_refused(jwt_server: RunningServer, issuer: Issuer) -> None:
    """The classic confusion: HS256 with the RSA public key (which anyone can fetch) as the secret."""
    claims = jwt.decode(issuer.mint(RESOURCE), options={"verify_signature": False})
    signing_input = f"{_part({'alg': 'HS256', 'typ': 'JWT', 'kid': 'rsa-1'})}.{_part(claims)}"
    mac = hmac.new(issuer.key("rsa-1").public_pem, signing_input.encode(), hashlib.sha256).digest()
    forged = f"{signing_input}.{base64.urlsafe_b64encode(mac).rstrip(b'=').decode()}"
    assert_refused(await whoami(jwt_server, forged))


async def test_a_signature_by_an_unknown_key_is_refused(jwt_server: RunningServer, issuer: Issuer) -> None:
    stranger = SigningKey("rsa-1", "RS256")  # the right kid, the wrong key
    assert_refused(await whoami(jwt_server, issuer.mint(RESOURCE, key=stranger)))


async def test_unknown_kids_fetch_the_jwks_at_most_once_a_second(jwt_server: RunningServer, issuer: Issuer) -> None:
    await whoami(jwt_server, issuer.mint(RESOURCE))  # keys loaded
    before = issuer.fetches
    strangers = [issuer.mint(RESOURCE, key=SigningKey(f"made-up-{n}", "ES256")) for n in range(30)]
    started = time.monotonic()
    for token in strangers:
        assert_refused(await whoami(jwt_server, token))
    elapsed = time.monotonic() - started
    assert issuer.fetches - before <= elapsed + 1, f"{issuer.fetches - before} fetches in {elapsed:.1f} s"


async def test_a_rotated_in_key_is_picked_up(jwt_server: RunningServer, issuer: Issuer) -> None:
    old = issuer.mint(RESOURCE, kid="rsa-1")
    assert (await whoami(jwt_server, old)).status == 200
    new_key = issuer.rotate()
    await asyncio.sleep(1.1)  # past the refetch interval: the new kid triggers one fetch
    exchange = await whoami(jwt_server, issuer.mint(RESOURCE, key=new_key, subject="bob"))
    assert exchange.result["structuredContent"]["subject"] == "bob"


async def test_a_token_in_the_query_string_is_ignored(jwt_server: RunningServer, issuer: Issuer) -> None:
    client = MCPTestClient(f"{jwt_server.url}?access_token={issuer.mint(RESOURCE)}")
    assert_refused(await client.request("tools/call", {"name": "whoami"}), error=None)


async def test_a_token_without_the_required_scope_is_403(jwt_server: RunningServer, issuer: Issuer) -> None:
    exchange = await whoami(jwt_server, issuer.mint(RESOURCE, scope="other"))
    assert_refused(exchange, 403, "insufficient_scope")
    assert 'scope="mcp"' in exchange.headers["www-authenticate"]


@pytest.mark.parametrize("version", ERAS)
async def test_a_tool_s_own_scope_is_403_without_it_and_allowed_with_it(
    jwt_server: RunningServer, issuer: Issuer, version: str
) -> None:
    client = MCPTestClient(jwt_server.url, version=version)
    refused = await client.request("tools/call", {"name": "admin_only"}, headers=bearer(issuer.mint(RESOURCE)))
    assert_refused(refused, 403, "insufficient_scope")
    assert 'scope="admin"' in refused.headers["www-authenticate"]
    prompt = await client.request("prompts/get", {"name": "admin_prompt"}, headers=bearer(issuer.mint(RESOURCE)))
    assert prompt.status == 403
    allowed = await client.request(
        "tools/call", {"name": "admin_only"}, headers=bearer(issuer.mint(RESOURCE, scope="mcp admin"))
    )
    assert allowed.result["content"][0]["text"] == "the admin secret"


async def test_health_and_metadata_stay_open(jwt_server: RunningServer, issuer: Issuer) -> None:
    async with httpx.AsyncClient(base_url=jwt_server.base_url) as http:
        assert (await http.get("/healthz")).status_code == 200
        assert (await http.get("/readyz")).status_code == 200
        for path in ("/.well-known/oauth-protected-resource/mcp", "/.well-known/oauth-protected-resource"):
            document = (await http.get(path)).json()
            assert document == {
                "resource": RESOURCE,
                "authorization_servers": [issuer.url],
                "scopes_supported": ["admin", "mcp"],
                "bearer_methods_supported": ["header"],
            }
