"""The Host/Origin allow-lists: patterns, ports, wildcards, and a cache that cannot grow without end."""

from __future__ import annotations

import pytest

from app.security import AllowList


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
