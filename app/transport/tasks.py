"""Tasks (the ``io.modelcontextprotocol/tasks`` extension) on a fleet: the state in the event store's
backend, the work on the worker that took the call.

A task is stored before its handle is answered, so a ``tasks/get`` right after finds it on any
worker; then the tool runs in a background task of this worker, and each change of status replaces
the stored view (a terminal one never is: a task ends once)::

    working ──► input_required ──► working ──► completed | failed | cancelled

A question the tool asks (``ctx.elicit``, ``ctx.sample``) sets ``input_required`` with the question
under a key never reused in that task; ``tasks/update``, on any worker, hands the answer to the
waiting tool the way the handshake era's back-channel does (:meth:`EventStore.deliver`).
``tasks/cancel`` reaches the worker running the task on the fleet channel. A task whose worker died
is failed by the next reader that finds it orphaned; a worker shutting down fails the tasks it
still runs, so none stays ``working`` for ever. Each change is announced to the listen streams that
asked for the task (``notifications/tasks``). A task runs at most its tool's time limit, or else the
task's TTL; a tool that runs past it ends ``completed`` with its ``isError`` result, as inline.
"""

from __future__ import annotations

import asyncio
import datetime
import logging
import secrets
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Any

from app.events.store import EventStore, StoreError
from app.events.tasks import TERMINAL, StoredTask, TaskRecords
from app.protocol.context import Context
from app.protocol.errors import InternalError, MCPError, Unavailable
from app.protocol.messages import error_object
from app.protocol.retry import require_declared
from app.protocol.tasks import STATUS_NOTIFICATION, TaskNotFound, Work, declared
from app.protocol.versions import Era
from app.transport.backchannel import ask

logger = logging.getLogger("app.transport")

CANCEL_TOPIC = "task-cancel"
SHUTDOWN_WAIT_SECONDS = 5.0
"""How long a stopping worker waits for its stopped tasks to record their end."""
Announce = Callable[[str, str | None], Awaitable[None]]


@dataclass(frozen=True, slots=True)
class TaskSettings:
    ttl_seconds: int = 3600
    poll_interval_ms: int = 1000
    max_running: int = 64
    reply_timeout_seconds: float = 300.0
    """How long a task waits for the answer to one of its questions."""


def _now() -> str:
    return datetime.datetime.now(datetime.UTC).isoformat(timespec="milliseconds").replace("+00:00", "Z")


class Job:
    """One task this worker runs."""

    __slots__ = ("asked", "caller", "questions", "stop_reason", "view", "work")

    def __init__(self, view: dict[str, Any], caller: str) -> None:
        self.view = view
        """The stored view as last written."""
        self.caller = caller
        self.asked = 0
        self.questions: dict[str, dict[str, Any]] = {}
        """The open questions, by key: what ``inputRequests`` shows."""
        self.stop_reason: str | None = None
        """Why the work was cancelled: ``cancelled`` (the client) or ``shutdown``."""
        self.work: asyncio.Task[None] | None = None

    @property
    def task_id(self) -> str:
        return str(self.view["taskId"])

    def stop(self, reason: str) -> None:
        if self.stop_reason is None and self.work is not None:
            self.stop_reason = reason
            self.work.cancel()


class TaskQuestions:
    """A task's client channel: a question becomes ``input_required``; ``tasks/update`` answers it."""

    __slots__ = ("capabilities", "job", "tasks")

    def __init__(self, job: Job, tasks: Tasks, capabilities: dict[str, Any]) -> None:
        self.job = job
        self.tasks = tasks
        self.capabilities = capabilities
        """What the client declared on the call: an undeclared question is never asked."""

    async def request(self, method: str, params: dict[str, Any]) -> dict[str, Any]:
        job, tasks = self.job, self.tasks
        require_declared(method, self.capabilities)
        job.asked += 1
        key = f"r{job.asked}"
        job.questions[key] = {"method": method, "params": params}
        try:
            answer = await ask(
                tasks.store,
                f"{job.task_id}/{key}",
                tasks.settings.reply_timeout_seconds,
                job.caller,
                lambda: tasks.record(job, "input_required", {"inputRequests": dict(job.questions)}),
            )
        finally:
            job.questions.pop(key, None)
        if job.questions:
            await tasks.record(job, "input_required", {"inputRequests": dict(job.questions)})
        else:
            await tasks.record(job, "working")
        return answer


class Tasks:
    """Implements :class:`app.protocol.tasks.TaskHost` on ``records`` and ``store``'s fleet channel."""

    def __init__(self, records: TaskRecords, store: EventStore, announce: Announce, settings: TaskSettings) -> None:
        self.records = records
        self.store = store
        self.announce = announce
        """Tells the listen streams of every worker that a task changed."""
        self.settings = settings
        self.jobs: dict[str, Job] = {}
        self.accepting = True
        """False once the worker drains: new calls are answered inline."""
        store.subscribe(CANCEL_TOPIC, self._cancel_here)

    def offered(self, ctx: Context) -> bool:
        return self.accepting and len(self.jobs) < self.settings.max_running and declared(ctx)

    async def start(self, work: Work, ctx: Context, time_limit: float | None) -> dict[str, Any]:
        now, settings = _now(), self.settings
        view = {
            "taskId": secrets.token_urlsafe(24),
            "status": "working",
            "createdAt": now,
            "lastUpdatedAt": now,
            "ttlMs": settings.ttl_seconds * 1000,
            "pollIntervalMs": settings.poll_interval_ms,
        }
        job = Job(view, ctx.principal.key)
        try:
            await self.records.create(job.task_id, view, job.caller, settings.ttl_seconds)
        except StoreError as exc:
            raise Unavailable("Cannot create the task now: the event store is temporarily unavailable") from exc
        limit = min(time_limit or settings.ttl_seconds, settings.ttl_seconds)
        task_ctx = ctx.for_task(TaskQuestions(job, self, ctx.client_capabilities))
        job.work = asyncio.get_running_loop().create_task(self._run(job, work, task_ctx, limit))
        self.jobs[job.task_id] = job
        return {**view, "resultType": "task"}

    async def _run(self, job: Job, work: Work, ctx: Context, limit: float) -> None:
        timer = asyncio.get_running_loop().call_later(limit, _expire, job, ctx)
        try:
            result = await work(ctx)
        except asyncio.CancelledError:
            asyncio.current_task().uncancel()  # type: ignore[union-attr]
            if job.stop_reason == "cancelled":
                await self.record(job, "cancelled", {"statusMessage": "Cancelled by the client"})
            else:
                error = InternalError("The server stopped before the task finished; run it again")
                await self._fail(job, error)
        except MCPError as exc:
            await self._fail(job, exc)
        except Exception:
            logger.exception("task %s failed", job.task_id)
            await self._fail(job, InternalError("Internal error"))
        else:
            await self.record(job, "completed", {"result": result})
        finally:
            timer.cancel()
            del self.jobs[job.task_id]

    async def _fail(self, job: Job, error: MCPError) -> None:
        await self.record(job, "failed", _failure(error))

    async def record(self, job: Job, status: str, extra: dict[str, Any] | None = None) -> None:
        """Store the job's new status (and announce it); a store that is down loses only this change."""
        job.view = _changed(job.view, status, extra)
        try:
            await self.records.update(job.task_id, job.view)
            await self.announce(STATUS_NOTIFICATION, job.task_id)
        except StoreError as exc:
            logger.warning("cannot record task %s as %s: %s", job.task_id, status, exc)

    # -- the client's requests, on any worker ------------------------------------------------

    async def _find(self, task_id: str, ctx: Context) -> StoredTask:
        try:
            stored = await self.records.get(task_id)
        except StoreError as exc:
            raise Unavailable("Cannot read the task now: the event store is temporarily unavailable") from exc
        if stored is None or stored.caller != ctx.principal.key:
            raise TaskNotFound("Task not found (unknown, expired, or not yours)")
        return stored

    async def get(self, task_id: str, ctx: Context) -> dict[str, Any]:
        stored = await self._find(task_id, ctx)
        if stored.orphaned:
            return await self._end_orphan(task_id, stored, ctx)
        return stored.view

    async def _end_orphan(self, task_id: str, stored: StoredTask, ctx: Context) -> dict[str, Any]:
        """Fail a task whose worker died; if another reader got there first, theirs stands."""
        error = InternalError("The worker running this task stopped; run it again")
        view = _changed(
            stored.view, "failed", {"statusMessage": error.message, "error": error_object(error, Era.MODERN)}
        )
        try:
            if await self.records.update(task_id, view):
                logger.warning("task %s lost its worker; failed it", task_id)
                await self.announce(STATUS_NOTIFICATION, task_id)
                return view
        except StoreError as exc:
            raise Unavailable("Cannot update the task now: the event store is temporarily unavailable") from exc
        return (await self._find(task_id, ctx)).view

    async def update(self, task_id: str, responses: dict[str, Any], ctx: Context) -> None:
        stored = await self._find(task_id, ctx)
        asked = stored.view.get("inputRequests") or {}
        try:
            for key, response in responses.items():
                if key in asked and isinstance(response, dict):
                    await self.store.deliver(f"{task_id}/{key}", {"result": response}, stored.caller)
        except StoreError as exc:
            raise Unavailable("Cannot deliver the answer now: the event store is temporarily unavailable") from exc

    async def cancel(self, task_id: str, ctx: Context) -> None:
        stored = await self._find(task_id, ctx)
        if stored.view["status"] in TERMINAL:
            return
        if stored.orphaned:
            await self._end_orphan(task_id, stored, ctx)
            return
        try:
            await self.store.publish(CANCEL_TOPIC, task_id.encode())
        except StoreError as exc:
            raise Unavailable("Cannot relay the cancellation now; try again") from exc

    def _cancel_here(self, payload: bytes) -> None:
        """The fleet channel's handler: stop the task if this worker runs it."""
        job = self.jobs.get(payload.decode(errors="replace"))
        if job is not None:
            job.stop("cancelled")

    # -- this worker's lifetime ----------------------------------------------------------------

    def drain(self) -> int:
        """Take no new tasks (calls are answered inline); the running ones go on until :meth:`close`."""
        self.accepting = False
        return len(self.jobs)

    async def close(self) -> None:
        """Stop the tasks still running and record them ``failed``, so none is left ``working``."""
        self.accepting = False
        works = [job.work for job in self.jobs.values() if job.work is not None]
        for job in list(self.jobs.values()):
            job.stop("shutdown")
        if works:
            await asyncio.wait(works, timeout=SHUTDOWN_WAIT_SECONDS)


def _expire(job: Job, ctx: Context) -> None:
    """The task's time limit passed: the runner turns this into the tool's ``isError`` result."""
    if job.work is not None and job.stop_reason is None:
        ctx.timed_out = True
        job.work.cancel()


def _failure(error: MCPError) -> dict[str, Any]:
    """What a ``failed`` view carries: the JSON-RPC error, and its message to show."""
    return {"statusMessage": error.message, "error": error_object(error, Era.MODERN)}


def _changed(view: dict[str, Any], status: str, extra: dict[str, Any] | None) -> dict[str, Any]:
    """A new view: the task's fixed fields, the new status, and only what that status carries."""
    fixed = {key: view[key] for key in ("taskId", "createdAt", "ttlMs", "pollIntervalMs")}
    return {**fixed, "status": status, "lastUpdatedAt": _now(), **(extra or {})}
