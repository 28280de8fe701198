"""Running the author's functions: async ones on the loop, sync ones on a bounded pool of threads of
their own, each within a time limit, with failures turned into one message fit for the client.

Sync functions get their own pool (``FASTMCP_TOOL_THREADS``): a slow or stuck one can hold at most
that many threads, and never anyone else's (anyio's default pool stays free for the host app).
Python cannot stop a thread, so a sync call past its limit is abandoned: its caller gets the error
at once, and its thread runs on, still counted against the pool, until the function returns.
"""

from __future__ import annotations

import asyncio
import contextvars
import functools
import inspect
import logging
import time
from collections.abc import Awaitable, Callable
from concurrent.futures import ThreadPoolExecutor
from typing import Any

from app.protocol.context import Context, Trace
from app.protocol.errors import MCPError, ToolError
from app.protocol.retry import InputRequired

logger = logging.getLogger("app.tools")


def is_async(fn: Callable[..., Any]) -> bool:
    """Decided once, at registration."""
    return inspect.iscoroutinefunction(fn) or inspect.iscoroutinefunction(type(fn).__call__)


class FunctionFailed(Exception):
    """The author's function failed; ``message`` is what the client may read."""

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


class Runner:
    def __init__(self, *, threads: int = 16, time_limit: float | None = None, mask_errors: bool = True) -> None:
        self.threads = threads
        self.time_limit = time_limit
        """The default limit, for functions registered without one."""
        self.mask_errors = mask_errors
        self._pool: ThreadPoolExecutor | None = None

    def run(
        self,
        what: str,
        fn: Callable[..., Any],
        asynchronous: bool,
        kwargs: dict[str, Any],
        time_limit: float | None,
        ctx: Context,
        *,
        tool: str | None = None,
    ) -> Awaitable[Any]:
        """Call ``fn``; an ``MCPError`` passes through, any other failure becomes ``FunctionFailed``.

        The limit is written on the context (``ctx.deadline``); the transport running the request
        checks it a few times a second and cancels a call past it, which costs a call nothing
        until then (``asyncio.timeout`` would schedule and cancel a timer for every call). With
        telemetry on, a sampled request gets a child span for the function (``execute_tool <tool>``
        for a tool), current while it runs, so the author's own spans nest under it."""
        call = self._run(what, fn, asynchronous, kwargs, time_limit, ctx)
        span = ctx.span
        if span is None or not span.sampled:
            return call
        if tool is None:
            return self._traced(call, span.child(what, {}))
        attributes = {"gen_ai.tool.name": tool, "gen_ai.operation.name": "execute_tool"}
        return self._traced(call, span.child(f"execute_tool {tool}", attributes))

    async def _traced(self, call: Awaitable[Any], child: Trace) -> Any:
        """Run ``call`` inside ``child``, the function's span (``call`` starts only when awaited)."""
        try:
            with child.activate():
                return await call
        except FunctionFailed as exc:
            child.fail("tool_error", exc.message)
            raise
        finally:
            child.end()

    async def _run(
        self,
        what: str,
        fn: Callable[..., Any],
        asynchronous: bool,
        kwargs: dict[str, Any],
        time_limit: float | None,
        ctx: Context,
    ) -> Any:
        limit = self.time_limit if time_limit is None else time_limit
        if limit is not None:
            ctx.deadline = time.monotonic() + limit
        try:
            if asynchronous:
                return await fn(**kwargs)
            return await self._in_thread(functools.partial(fn, **kwargs))
        except ToolError as exc:
            raise FunctionFailed(str(exc)) from None
        except (MCPError, InputRequired):  # the protocol's business, not the function's failure
            raise
        except asyncio.CancelledError:
            if not ctx.timed_out:
                raise
            asyncio.current_task().uncancel()  # type: ignore[union-attr]
            logger.warning("%s stopped at its time limit of %g s (request %r)", what, limit, ctx.request_id)
            raise FunctionFailed(f"Error executing {what}: it did not finish within {limit:g} s") from None
        except Exception as exc:
            raise self._failed(what, ctx.request_id, exc) from None
        finally:
            ctx.deadline = None

    def _failed(self, what: str, request_id: str | int, exc: Exception) -> FunctionFailed:
        """Log the whole exception, with the request it belongs to; tell the client little."""
        logger.error("%s failed (request %r)", what, request_id, exc_info=exc)
        if self.mask_errors:
            return FunctionFailed(f"Error executing {what}")
        return FunctionFailed(f"Error executing {what}: {exc}")

    async def _in_thread(self, call: Callable[[], Any]) -> Any:
        if self._pool is None:  # created on first use: no threads before a fork
            self._pool = ThreadPoolExecutor(self.threads, thread_name_prefix="mcp-tool")
        context = contextvars.copy_context()
        return await asyncio.get_running_loop().run_in_executor(self._pool, context.run, call)

    def close(self) -> None:
        """Drop queued calls; running threads finish on their own."""
        if self._pool is not None:
            self._pool.shutdown(wait=False, cancel_futures=True)
            self._pool = None
