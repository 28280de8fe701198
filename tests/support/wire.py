"""Does a message our server sent match the official schema of its protocol era?

The judge is the ``mcp-types`` package: its ``_v2025_11_25`` and ``_v2026_07_28`` modules are
generated from each revision's ``schema.json``, so a message that validates here is what the spec
says, not what our own code thinks it says. Handshake-era versions (2025-03-26, 2025-06-18,
2025-11-25) are all checked against the 2025-11-25 schema: later revisions only added optional
fields. On top of the schema, a few MUSTs the schema cannot express are checked (named below).

::

    validate_server_message(version, method, message)   # any message the server sent about `method`
    ├── validate_response(...)        result (per-method model) or JSON-RPC error
    ├── validate_notification(...)    notifications/progress, notifications/message, ...
    └── validate_server_request(...)  sampling/createMessage, elicitation/create (handshake era only)
"""

from __future__ import annotations

import json
from types import ModuleType
from typing import Any

import mcp_types._v2025_11_25 as legacy_schema
import mcp_types._v2026_07_28 as modern_schema
import pydantic

from tests.support import task_wire

__all__ = [
    "LEGACY_VERSIONS",
    "MODERN_VERSION",
    "WireViolation",
    "schema_for",
    "validate_notification",
    "validate_response",
    "validate_server_message",
    "validate_server_request",
]

MODERN_VERSION = "2026-07-28"
LEGACY_VERSIONS = frozenset({"2025-03-26", "2025-06-18", "2025-11-25"})

_RESULTS_BOTH: dict[str, str] = {
    "tools/list": "ListToolsResult",
    "tools/call": "CallToolResult",
    "resources/list": "ListResourcesResult",
    "resources/templates/list": "ListResourceTemplatesResult",
    "resources/read": "ReadResourceResult",
    "prompts/list": "ListPromptsResult",
    "prompts/get": "GetPromptResult",
    "completion/complete": "CompleteResult",
}
_RESULTS: dict[ModuleType, dict[str, str]] = {
    legacy_schema: {
        **_RESULTS_BOTH,
        "initialize": "InitializeResult",
        "ping": "EmptyResult",
        "logging/setLevel": "EmptyResult",
        "resources/subscribe": "EmptyResult",
        "resources/unsubscribe": "EmptyResult",
    },
    modern_schema: {
        **_RESULTS_BOTH,
        "server/discover": "DiscoverResult",
        "subscriptions/listen": "SubscriptionsListenResult",
    },
}
_EMPTY_RESULT_METHODS = frozenset({"ping", "logging/setLevel", "resources/subscribe", "resources/unsubscribe"})
"""``EmptyResult`` allows extra keys in the schema, but the spec (and the conformance suite) want ``{}``."""
_INPUT_REQUIRED_METHODS = frozenset({"tools/call", "prompts/get", "resources/read"})
"""2026-07-28 methods that may answer ``resultType: "input_required"`` (MRTR)."""
_RESULT_TYPES = frozenset({"complete", "input_required"})

_NOTIFICATIONS_BOTH: dict[str, str] = {
    "notifications/progress": "ProgressNotification",
    "notifications/message": "LoggingMessageNotification",
    "notifications/cancelled": "CancelledNotification",
    "notifications/resources/updated": "ResourceUpdatedNotification",
    "notifications/resources/list_changed": "ResourceListChangedNotification",
    "notifications/tools/list_changed": "ToolListChangedNotification",
    "notifications/prompts/list_changed": "PromptListChangedNotification",
}
_NOTIFICATIONS: dict[ModuleType, dict[str, str]] = {
    legacy_schema: {
        **_NOTIFICATIONS_BOTH,
        "notifications/tasks/status": "TaskStatusNotification",
        "notifications/elicitation/complete": "ElicitationCompleteNotification",
    },
    modern_schema: {
        **_NOTIFICATIONS_BOTH,
        "notifications/subscriptions/acknowledged": "SubscriptionsAcknowledgedNotification",
    },
}
_SERVER_REQUESTS: dict[ModuleType, dict[str, str]] = {
    legacy_schema: {
        "sampling/createMessage": "CreateMessageRequest",
        "elicitation/create": "ElicitRequest",
        "roots/list": "ListRootsRequest",
        "ping": "PingRequest",
    },
    # 2026-07-28 has no server-to-client requests on the wire: they travel inside an
    # InputRequiredResult (MRTR) instead.
    modern_schema: {},
}
_MODERN_ERRORS: dict[int, str] = {
    -32020: "HeaderMismatchError",
    -32021: "MissingRequiredClientCapabilityError",
    -32022: "UnsupportedProtocolVersionError",
}
"""Error codes whose whole response has its own model (with a typed ``data``) in 2026-07-28."""
_LEGACY_ONLY_ERROR_CODES = frozenset({-32002, -32042})
"""Resource-not-found and URL-elicitation-required: 2026-07-28 servers MUST NOT send -32002."""


class WireViolation(AssertionError):
    """A message the server sent does not match its era's official schema."""


def schema_for(version: str) -> ModuleType:
    """The generated ``mcp-types`` module that describes ``version``."""
    if version == MODERN_VERSION:
        return modern_schema
    if version in LEGACY_VERSIONS:
        return legacy_schema
    raise ValueError(f"no official schema for protocol version {version!r}")


def _show(message: Any) -> str:
    text = json.dumps(message, default=str)
    return text if len(text) <= 2000 else text[:2000] + "...(truncated)"


def _check(version: str, model_name: str, payload: Any, what: str, message: Any) -> pydantic.BaseModel:
    model: type[pydantic.BaseModel] = getattr(schema_for(version), model_name)
    try:
        return model.model_validate(payload)
    except pydantic.ValidationError as exc:
        raise WireViolation(
            f"{what} is not a valid {version} {model_name}:\n{exc}\nmessage: {_show(message)}"
        ) from None


def _fail(version: str, what: str, problem: str, message: Any) -> WireViolation:
    return WireViolation(f"{what} ({version}): {problem}\nmessage: {_show(message)}")


def validate_response(version: str, method: str, message: Any) -> pydantic.BaseModel:
    """Check a JSON-RPC response (result or error) to a request for ``method``; returns the parsed result or error."""
    schema = schema_for(version)
    what = f"response to {method}"
    if not isinstance(message, dict):
        raise _fail(version, what, "a response must be one JSON object", message)
    if "error" in message:
        return _validate_error(version, what, message)
    _check(version, "JSONRPCResultResponse", message, what, message)
    result = message["result"]
    if schema is modern_schema and (method in task_wire.TASK_RESULTS or result.get("resultType") == "task"):
        return _validate_task_result(method, result, message)
    model_name = _RESULTS[schema].get(method)
    if model_name is None:
        raise _fail(version, what, f"{method} has no result in this era, yet the server answered with one", message)
    if schema is modern_schema:
        result_type = result.get("resultType")
        if result_type not in _RESULT_TYPES:
            raise _fail(
                version, what, f"resultType must be 'complete' or 'input_required', got {result_type!r}", message
            )
        if result_type == "input_required":
            if method not in _INPUT_REQUIRED_METHODS:
                raise _fail(version, what, f"{method} cannot answer input_required", message)
            model_name = "InputRequiredResult"
    elif method in _EMPTY_RESULT_METHODS and set(result) - {"_meta"}:
        raise _fail(version, what, "an EmptyResult must be {} (only _meta allowed)", message)
    return _check(version, model_name, result, what, message)


def _validate_task_result(method: str, result: Any, message: Any) -> pydantic.BaseModel:
    """The tasks extension's results: a task handle for ``tools/call``, and its three methods' results."""
    model = task_wire.TASK_RESULTS.get(method) or (task_wire.CreateTaskResult if method == "tools/call" else None)
    what = f"response to {method}"
    if model is None:
        raise _fail(MODERN_VERSION, what, f"{method} cannot answer with a task", message)
    try:
        return model.model_validate(result)
    except pydantic.ValidationError as exc:
        raise WireViolation(f"{what} is not a valid {model.__name__}:\n{exc}\nmessage: {_show(message)}") from None


def _validate_error(version: str, what: str, message: dict[str, Any]) -> pydantic.BaseModel:
    schema = schema_for(version)
    if "result" in message:
        raise _fail(version, what, "a response has either result or error, not both", message)
    parsed = _check(version, "JSONRPCErrorResponse", message, what, message)
    code = message["error"]["code"]
    if schema is modern_schema and code in _LEGACY_ONLY_ERROR_CODES:
        raise _fail(version, what, f"error code {code} does not exist in 2026-07-28 (use -32602)", message)
    if code in _MODERN_ERRORS:
        # These codes are defined by 2026-07-28 only; whichever era a request was read as, the
        # server must send them in that revision's shape.
        _check(MODERN_VERSION, _MODERN_ERRORS[code], message, what, message)
    return parsed


def validate_notification(version: str, message: Any) -> pydantic.BaseModel:
    """Check a server-to-client notification."""
    schema = schema_for(version)
    method = message.get("method") if isinstance(message, dict) else None
    what = f"notification {method}"
    if schema is modern_schema and method == "notifications/tasks":
        try:
            return task_wire.TaskStatusNotification.model_validate(message)
        except pydantic.ValidationError as exc:
            raise WireViolation(f"{what} is not a valid task status:\n{exc}\nmessage: {_show(message)}") from None
    model_name = _NOTIFICATIONS[schema].get(str(method))
    if model_name is None:
        raise _fail(version, what, "not a server notification of this era", message)
    if "id" in message:
        raise _fail(version, what, "a notification must not carry an id", message)
    return _check(version, model_name, message, what, message)


def validate_server_request(version: str, message: Any) -> pydantic.BaseModel:
    """Check a server-to-client request (sampling, elicitation, roots, ping)."""
    schema = schema_for(version)
    method = message.get("method") if isinstance(message, dict) else None
    what = f"server-to-client request {method}"
    model_name = _SERVER_REQUESTS[schema].get(str(method))
    if model_name is None:
        raise _fail(version, what, "not a server-to-client request of this era", message)
    return _check(version, model_name, message, what, message)


def validate_server_message(version: str, method: str, message: Any) -> pydantic.BaseModel:
    """Check any message the server sent while answering a request for ``method``."""
    if isinstance(message, dict) and "method" in message:
        if "id" in message:
            return validate_server_request(version, message)
        return validate_notification(version, message)
    return validate_response(version, method, message)
