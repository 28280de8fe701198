"""The client channel: how a running call asks its client something (sampling, elicitation, roots).

``Context.request`` is written against this interface alone and gives the outcome its protocol
meaning (an unanswered or refused request is a ``ToolError`` the model can read). Transports
implement it: the handshake era's back-channel sends the request on the call's SSE stream and
receives the answer through the event store; 2026-07-28 will answer with ``input_required``
instead.
"""

from __future__ import annotations

from typing import Any, Protocol


class NoAnswer(Exception):
    """The client did not answer in time, or its answer can no longer reach the waiting call."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


class ClientChannel(Protocol):
    async def request(self, method: str, params: dict[str, Any]) -> dict[str, Any]:
        """Send ``method`` to the client and return its JSON-RPC response message (``result`` or
        ``error``). Raises :class:`NoAnswer`, or :class:`app.protocol.errors.Unavailable` when the
        way back is down."""
        ...
