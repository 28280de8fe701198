"""Where tasks (the ``io.modelcontextprotocol/tasks`` extension) keep their state, so any worker can
answer ``tasks/get``, ``tasks/update`` and ``tasks/cancel``: the same backend as the event store.

A task is one JSON object, the view ``tasks/get`` returns, stored with the caller it belongs to and
the worker running it. A view in a terminal status is never replaced: a task ends exactly once,
whichever of its worker, a cancellation or an orphan check gets there first. Records expire with
the task's TTL. ``memory`` keeps them in this process (one worker); ``redis`` in the fleet's Redis.
"""

from __future__ import annotations

import time
from collections import OrderedDict
from dataclasses import dataclass
from typing import Any, Protocol

TERMINAL = frozenset({"completed", "failed", "cancelled"})


@dataclass(frozen=True, slots=True)
class StoredTask:
    view: dict[str, Any]
    """What ``tasks/get`` answers: ``taskId``, ``status``, timestamps, and the result, error or questions."""
    caller: str
    """The principal key of the caller who started it; nobody else may see or touch it."""
    orphaned: bool
    """Not ended, and the worker running it is gone (it died without ending the task)."""


class TaskRecords(Protocol):
    async def create(self, task_id: str, view: dict[str, Any], caller: str, ttl_seconds: int) -> None:
        """Store a new task, run by this worker; returns once any worker's :meth:`get` would find it."""

    async def get(self, task_id: str) -> StoredTask | None:
        """The task, or ``None`` when unknown or expired."""

    async def update(self, task_id: str, view: dict[str, Any]) -> bool:
        """Replace the task's view unless it has ended already; false then, or when it is gone."""


class MemoryTaskRecords:
    """Tasks of one process, at most ``max_tasks`` (past it, the oldest go first); each forgotten
    with its TTL. The worker holding them is the one running them, so none is ever orphaned."""

    def __init__(self, max_tasks: int = 10_000) -> None:
        self.max_tasks = max_tasks
        self._tasks: OrderedDict[str, tuple[dict[str, Any], str, float]] = OrderedDict()
        """Oldest first: view, caller, when it expires (``time.monotonic()``)."""

    async def create(self, task_id: str, view: dict[str, Any], caller: str, ttl_seconds: int) -> None:
        now = time.monotonic()
        while self._tasks and (len(self._tasks) >= self.max_tasks or next(iter(self._tasks.values()))[2] <= now):
            self._tasks.popitem(last=False)
        self._tasks[task_id] = (dict(view), caller, now + ttl_seconds)

    async def get(self, task_id: str) -> StoredTask | None:
        found = self._tasks.get(task_id)
        if found is None or found[2] <= time.monotonic():
            return None
        return StoredTask(dict(found[0]), found[1], orphaned=False)

    async def update(self, task_id: str, view: dict[str, Any]) -> bool:
        found = self._tasks.get(task_id)
        if found is None or found[0]["status"] in TERMINAL:
            return False
        self._tasks[task_id] = (dict(view), found[1], found[2])
        return True
