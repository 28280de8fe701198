"""The handshake era's client channel: a server-to-client request goes out on the call's own SSE
stream, and the client's answer, a separate POST that may land on any worker, comes back through
the event store.
"""

from __future__ import annotations

import logging
import secrets
from collections.abc import Awaitable, Callable
from typing import Any

from app.events.store import EventStore, ReplyTimeout, StoreError
from app.protocol.channel import NoAnswer
from app.protocol.errors import Unavailable
from app.protocol.messages import JSONRPC
from app.transport.reply import Reply

logger = logging.getLogger("app.transport")


class BackChannel:
    """Implements :class:`app.protocol.channel.ClientChannel` for one streaming reply."""

    __slots__ = ("caller", "reply", "store", "timeout")

    def __init__(self, reply: Reply, store: EventStore, timeout: float, caller: str) -> None:
        self.caller = caller
        """Only this caller may answer (a token of its own, on whichever worker)."""
        self.reply = reply
        self.store = store
        self.timeout = timeout

    async def request(self, method: str, params: dict[str, Any]) -> dict[str, Any]:
        request_id = f"s-{secrets.token_hex(16)}"
        message = {"jsonrpc": JSONRPC, "id": request_id, "method": method, "params": params}
        return await ask(self.store, request_id, self.timeout, self.caller, lambda: self.reply.emit(message))


async def ask(
    store: EventStore, answer_id: str, timeout: float, caller: str, send: Callable[[], Awaitable[None]]
) -> dict[str, Any]:
    """Wait for a client's answer to a question ``send`` puts to it (on a stream, in a task's state):
    announced before it goes out, so an answer that comes at once is not lost; ``caller``'s answer
    only, from whichever worker receives it."""
    try:
        await store.expect_reply(answer_id, timeout, caller)
        await send()
        return await store.wait_for_reply(answer_id, timeout)
    except ReplyTimeout:
        raise NoAnswer(f"no answer within {timeout:g} s") from None
    except StoreError as exc:
        logger.warning("cannot wait for the client's answer %s: %s", answer_id, exc)
        raise Unavailable("Cannot reach the client now: the event store is temporarily unavailable") from exc


class UnreachableChannel:
    """Where answers cannot reach the waiting call (several workers, each with its own in-memory
    store): asking fails at once with the fix, instead of waiting out the timeout."""

    __slots__ = ()

    async def request(self, method: str, params: dict[str, Any]) -> dict[str, Any]:
        raise NoAnswer(
            "several workers share no event store, so the answer could reach another worker; "
            "set FASTMCP_EVENT_STORE=redis"
        )


UNREACHABLE = UnreachableChannel()


async def deliver(store: EventStore, message: dict[str, Any], caller: str) -> bool:
    """Hand a client's answer to the call waiting for it, on whichever worker; false if none of
    ``caller``'s calls waits for it."""
    request_id = message.get("id")
    if not isinstance(request_id, str):
        return False
    try:
        return await store.deliver(request_id, message, caller)
    except StoreError as exc:
        logger.warning("cannot deliver the client's answer to %s: %s", request_id, exc)
        raise Unavailable("Cannot deliver the response now: the event store is temporarily unavailable") from None
