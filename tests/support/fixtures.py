"""Pytest fixtures for over-the-socket tests; a ``conftest.py`` imports the ones it needs.

``mcp_server`` is parametrisable with a :class:`~tests.support.servers.ServerSpec`::

    @pytest.mark.parametrize("mcp_server", [ServerSpec.of(FASTMCP_JSON_RESPONSE="true")], indirect=True)
    async def test_json_only(mcp_server: RunningServer) -> None: ...
"""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from tests.support.servers import CONFORMANCE_SERVER, EXAMPLE_SERVER, RunningServer, ServerPool, ServerSpec

_POOL = ServerPool()
"""One pool per test process, whichever conftests import these fixtures: a server spec never runs twice."""


@pytest.fixture(scope="session")
def server_pool() -> Iterator[ServerPool]:
    try:
        yield _POOL
    finally:
        _POOL.close()


@pytest.fixture(scope="session")
def mcp_server(request: pytest.FixtureRequest, server_pool: ServerPool) -> RunningServer:
    """The example server, or the spec a test passes with ``indirect=True``."""
    spec: ServerSpec = getattr(request, "param", ServerSpec.of(EXAMPLE_SERVER))
    return server_pool.get(spec)


@pytest.fixture(scope="session")
def example_server(server_pool: ServerPool) -> RunningServer:
    """``app.tools:server``, the example tools a new project starts from."""
    return server_pool.get(ServerSpec.of(EXAMPLE_SERVER))


@pytest.fixture(scope="session")
def conformance_server(server_pool: ServerPool) -> RunningServer:
    """``tests.fixtures.conformance_server:server``, every fixture the official suite calls."""
    return server_pool.get(ServerSpec.of(CONFORMANCE_SERVER))
