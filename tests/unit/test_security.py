"""The Host/Origin allow-lists: patterns, ports, wildcards, and a cache that cannot grow without end."""

from __future__ import annotations

import pytest

from app.security import AllowList
from app.settings import Settings


@pytest.mark.parametrize(
    ("patterns", "value", "allowed"),
    [
        (["localhost"], b"localhost", True),
        (["localhost"], b"localhost:8000", True),
        (["localhost"], b"LOCALHOST:8000", True),
        (["localhost"], b"localhost.evil.com", False),
        (["localhost:8000"], b"localhost:9000", False),
        (["localhost:*"], b"localhost:9000", True),
        (["*.example.com"], b"api.example.com", True),
        (["*.example.com"], b"example.com", False),
        (["*.example.com"], b"evil.com/.example.com", False),
        (["https://app.example.com"], b"https://app.example.com", True),
        (["https://app.example.com"], b"http://app.example.com", False),
        (["*"], b"anything:1", True),
        ([], b"localhost", False),
    ],
)
def test_patterns(patterns: list[str], value: bytes, allowed: bool) -> None:
    assert AllowList(patterns).allows(value) is allowed


def test_the_verdict_cache_is_bounded_in_entries_and_value_size() -> None:
    allow = AllowList(["localhost"])
    for n in range(5000):
        allow.allows(f"host-{n}".encode())
    allow.allows(b"x" * 10_000)
    assert len(allow._cache) == 1024
    assert all(len(value) <= 256 for value in allow._cache)


@pytest.mark.parametrize(
    ("patterns", "value", "allowed"),
    [
        # exact hosts, with or without a port
        (["mcp.example.com"], b"mcp.example.com", True),
        (["mcp.example.com"], b"mcp.example.com:443", True),
        (["mcp.example.com"], b"mcpXexample.com", False),
        (["mcp.example.com"], b"api.mcp.example.com", False),
        (["mcp.example.com"], b"mcp.example.com.evil.com", False),
        (["mcp.example.com"], b"mcp.example.com:443x", False),
        (["mcp.example.com"], b"mcp.example.com\n", False),
        (["mcp.example.com"], b"", False),
        (["127.0.0.1"], b"127.0.0.1:8000", True),
        (["127.0.0.1"], b"127a0a0a1", False),
        (["[::1]"], b"[::1]:8000", True),
        (["[::1]"], b"[::2]", False),
        # a pattern's port is exact; "*" as the port is any port, but a port is then required
        (["localhost:8000"], b"localhost:8000", True),
        (["localhost:8000"], b"localhost", False),
        (["localhost:8000"], b"localhost:80", False),
        (["localhost:*"], b"localhost", False),
        # "*.domain": any subdomain at any depth and port, never the bare domain or a lookalike
        (["*.example.com"], b"a.b.example.com", True),
        (["*.example.com"], b"api.example.com:8443", True),
        (["*.example.com"], b"api.example.com.evil.com", False),
        (["*.example.com"], b"apiexample.com", False),
        (["*.example.com"], b"api.example.org", False),
        # Origin: scheme://host[:port], the scheme exact
        (["http://localhost"], b"http://localhost:3000", True),
        (["http://localhost:3000"], b"http://localhost:3001", False),
        (["http://localhost"], b"localhost", False),
        (["http://localhost"], b"ws://localhost", False),
        (["https://*.example.com"], b"https://app.example.com", True),
        (["https://*.example.com"], b"https://app.example.com:8443", True),
        (["https://*.example.com"], b"http://app.example.com", False),
        (["https://*.example.com"], b"https://evil.com/.example.com", False),
        (["https://app.example.com"], b"https://app.example.com/path", False),
        (["null"], b"null", True),
        # case never matters, neither in the pattern nor in the value
        (["HTTPS://App.Example.COM"], b"https://app.example.com", True),
        (["app.example.com"], b"APP.EXAMPLE.COM:80", True),
        # any one pattern is enough; "*" is anything, even empty
        (["a.example.com", "b.example.com"], b"b.example.com", True),
        (["a.example.com", "b.example.com"], b"c.example.com", False),
        (["*"], b"", True),
        (["*"], b"https://x.example/y", True),
        (["localhost", "*"], b"evil.com", True),
    ],
)
def test_more_patterns(patterns: list[str], value: bytes, allowed: bool) -> None:
    assert AllowList(patterns).allows(value) is allowed


def test_the_default_host_and_origin_lists_allow_loopback_only() -> None:
    settings = Settings()
    hosts, origins = AllowList(settings.http_allowed_hosts), AllowList(settings.http_allowed_origins)
    assert [hosts.allows(v) for v in (b"localhost:8000", b"127.0.0.1", b"[::1]:1", b"example.com")] == [
        True,
        True,
        True,
        False,
    ]
    assert [origins.allows(v) for v in (b"http://localhost:5173", b"https://[::1]", b"https://evil.com")] == [
        True,
        True,
        False,
    ]


def test_a_verdict_is_the_same_from_the_cache() -> None:
    allow = AllowList(["localhost"])
    assert [allow.allows(b"localhost"), allow.allows(b"evil.com")] == [True, False]
    assert allow._cache == {b"localhost": True, b"evil.com": False}
    assert [allow.allows(b"localhost"), allow.allows(b"evil.com")] == [True, False]


def test_values_up_to_256_bytes_are_cached_and_longer_ones_judged_each_time() -> None:
    allow = AllowList(["*"])
    at_limit, past_limit = b"a" * 256, b"a" * 257
    assert allow.allows(at_limit) and allow.allows(past_limit)
    assert list(allow._cache) == [at_limit]


def test_a_full_cache_keeps_its_entries_and_still_judges_new_values() -> None:
    allow = AllowList(["*.example.com"])
    for n in range(1024):
        allow.allows(f"evil-{n}.com".encode())
    first = dict(allow._cache)
    assert len(first) == 1024 and not any(first.values())
    assert allow.allows(b"api.example.com") is True
    assert allow.allows(b"evil-5000.com") is False
    assert allow._cache == first, "a full cache is neither grown nor churned"
