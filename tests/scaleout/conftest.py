from __future__ import annotations

from collections.abc import Iterator

import pytest

from infra.sim import Rig
from tests.support.redis_cluster import RedisCluster

ENV = {"GUNICORN_GRACEFUL_TIMEOUT": "20", "FASTMCP_SSE_RETRY_MS": "100"}
SERVER = "tests.scaleout.tools:server"


@pytest.fixture(scope="package")
def rig() -> Iterator[Rig]:
    """3 instances x 2 workers behind nginx, one Redis: started once for the package's tests."""
    with Rig(instances=3, workers=2, server=SERVER, env=ENV) as running:
        yield running


@pytest.fixture(scope="package")
def cluster_rig(redis_cluster: RedisCluster) -> Iterator[Rig]:
    """3 instances x 1 worker behind nginx, on a Redis Cluster of three masters."""
    with Rig(instances=3, workers=1, server=SERVER, env=ENV, redis_url=redis_cluster.url) as running:
        yield running


@pytest.fixture(params=["redis", "redis-cluster"])
def fleet(request: pytest.FixtureRequest) -> Rig:
    """The tests of what crosses instances run on one Redis and on a Redis Cluster."""
    running: Rig = request.getfixturevalue("rig" if request.param == "redis" else "cluster_rig")
    return running
