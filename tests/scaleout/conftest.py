from __future__ import annotations

from collections.abc import Iterator

import pytest

from infra.sim import Rig


@pytest.fixture(scope="package")
def rig() -> Iterator[Rig]:
    """3 instances x 2 workers behind nginx, one Redis: started once for the package's tests."""
    env = {"GUNICORN_GRACEFUL_TIMEOUT": "20", "FASTMCP_SSE_RETRY_MS": "100"}
    with Rig(instances=3, workers=2, server="tests.scaleout.tools:server", env=env) as running:
        yield running
