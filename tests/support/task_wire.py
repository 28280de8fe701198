"""The tasks extension's shapes (``io.modelcontextprotocol/tasks``, SEP-2663), which ``mcp-types`` does
not model yet: written from the extension's specification (``docs/specification/draft/tasks.mdx`` in
``modelcontextprotocol/experimental-ext-tasks``), field for field, and strict about extra keys where
the specification says what a status carries."""

from __future__ import annotations

import datetime
from typing import Any, Literal

import mcp_types._v2026_07_28 as modern_schema
import pydantic

Status = Literal["working", "input_required", "completed", "cancelled", "failed"]


class Task(pydantic.BaseModel):
    model_config = pydantic.ConfigDict(extra="forbid")

    taskId: str = pydantic.Field(min_length=16)  # unguessable: it is all a caller needs
    status: Status
    statusMessage: str | None = None
    createdAt: datetime.datetime
    lastUpdatedAt: datetime.datetime
    ttlMs: int | None
    pollIntervalMs: int | None = None
    inputRequests: dict[str, modern_schema.InputRequest] | None = None
    result: dict[str, Any] | None = None
    error: modern_schema.Error | None = None
    meta: dict[str, Any] | None = pydantic.Field(None, alias="_meta")

    @pydantic.model_validator(mode="after")
    def _carries_what_its_status_says(self) -> Task:
        carried = {
            "inputRequests": self.inputRequests is not None,
            "result": self.result is not None,
            "error": self.error is not None,
        }
        expected = {"input_required": "inputRequests", "completed": "result", "failed": "error"}.get(self.status)
        wrong = [name for name, present in carried.items() if present != (name == expected)]
        if wrong:
            raise ValueError(f"a {self.status} task must carry {expected or 'none of these'}, not {carried}")
        if self.result is not None:
            modern_schema.CallToolResult.model_validate({**self.result, "resultType": "complete"})
        if self.lastUpdatedAt < self.createdAt:
            raise ValueError("lastUpdatedAt is before createdAt")
        return self


class CreateTaskResult(Task):
    resultType: Literal["task"]


class GetTaskResult(Task):
    resultType: Literal["complete"]


class EmptyTaskResult(pydantic.BaseModel):
    """``tasks/update`` and ``tasks/cancel``: an empty acknowledgement."""

    model_config = pydantic.ConfigDict(extra="forbid")

    resultType: Literal["complete"]
    meta: dict[str, Any] | None = pydantic.Field(None, alias="_meta")


class TaskStatusNotification(pydantic.BaseModel):
    model_config = pydantic.ConfigDict(extra="forbid")

    jsonrpc: Literal["2.0"]
    method: Literal["notifications/tasks"]
    params: Task


TASK_RESULTS: dict[str, type[pydantic.BaseModel]] = {
    "tasks/get": GetTaskResult,
    "tasks/update": EmptyTaskResult,
    "tasks/cancel": EmptyTaskResult,
}
