from tests.support.fixtures import conformance_server, example_server, mcp_server, server_pool  # noqa: F401 - fixtures
