"""FASTMCP_REDIS_URL names one server, a Redis Cluster or a Sentinel-managed primary."""

from __future__ import annotations

import pytest

from app.events.redis_url import RedisTarget, parse_redis_url


@pytest.mark.parametrize(
    ("url", "target"),
    [
        ("redis://:pw@host:6379/2", RedisTarget("standalone")),
        ("rediss://host:6380/0", RedisTarget("standalone", tls=True)),
        ("unix:///run/redis.sock", RedisTarget("standalone")),
        (
            "redis+cluster://node-1:7000,node-2:7001",
            RedisTarget("cluster", nodes=(("node-1", 7000), ("node-2", 7001))),
        ),
        (
            "rediss+cluster://app:p%40ss@[::1]:7000",
            RedisTarget("cluster", nodes=(("::1", 7000),), username="app", password="p@ss", tls=True),
        ),
        (
            "redis+sentinel://:pw@s-1:26379,s-2:26379/mymaster/3?sentinel_password=spw",
            RedisTarget(
                "sentinel",
                nodes=(("s-1", 26379), ("s-2", 26379)),
                password="pw",
                primary="mymaster",
                db=3,
                sentinel_password="spw",
            ),
        ),
    ],
)
def test_each_form_is_read(url: str, target: RedisTarget) -> None:
    assert parse_redis_url(url) == target


@pytest.mark.parametrize(
    ("url", "error"),
    [
        ("http://:hunter2@host", "the scheme must be one of"),
        ("redis+cluster://:hunter2@node-1:7000/0", "a cluster has no database number"),
        ("redis+cluster://:hunter2@node-1:99999", "each cluster node is host:port"),
        ("redis+sentinel://:hunter2@s-1:26379/mymaster/one", "the database after the primary's name"),
        ("redis+sentinel://:hunter2@s-1:26379/mymaster?timeout=1", "the only option"),
    ],
)
def test_a_bad_url_is_refused_without_repeating_it(url: str, error: str) -> None:
    with pytest.raises(ValueError, match=error) as refused:
        parse_redis_url(url)
    assert "hunter2" not in str(refused.value)
