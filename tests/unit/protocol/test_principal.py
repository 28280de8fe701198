"""Who is calling: a stable owner key per issuer and subject, and the bearer challenge."""

from __future__ import annotations

import dataclasses

import pytest

from app.protocol.principal import ANONYMOUS, Principal, bearer_challenge


def test_the_key_depends_on_issuer_and_subject_only() -> None:
    alice = Principal("alice", issuer="https://a")
    assert len(alice.key) == 32 and int(alice.key, 16) >= 0
    assert Principal("alice", issuer="https://a", client_id="c", scopes=frozenset({"x"})).key == alice.key
    assert Principal("alice", issuer="https://b").key != alice.key
    assert Principal("bob", issuer="https://a").key != alice.key
    assert Principal("alice").key != alice.key


def test_the_key_cannot_be_forged_by_moving_the_separator() -> None:
    assert Principal("b", issuer="a").key != Principal("", issuer="ab").key


def test_anonymous() -> None:
    assert (ANONYMOUS.subject, ANONYMOUS.issuer, ANONYMOUS.scopes, dict(ANONYMOUS.claims)) == (
        "anonymous",
        None,
        frozenset(),
        {},
    )


def test_a_principal_is_frozen() -> None:
    with pytest.raises(dataclasses.FrozenInstanceError):
        ANONYMOUS.subject = "root"  # type: ignore[misc]


@pytest.mark.parametrize(
    ("url", "error", "scopes", "header"),
    [
        (None, None, (), b"Bearer"),
        (
            "https://m/.well-known/oauth-protected-resource",
            None,
            (),
            b'Bearer resource_metadata="https://m/.well-known/oauth-protected-resource"',
        ),
        ("https://m/meta", "invalid_token", (), b'Bearer error="invalid_token", resource_metadata="https://m/meta"'),
        (
            "https://m/meta",
            "insufficient_scope",
            ["write", "read"],
            b'Bearer error="insufficient_scope", scope="read write", resource_metadata="https://m/meta"',
        ),
        (None, None, ["read"], b'Bearer scope="read"'),
    ],
)
def test_bearer_challenge(url: str | None, error: str | None, scopes: list[str], header: bytes) -> None:
    assert bearer_challenge(url, error=error, scopes=scopes) == header
