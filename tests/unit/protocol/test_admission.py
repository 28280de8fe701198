"""Admission: every envelope field is checked once, with a clean error for each wrong shape."""

from __future__ import annotations

import base64
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from app.protocol.admission import Admitted, RoutingHeaders, admit, decode_header
from app.protocol.errors import HeaderMismatch, InvalidMeta, InvalidRequest, MCPError, UnsupportedProtocolVersion
from app.protocol.messages import Kind
from app.protocol.versions import (
    META_CLIENT_CAPABILITIES,
    META_LOG_LEVEL,
    META_PROTOCOL_VERSION,
    MODERN_VERSION,
    Era,
)

MODERN_META = {META_PROTOCOL_VERSION: MODERN_VERSION, META_CLIENT_CAPABILITIES: {}}


def request(method: str = "tools/list", params: Any = None, **extra: Any) -> dict[str, Any]:
    message: dict[str, Any] = {"jsonrpc": "2.0", "id": 1, "method": method, **extra}
    if params is not None:
        message["params"] = params
    return message


def modern(method: str = "tools/list", name: bytes | None = None, **headers: Any) -> RoutingHeaders:
    return RoutingHeaders(version=MODERN_VERSION.encode(), method=method.encode(), name=name, **headers)


def http(message: Any, routing: RoutingHeaders | None = None) -> Admitted:
    return admit(message, routing or RoutingHeaders(), legacy_version="2025-03-26")


def test_a_headerless_request_is_the_handshake_era_at_the_default_version() -> None:
    admitted = http(request("ping"))
    assert (admitted.kind, admitted.era, admitted.protocol_version) == (Kind.REQUEST, Era.LEGACY, "2025-03-26")
    assert (admitted.request_id, admitted.method, admitted.params, admitted.meta) == (1, "ping", {}, {})
    assert admitted.client_capabilities == {} and admitted.log_level is None


def test_a_legacy_version_header_sets_the_version() -> None:
    admitted = http(request("ping"), RoutingHeaders(version=b"2025-11-25"))
    assert (admitted.era, admitted.protocol_version) == (Era.LEGACY, "2025-11-25")


def test_a_modern_request_carries_its_capabilities_and_log_level() -> None:
    meta = {**MODERN_META, META_CLIENT_CAPABILITIES: {"sampling": {}}, META_LOG_LEVEL: "debug", "progressToken": 5}
    admitted = http(request(params={"_meta": meta}), modern())
    assert (admitted.era, admitted.protocol_version) == (Era.MODERN, MODERN_VERSION)
    assert admitted.client_capabilities == {"sampling": {}}
    assert (admitted.log_level, admitted.progress_token) == ("debug", 5)


@pytest.mark.parametrize(
    ("routing", "meta", "error", "text"),
    [
        (RoutingHeaders(), MODERN_META, HeaderMismatch, "required with per-request _meta"),
        (RoutingHeaders(version=b"2025-11-25"), MODERN_META, HeaderMismatch, "does not match"),
        (modern(repeated=True), MODERN_META, HeaderMismatch, "repeated"),
        (RoutingHeaders(version=b"1999-01-01"), {}, UnsupportedProtocolVersion, "1999-01-01"),
    ],
)
def test_era_conflicts_are_refused(routing: RoutingHeaders, meta: dict[str, Any], error: type, text: str) -> None:
    with pytest.raises(error, match=text):
        http(request(params={"_meta": meta}), routing)


def test_an_unsupported_version_lists_the_supported_ones() -> None:
    with pytest.raises(UnsupportedProtocolVersion) as caught:
        http(request(), RoutingHeaders(version=b"2099-01-01"))
    assert caught.value.data == {
        "supported": [MODERN_VERSION, "2025-11-25", "2025-06-18", "2025-03-26"],
        "requested": "2099-01-01",
    }


@pytest.mark.parametrize("meta", [[], "x", 3, True])
@pytest.mark.parametrize("era", ["legacy", "modern"])
def test_meta_that_is_not_an_object_is_invalid_meta_in_both_eras(meta: Any, era: str) -> None:
    routing = modern() if era == "modern" else RoutingHeaders()
    with pytest.raises(InvalidMeta, match="_meta must be an object"):
        http(request(params={"_meta": meta}), routing)


@pytest.mark.parametrize("token", [True, None, [], {}, "t", 3, 2.5])
def test_progress_tokens_must_be_strings_or_numbers(token: Any) -> None:
    message = request(params={"_meta": {"progressToken": token}})
    if token is None or type(token) in (str, int, float):
        assert http(message).progress_token == token
    else:
        with pytest.raises(InvalidMeta, match="progressToken"):
            http(message)


@pytest.mark.parametrize(
    ("meta", "text"),
    [
        ({META_PROTOCOL_VERSION: MODERN_VERSION}, "must carry"),
        ({**MODERN_META, META_CLIENT_CAPABILITIES: []}, "must carry"),
        ({**MODERN_META, META_LOG_LEVEL: "loud"}, "logLevel"),
        ({**MODERN_META, META_LOG_LEVEL: 3}, "logLevel"),
        ({**MODERN_META, META_LOG_LEVEL: ["debug"]}, "logLevel"),
        ({**MODERN_META, META_PROTOCOL_VERSION: 20260728}, "protocolVersion must be a string"),
    ],
)
def test_modern_meta_fields_of_the_wrong_type_are_invalid_meta(meta: dict[str, Any], text: str) -> None:
    with pytest.raises(InvalidMeta, match=text):
        http(request(params={"_meta": meta}), modern())


@pytest.mark.parametrize(
    ("method", "params", "routing", "text"),
    [
        ("tools/list", {}, RoutingHeaders(version=MODERN_VERSION.encode()), "Mcp-Method"),
        ("tools/list", {}, modern("prompts/list"), "Mcp-Method"),
        ("tools/call", {"name": "echo"}, modern("tools/call"), "Mcp-Name"),
        ("tools/call", {"name": "echo"}, modern("tools/call", b"other"), "Mcp-Name"),
        ("resources/read", {"uri": "a://b"}, modern("resources/read", b"a://c"), "params.uri"),
        ("prompts/get", {"name": "p"}, modern("prompts/get", b"=?base64?!!!?="), "base64"),
    ],
)
def test_modern_routing_headers_must_mirror_the_body(
    method: str, params: dict[str, Any], routing: RoutingHeaders, text: str
) -> None:
    with pytest.raises(HeaderMismatch, match=text):
        http(request(method, {**params, "_meta": MODERN_META}), routing)


def test_mcp_name_may_be_base64_utf8() -> None:
    name = "héllo ☃"
    encoded = b"=?base64?" + base64.b64encode(name.encode()) + b"?="
    assert decode_header(encoded) == name
    admitted = http(request("tools/call", {"name": name, "_meta": MODERN_META}), modern("tools/call", encoded))
    assert admitted.params["name"] == name


def test_modern_notifications_and_responses_skip_the_request_checks() -> None:
    notification = {"jsonrpc": "2.0", "method": "notifications/cancelled", "params": {"_meta": {}}}
    assert http(notification, RoutingHeaders(version=MODERN_VERSION.encode())).kind is Kind.NOTIFICATION
    response = {"jsonrpc": "2.0", "id": "s-1", "result": {}}
    admitted = http(response, RoutingHeaders(version=b"2025-11-25"))
    assert (admitted.kind, admitted.era) == (Kind.RESPONSE, Era.LEGACY)


def test_without_headers_meta_alone_decides_the_era() -> None:
    legacy = admit(request("ping"), None, legacy_version="2025-06-18")
    assert (legacy.era, legacy.protocol_version) == (Era.LEGACY, "2025-06-18")
    current = admit(request(params={"_meta": MODERN_META}), None, legacy_version="2025-06-18")
    assert current.era is Era.MODERN
    with pytest.raises(UnsupportedProtocolVersion):
        admit(request(params={"_meta": {META_PROTOCOL_VERSION: "2030-01-01"}}), None, legacy_version="2025-06-18")
    with pytest.raises(InvalidMeta, match="must carry"):
        admit(request(params={"_meta": {META_PROTOCOL_VERSION: MODERN_VERSION}}), None, legacy_version="2025-06-18")


@pytest.mark.parametrize(
    "message",
    [[], [request()], "x", {"jsonrpc": "1.0", "id": 1, "method": "a"}, request(params=[1]), request(id=None)],
)
def test_envelopes_that_are_not_one_request_are_invalid_requests(message: Any) -> None:
    with pytest.raises(InvalidRequest):
        http(message)


_JSON = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | st.text(max_size=5),
    lambda inner: st.lists(inner, max_size=3) | st.dictionaries(st.text(max_size=5), inner, max_size=3),
    max_leaves=8,
)
_META_KEYS = st.sampled_from(
    ["progressToken", META_PROTOCOL_VERSION, META_CLIENT_CAPABILITIES, META_LOG_LEVEL, "traceparent", "x"]
)


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])
@given(
    meta=st.one_of(_JSON, st.dictionaries(_META_KEYS, _JSON, max_size=4)),
    version=st.sampled_from([None, b"2025-11-25", MODERN_VERSION.encode(), b"junk"]),
    method=st.sampled_from(["tools/call", "tools/list", "ping"]),
)
def test_any_meta_shape_is_admitted_or_refused_cleanly_with_an_era_free_status(
    meta: Any, version: bytes | None, method: str
) -> None:
    routing = RoutingHeaders(version=version, method=method.encode(), name=b"echo")
    try:
        admitted = http(request(method, {"name": "echo", "_meta": meta}), routing)
    except MCPError as error:
        refused = error
    else:
        refused = None
    if refused is not None:
        assert refused.status(Era.LEGACY) == refused.status(Era.MODERN) == 400
        assert refused.code_for(Era.LEGACY) == refused.code_for(Era.MODERN)
        return
    assert type(admitted.meta) is dict
    assert type(admitted.client_capabilities) is dict
    assert admitted.progress_token is None or type(admitted.progress_token) in (str, int, float)
