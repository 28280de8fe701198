from tests.support.fixtures import example_server, mcp_server, server_pool  # noqa: F401 - fixtures
