"""A real JWKS server, and servers in jwt and bearer mode that trust it."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from infra.sim.issuer import Issuer
from tests.support.fixtures import server_pool  # noqa: F401 - fixture
from tests.support.servers import RunningServer, ServerPool, ServerSpec

AUTH_SERVER = "tests.fixtures.auth_server:server"
RESOURCE = "http://mcp.test:8000/mcp"
"""The canonical URL the server is configured with: the audience tokens must carry."""
METADATA = "http://mcp.test:8000/.well-known/oauth-protected-resource/mcp"


@pytest.fixture(scope="session")
def issuer() -> Iterator[Issuer]:
    issuer = Issuer()
    issuer.start()
    try:
        yield issuer
    finally:
        issuer.stop()


@pytest.fixture(scope="session")
def jwt_server(server_pool: ServerPool, issuer: Issuer) -> RunningServer:  # noqa: F811
    return server_pool.get(
        ServerSpec.of(
            AUTH_SERVER,
            FASTMCP_AUTH="jwt",
            FASTMCP_AUTH_JWKS_URL=issuer.jwks_url,
            FASTMCP_AUTH_ISSUER=issuer.url,
            FASTMCP_AUTH_RESOURCE_URL=RESOURCE,
            FASTMCP_AUTH_REQUIRED_SCOPES='["mcp"]',
            FASTMCP_AUTH_JWKS_REFETCH_SECONDS="1",
            FASTMCP_HTTP_ALLOWED_HOSTS='["127.0.0.1"]',
        )
    )


@pytest.fixture(scope="session")
def tokens_file(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("secrets") / "tokens"
    path.write_text("# one token per line, then the scopes it grants\nstatic-token-1\nstatic-admin admin\n")
    return path


@pytest.fixture(scope="session")
def bearer_server(server_pool: ServerPool, tokens_file: Path) -> RunningServer:  # noqa: F811
    return server_pool.get(
        ServerSpec.of(AUTH_SERVER, FASTMCP_AUTH="bearer", FASTMCP_AUTH_BEARER_TOKENS_FILE=str(tokens_file))
    )
