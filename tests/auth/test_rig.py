"""Authentication through the multi-replica rig: nginx in front of 2 instances sharing Redis, every
instance verifying tokens on its own, and what a caller owns staying its own on any instance."""

from __future__ import annotations

from collections.abc import Iterator

import httpx
import pytest

from infra.sim import Rig
from infra.sim.issuer import Issuer
from tests.auth.conftest import AUTH_SERVER, METADATA, RESOURCE
from tests.auth.test_ownership import answer_belongs_to_its_caller, stream_belongs_to_its_caller


@pytest.fixture(scope="module")
def auth_rig(issuer: Issuer) -> Iterator[Rig]:
    env = {
        "FASTMCP_AUTH": "jwt",
        "FASTMCP_AUTH_JWKS_URL": issuer.jwks_url,
        "FASTMCP_AUTH_ISSUER": issuer.url,
        "FASTMCP_AUTH_RESOURCE_URL": RESOURCE,
        "GUNICORN_GRACEFUL_TIMEOUT": "5",
    }
    with Rig(instances=2, workers=1, server=AUTH_SERVER, env=env) as running:
        yield running


def test_every_instance_verifies_tokens_on_its_own(auth_rig: Rig, issuer: Issuer) -> None:
    body = {"jsonrpc": "2.0", "id": 1, "method": "tools/call", "params": {"name": "whoami"}}
    headers = {"accept": "application/json, text/event-stream", "mcp-protocol-version": "2025-11-25"}
    token = issuer.mint(RESOURCE, subject="carol")
    with httpx.Client(timeout=10) as http:
        for _ in range(10):  # least_conn spreads them over both instances
            reply = http.post(auth_rig.url, json=body, headers={**headers, "authorization": f"Bearer {token}"})
            assert reply.json()["result"]["structuredContent"]["subject"] == "carol"
        refused = http.post(auth_rig.url, json=body, headers=headers)
        assert refused.status_code == 401
        assert f'resource_metadata="{METADATA}"' in refused.headers["www-authenticate"], "nginx passes the challenge"


async def test_a_stream_resumed_through_the_rig_belongs_to_its_caller(auth_rig: Rig, issuer: Issuer) -> None:
    await stream_belongs_to_its_caller(auth_rig.url, issuer)


async def test_an_answer_through_the_rig_belongs_to_its_caller(auth_rig: Rig, issuer: Issuer) -> None:
    await answer_belongs_to_its_caller(auth_rig.url, issuer)
