"""Which protocol versions the server speaks, and what ``initialize`` answers."""

from __future__ import annotations

import pytest

from app.protocol.versions import (
    DEFAULT_LEGACY_VERSION,
    LATEST_LEGACY_VERSION,
    LEGACY_VERSIONS,
    MODERN_VERSION,
    SUPPORTED_VERSIONS,
    Era,
    at_least,
    negotiate_legacy,
)


def test_the_versions() -> None:
    assert MODERN_VERSION == "2026-07-28"
    assert (LATEST_LEGACY_VERSION, DEFAULT_LEGACY_VERSION) == ("2025-11-25", "2025-03-26")
    assert SUPPORTED_VERSIONS == ("2026-07-28", "2025-11-25", "2025-06-18", "2025-03-26")
    assert frozenset(SUPPORTED_VERSIONS) - LEGACY_VERSIONS == {MODERN_VERSION}
    assert (max(LEGACY_VERSIONS), min(LEGACY_VERSIONS)) == (LATEST_LEGACY_VERSION, DEFAULT_LEGACY_VERSION)


def test_the_eras() -> None:
    assert [era.value for era in Era] == ["legacy", "modern"]


@pytest.mark.parametrize(
    ("requested", "answered"),
    [
        ("2025-03-26", "2025-03-26"),
        ("2025-06-18", "2025-06-18"),
        ("2025-11-25", "2025-11-25"),
        ("2026-07-28", "2025-11-25"),  # initialize never offers the modern era
        ("2024-11-05", "2025-11-25"),
        ("2099-01-01", "2025-11-25"),
        ("", "2025-11-25"),
        (None, "2025-11-25"),
        (20250326, "2025-11-25"),
        (["2025-06-18"], "2025-11-25"),
    ],
)
def test_negotiate_legacy(requested: object, answered: str) -> None:
    assert negotiate_legacy(requested) == answered


@pytest.mark.parametrize(
    ("version", "minimum", "expected"),
    [
        ("2025-06-18", "2025-06-18", True),
        ("2025-11-25", "2025-06-18", True),
        ("2025-03-26", "2025-06-18", False),
        ("2026-07-28", "2025-11-25", True),
    ],
)
def test_at_least(version: str, minimum: str, expected: bool) -> None:
    assert at_least(version, minimum) is expected
