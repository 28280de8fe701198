"""The tasks extension (``io.modelcontextprotocol/tasks``, 2026-07-28) as the engine sees it.

A tool registered with ``task=True`` may be answered with a task handle (``resultType: "task"``)
that the client polls with ``tasks/get``, answers with ``tasks/update`` and stops with
``tasks/cancel``, on any replica. The server decides per request: only a client that declared the
extension on that request gets a handle, and only while this worker has room for another task;
anyone else gets the result inline, as from any tool. Where tasks live and run is the transport's
business (:class:`app.transport.tasks.Tasks`); the engine needs only :class:`TaskHost`.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Any, Protocol

from app.protocol.context import Context
from app.protocol.errors import InvalidParams, MissingCapability
from app.protocol.listen import TASK_STATUS

EXTENSION = "io.modelcontextprotocol/tasks"
STATUS_NOTIFICATION = TASK_STATUS
"""Sent on ``subscriptions/listen`` streams that named the task in ``taskIds``: the whole task, as
``tasks/get`` would answer it then."""
MAX_TASK_ID_LENGTH = 64

Work = Callable[[Context], Awaitable[dict[str, Any]]]
"""A tool call to run as a task, given the task's own context."""


class TaskNotFound(InvalidParams):
    """Unknown, expired, or another caller's: all look the same, so task ids leak nothing."""


def declared(ctx: Context) -> bool:
    """Whether the client declared the extension on this request (``_meta`` client capabilities)."""
    extensions = ctx.client_capabilities.get("extensions")
    return isinstance(extensions, dict) and isinstance(extensions.get(EXTENSION), dict)


def require_extension(ctx: Context) -> None:
    if not declared(ctx):
        raise MissingCapability(
            f"This request needs the {EXTENSION} extension",
            {"requiredCapabilities": {"extensions": {EXTENSION: {}}}},
        )


def task_id_of(params: dict[str, Any]) -> str:
    task_id = params.get("taskId")
    if not isinstance(task_id, str) or not 0 < len(task_id) <= MAX_TASK_ID_LENGTH:
        raise InvalidParams("params.taskId must be the taskId of a task this server created")
    return task_id


class TaskHost(Protocol):
    def offered(self, ctx: Context) -> bool:
        """Whether this request may become a task (the client declared the extension, there is room)."""

    async def start(self, work: Work, ctx: Context, time_limit: float | None) -> dict[str, Any]:
        """Store the task, start ``work`` in the background and return the ``CreateTaskResult``."""

    async def get(self, task_id: str, ctx: Context) -> dict[str, Any]:
        """The task as ``tasks/get`` answers it (raises :class:`TaskNotFound`)."""

    async def update(self, task_id: str, responses: dict[str, Any], ctx: Context) -> None:
        """Hand the client's answers to the task's open questions; unknown keys are ignored."""

    async def cancel(self, task_id: str, ctx: Context) -> None:
        """Ask the worker running the task to stop it (eventually ``cancelled``)."""
