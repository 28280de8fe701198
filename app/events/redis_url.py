"""Where Redis is: one server, a Redis Cluster, or a primary that Redis Sentinel names.

``FASTMCP_REDIS_URL`` says which, by its scheme::

    redis://[[user]:password@]host:port/db         one server (also rediss:// and unix://, read by redis-py)
    redis+cluster://[[user]:password@]host:port[,host:port...]
                                                   a cluster: any of its nodes, several so that start-up
                                                   does not depend on one
    redis+sentinel://[[user]:password@]host:port[,host:port...]/<primary name>[/db][?sentinel_password=...]
                                                   the sentinels, and the name they know the primary by

``rediss+cluster://`` and ``rediss+sentinel://`` connect with TLS. The user and password are the data
nodes'; sentinels that ask for a password of their own get ``sentinel_password``. This module reads the
URL without redis-py, so the settings can refuse a bad one at start-up; no message repeats the URL,
which may hold a password.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal
from urllib.parse import parse_qs, unquote

Mode = Literal["standalone", "cluster", "sentinel"]

_MODES: dict[str, tuple[Mode, bool]] = {
    "redis": ("standalone", False),
    "rediss": ("standalone", True),
    "unix": ("standalone", False),
    "redis+cluster": ("cluster", False),
    "rediss+cluster": ("cluster", True),
    "redis+sentinel": ("sentinel", False),
    "rediss+sentinel": ("sentinel", True),
}


@dataclass(frozen=True)
class RedisTarget:
    mode: Mode
    """``standalone``: redis-py reads the URL itself (its query options included), nothing else is set."""
    nodes: tuple[tuple[str, int], ...] = ()
    """The cluster's seed nodes, or the sentinels."""
    username: str | None = None
    password: str | None = None
    tls: bool = False
    primary: str = ""
    """The name the sentinels know the primary by."""
    db: int = 0
    sentinel_password: str | None = None


def parse_redis_url(url: str) -> RedisTarget:
    """The target ``url`` names; ``ValueError`` saying what is wrong with it, never the URL itself."""
    scheme, separator, rest = url.partition("://")
    if not separator or scheme.lower() not in _MODES:
        raise ValueError(f"the scheme must be one of {', '.join(s + '://' for s in _MODES)}")
    mode, tls = _MODES[scheme.lower()]
    if mode == "standalone":
        return RedisTarget(mode, tls=tls)
    rest, _, query = rest.partition("?")
    authority, _, path = rest.partition("/")
    userinfo, _, hosts = authority.rpartition("@")
    username, _, password = userinfo.partition(":")
    nodes = tuple(_address(host, mode) for host in hosts.split(","))
    primary, db, sentinel_password = "", 0, None
    if mode == "sentinel":
        primary, db, sentinel_password = _sentinel_path(path, query)
    elif path.strip("/") or query:
        raise ValueError("a redis+cluster:// URL names nodes only: a cluster has no database number or options")
    return RedisTarget(
        mode, nodes, unquote(username) or None, unquote(password) or None, tls, primary, db, sentinel_password
    )


def _sentinel_path(path: str, query: str) -> tuple[str, int, str | None]:
    """The primary's name, the database and the sentinels' password of a ``redis+sentinel://`` URL."""
    primary, _, db = path.partition("/")
    if not primary:
        raise ValueError("a redis+sentinel:// URL names the primary after the sentinels: host:26379/<primary name>")
    if db and not db.isdigit():
        raise ValueError("the database after the primary's name must be a number")
    options = parse_qs(query, keep_blank_values=True)
    if set(options) - {"sentinel_password"}:
        raise ValueError("the only option of a redis+sentinel:// URL is sentinel_password")
    return unquote(primary), int(db or 0), options.get("sentinel_password", [""])[-1] or None


def _address(text: str, mode: Mode) -> tuple[str, int]:
    host, _, port = text.rpartition(":")
    host = host.removeprefix("[").removesuffix("]")
    if not host or not port.isdigit() or not 0 < int(port) < 65536:
        default = 26379 if mode == "sentinel" else 6379
        raise ValueError(f"each {mode} node is host:port, e.g. redis-1.internal:{default}")
    return host, int(port)
