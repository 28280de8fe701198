"""The ``Context`` a tool, prompt or resource function may ask for, and the request facts it carries.

A function gets one by declaring a parameter annotated ``Context``; it never shows in the schema.
Progress and log messages go to whoever answers the request (an SSE stream, stdio) through one
``emit`` callable chosen by the transport; when nothing can carry them (a JSON-only reply) they are
dropped, so a tool never has to ask. Questions to the client go through a :class:`ClientChannel`.
"""

from __future__ import annotations

import copy
from collections.abc import Awaitable, Callable
from contextlib import AbstractContextManager
from typing import Any, Literal, Protocol

from app.protocol.channel import ClientChannel, NoAnswer
from app.protocol.errors import ToolError
from app.protocol.listen import Announcements
from app.protocol.messages import notification
from app.protocol.principal import ANONYMOUS, Principal
from app.protocol.versions import Era

JSONObject = dict[str, Any]
Emit = Callable[[JSONObject], Awaitable[None]]
"""Sends one JSON-RPC message (a notification, a server-to-client request) to the client of this request."""


class Trace(Protocol):
    """The request's span, as the protocol layer sees it (:mod:`app.telemetry` records it)."""

    sampled: bool

    def add_event(self, name: str, attributes: dict[str, Any]) -> None: ...

    def child(self, name: str, attributes: dict[str, Any]) -> Trace: ...

    def activate(self) -> AbstractContextManager[None]:
        """Make this span the OpenTelemetry API's current one, so the author's own spans nest under it."""
        ...

    def fail(self, error_type: str, message: str) -> None: ...

    def end(self) -> None: ...


LogLevel = Literal["debug", "info", "notice", "warning", "error", "critical", "alert", "emergency"]
LOG_LEVELS: dict[str, int] = {
    name: rank
    for rank, name in enumerate(("debug", "info", "notice", "warning", "error", "critical", "alert", "emergency"))
}


class Context(Announcements):
    """One request as a tool sees it: who asked, in which protocol, and a way to talk back."""

    __slots__ = (
        "_announcer",
        "_channel",
        "_emit",
        "_log_threshold",
        "client_capabilities",
        "deadline",
        "era",
        "meta",
        "method",
        "principal",
        "progress_token",
        "protocol_version",
        "request_id",
        "span",
        "timed_out",
    )

    def __init__(
        self,
        *,
        request_id: str | int,
        method: str,
        era: Era,
        protocol_version: str,
        meta: dict[str, Any],
        client_capabilities: dict[str, Any],
        progress_token: str | int | float | None,
        log_level: str | None,
        emit: Emit | None,
        channel: ClientChannel | None,
        principal: Principal = ANONYMOUS,
        announcer: Announcements | None = None,
    ) -> None:
        self.request_id = request_id
        self.method = method
        self.era = era
        self.protocol_version = protocol_version
        self.meta = meta
        """The request's ``params._meta``: progress token, trace context, client metadata."""
        self.client_capabilities = client_capabilities
        """Declared per request in 2026-07-28; unknown (empty) for stateless handshake-era requests."""
        self.progress_token = progress_token
        self.principal = principal
        """Who is calling: the verified token's subject, client and scopes (``ANONYMOUS`` without auth)."""
        self.deadline: float | None = None
        """While the author's function runs: when its time limit passes (``time.monotonic()``)."""
        self.timed_out = False
        """Set by whoever cancels the call because its deadline passed."""
        self.span: Trace | None = None
        """The request's span while telemetry is on; progress and log notifications become its events."""
        self._log_threshold = LOG_LEVELS[log_level] if log_level is not None else None
        self._emit = emit
        self._channel = channel
        self._announcer = announcer

    async def _announce(self, method: str, uri: str | None = None) -> None:
        if self._announcer is not None:
            await self._announcer._announce(method, uri)

    def for_task(self, channel: ClientChannel) -> Context:
        """This request's context for its work running on as a task: the same caller and facts, no
        stream (the reply has ended), and questions through ``channel`` (``tasks/update`` answers)."""
        task_ctx = copy.copy(self)
        task_ctx.progress_token = task_ctx._log_threshold = task_ctx._emit = task_ctx.span = None
        task_ctx._channel = channel
        return task_ctx

    @property
    def can_stream(self) -> bool:
        """Whether notifications reach the client (an SSE reply, stdio), not only the final result."""
        return self._emit is not None

    def use_channel(self, channel: ClientChannel) -> None:
        """Questions to the client go through ``channel`` (2026-07-28: the retry's answers)."""
        self._channel = channel

    async def report_progress(self, progress: float, total: float | None = None, message: str | None = None) -> None:
        """Send ``notifications/progress``; a no-op unless the client sent a ``progressToken``."""
        if self.progress_token is None or self._emit is None:
            return
        params: dict[str, Any] = {"progressToken": self.progress_token, "progress": progress}
        if total is not None:
            params["total"] = total
        if message is not None:
            params["message"] = message
        if self.span is not None:
            self.span.add_event("notifications/progress", {"mcp.progress": progress})
        await self._emit(notification("notifications/progress", params))

    async def log(self, level: LogLevel, data: Any, *, logger: str | None = None) -> None:
        """Send ``notifications/message`` when ``level`` is at or above the level the client asked for."""
        threshold = self._log_threshold
        if threshold is None or self._emit is None or LOG_LEVELS[level] < threshold:
            return
        params: dict[str, Any] = {"level": level, "data": data}
        if logger is not None:
            params["logger"] = logger
        if self.span is not None:
            self.span.add_event("notifications/message", {"mcp.log.level": level})
        await self._emit(notification("notifications/message", params))

    async def notify(self, method: str, params: dict[str, Any]) -> None:
        """Send any notification about this request; dropped when the reply cannot stream."""
        if self._emit is not None:
            await self._emit(notification(method, params))

    async def request(self, method: str, params: dict[str, Any]) -> dict[str, Any]:
        """Ask the client something (``sampling/createMessage``, ``elicitation/create``, ``roots/list``).

        Works for handshake-era clients whose reply can stream: the request goes out on this call's
        SSE stream and the answer comes back through the event store, on whichever worker it lands.
        Returns the client's result; a request the client refuses or never answers raises ``ToolError``.
        """
        if self._channel is None:
            raise ToolError(f"This request cannot carry {method}: the client accepts JSON replies only")
        try:
            answer = await self._channel.request(method, params)
        except NoAnswer as exc:
            raise ToolError(f"The client did not answer {method}: {exc.reason}") from None
        error = answer.get("error")
        if error is not None:
            reason = error.get("message") if isinstance(error, dict) else error
            raise ToolError(f"The client refused {method}: {reason}")
        result = answer.get("result")
        return result if isinstance(result, dict) else {}

    async def sample(
        self,
        messages: str | list[dict[str, Any]],
        *,
        max_tokens: int,
        system_prompt: str | None = None,
        temperature: float | None = None,
        **extra: Any,
    ) -> dict[str, Any]:
        """Ask the client's model for a completion; returns the ``CreateMessageResult``."""
        if isinstance(messages, str):
            messages = [{"role": "user", "content": {"type": "text", "text": messages}}]
        params: dict[str, Any] = {"messages": messages, "maxTokens": max_tokens, **extra}
        if system_prompt is not None:
            params["systemPrompt"] = system_prompt
        if temperature is not None:
            params["temperature"] = temperature
        return await self.request("sampling/createMessage", params)

    async def elicit(self, message: str, requested_schema: dict[str, Any]) -> dict[str, Any]:
        """Ask the user for structured input through the client; returns the ``ElicitResult``."""
        return await self.request("elicitation/create", {"message": message, "requestedSchema": requested_schema})

    async def debug(self, data: Any, *, logger: str | None = None) -> None:
        await self.log("debug", data, logger=logger)

    async def info(self, data: Any, *, logger: str | None = None) -> None:
        await self.log("info", data, logger=logger)

    async def warning(self, data: Any, *, logger: str | None = None) -> None:
        await self.log("warning", data, logger=logger)

    async def error(self, data: Any, *, logger: str | None = None) -> None:
        await self.log("error", data, logger=logger)
