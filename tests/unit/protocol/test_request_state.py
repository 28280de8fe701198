"""Sealing ``requestState``: what opens, what does not, and key rotation."""

from __future__ import annotations

import base64
import time

import pytest

from app.protocol.request_state import StateRefused, StateSealer, decode_key, params_digest

KEY_A, KEY_B = b"a" * 32, b"b" * 32
BINDING = params_digest("tools/call", {"name": "t", "arguments": {"x": 1}}) + b"caller-1"


def test_a_state_opens_with_its_binding_and_carries_its_payload() -> None:
    sealer = StateSealer([KEY_A], ttl_seconds=60)
    state = sealer.seal({"answers": {"q1": {"action": "accept"}}}, BINDING)
    assert "answers" not in state and "accept" not in state  # encrypted, not only signed
    assert sealer.open(state, BINDING)["answers"] == {"q1": {"action": "accept"}}


@pytest.mark.parametrize(
    "other",
    [
        params_digest("tools/call", {"name": "t", "arguments": {"x": 2}}) + b"caller-1",  # another call
        params_digest("prompts/get", {"name": "t", "arguments": {"x": 1}}) + b"caller-1",  # another method
        BINDING[:-1] + b"2",  # another caller
    ],
)
def test_a_state_does_not_open_for_another_call_or_caller(other: bytes) -> None:
    sealer = StateSealer([KEY_A], ttl_seconds=60)
    with pytest.raises(StateRefused, match="does not belong to this request"):
        sealer.open(sealer.seal({}, BINDING), other)


def test_the_retry_fields_and_meta_are_not_part_of_the_binding() -> None:
    first = {"name": "t", "arguments": {"x": 1}, "_meta": {"a": 1}}
    retry = {"name": "t", "arguments": {"x": 1}, "_meta": {"b": 2}, "inputResponses": {}, "requestState": "s"}
    assert params_digest("tools/call", first) == params_digest("tools/call", retry)


def test_a_tampered_state_is_refused() -> None:
    sealer = StateSealer([KEY_A], ttl_seconds=60)
    raw = bytearray(base64.urlsafe_b64decode(sealer.seal({"answers": {}}, BINDING) + "=="))
    raw[-1] ^= 1
    tampered = base64.urlsafe_b64encode(bytes(raw)).rstrip(b"=").decode()
    with pytest.raises(StateRefused, match="does not belong"):
        sealer.open(tampered, BINDING)
    for garbage in ("", "not base64!", 42, "A" * 10):
        with pytest.raises(StateRefused):
            sealer.open(garbage, BINDING)


def test_an_expired_state_is_refused(monkeypatch: pytest.MonkeyPatch) -> None:
    sealer = StateSealer([KEY_A], ttl_seconds=60)
    state = sealer.seal({}, BINDING)
    later = time.time() + 61
    monkeypatch.setattr(time, "time", lambda: later)
    with pytest.raises(StateRefused, match="expired"):
        sealer.open(state, BINDING)


def test_rotation_prepend_the_new_key_then_drop_the_old() -> None:
    old = StateSealer([KEY_A], ttl_seconds=60).seal({"n": 1}, BINDING)
    rotating = StateSealer([KEY_B, KEY_A], ttl_seconds=60)
    assert rotating.open(old, BINDING)["n"] == 1  # the old key still opens
    new = rotating.seal({"n": 2}, BINDING)
    assert StateSealer([KEY_B], ttl_seconds=60).open(new, BINDING)["n"] == 2  # sealed by the new key
    with pytest.raises(StateRefused, match="no key this server has"):
        StateSealer([KEY_B], ttl_seconds=60).open(old, BINDING)


def test_keys_are_hex_or_base64_of_32_bytes_at_least() -> None:
    assert decode_key("ab" * 32) == bytes.fromhex("ab" * 32)
    assert decode_key(base64.b64encode(b"k" * 40).decode()) == b"k" * 40
    assert decode_key(base64.urlsafe_b64encode(b"\xff" * 32).decode().rstrip("=")) == b"\xff" * 32
    for short in ("ab" * 16, base64.b64encode(b"k" * 31).decode(), "short"):
        with pytest.raises(ValueError, match="at least 32 random bytes"):
            decode_key(short)
