from tests.support.fixtures import conformance_server, server_pool  # noqa: F401 - fixtures
