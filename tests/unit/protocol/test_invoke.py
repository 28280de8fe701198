"""The runner: a bounded pool for sync functions, failures that say little, and time limits (with
the transport's scanner of running calls, which enforces them)."""

from __future__ import annotations

import asyncio
import functools
import logging
import threading
import time
from collections.abc import Callable
from typing import Any

import pytest

from app.protocol.context import Context
from app.protocol.errors import InvalidParams, ToolError
from app.protocol.invoke import FunctionFailed, Runner, is_async
from app.protocol.versions import Era
from app.transport.calls import RunningCalls


def context(request_id: str | int = 1) -> Context:
    return Context(
        request_id=request_id,
        method="tools/call",
        era=Era.LEGACY,
        protocol_version="2025-11-25",
        meta={},
        client_capabilities={},
        progress_token=None,
        log_level=None,
        emit=None,
        channel=None,
    )


async def run_tracked(runner: Runner, what: str, fn, asynchronous: bool, limit: float | None):  # type: ignore[no-untyped-def]
    """Run as a transport does: the call tracked by a scanner that enforces its deadline."""
    calls = RunningCalls()
    ctx = context()
    call = calls.start(ctx, None)
    try:
        return await runner.run(what, fn, asynchronous, {}, limit, ctx)
    finally:
        calls.end(call)
        calls.stop()


async def test_an_async_function_past_its_limit_fails_with_the_limit_named() -> None:
    async def slow() -> str:
        await asyncio.sleep(5)
        return "late"

    started = time.monotonic()
    with pytest.raises(FunctionFailed, match=r"tool 'slow': it did not finish within 0.1 s"):
        await run_tracked(Runner(time_limit=60), "tool 'slow'", slow, True, 0.1)
    assert time.monotonic() - started < 1


async def test_the_default_limit_applies_when_the_function_has_none() -> None:
    async def slow() -> None:
        await asyncio.sleep(5)

    with pytest.raises(FunctionFailed, match=r"within 0\.05 s"):
        await run_tracked(Runner(time_limit=0.05), "tool 'slow'", slow, True, None)


async def test_a_functions_own_timeout_error_is_a_failure_not_the_limit() -> None:
    async def own() -> None:
        raise TimeoutError("upstream took too long")

    with pytest.raises(FunctionFailed) as failed:
        await Runner(time_limit=10, mask_errors=False).run("tool 'own'", own, True, {}, None, context())
    assert failed.value.message == "Error executing tool 'own': upstream took too long"


async def test_unexpected_exceptions_are_masked_and_logged_with_the_request(caplog: pytest.LogCaptureFixture) -> None:
    def broken() -> None:
        raise RuntimeError("/secret/path/config.yaml missing")

    with caplog.at_level(logging.ERROR, logger="app.tools"), pytest.raises(FunctionFailed) as failed:
        await Runner().run("tool 'broken'", broken, False, {}, None, context("req-7"))
    assert failed.value.message == "Error executing tool 'broken'"
    assert "/secret" not in failed.value.message
    (record,) = caplog.records
    assert "req-7" in record.getMessage() and record.exc_info is not None


async def test_tool_errors_keep_their_message_and_protocol_errors_pass_through() -> None:
    async def refuses() -> None:
        raise ToolError("Cannot divide by zero")

    async def bad_params() -> None:
        raise InvalidParams("no such city")

    runner = Runner()
    with pytest.raises(FunctionFailed, match=r"^Cannot divide by zero$"):
        await runner.run("tool 'refuses'", refuses, True, {}, None, context())
    with pytest.raises(InvalidParams):
        await runner.run("tool 'bad'", bad_params, True, {}, None, context())


async def test_sync_functions_use_a_bounded_pool_of_their_own() -> None:
    running = 0
    most = 0
    lock = threading.Lock()

    def work() -> str:
        nonlocal running, most
        with lock:
            running += 1
            most = max(most, running)
        time.sleep(0.05)
        with lock:
            running -= 1
        return threading.current_thread().name

    runner = Runner(threads=2, time_limit=10)
    names = await asyncio.gather(*(runner.run("tool 'work'", work, False, {}, None, context(n)) for n in range(8)))
    runner.close()
    assert most == 2, "never more threads than the pool allows"
    assert all(name.startswith("mcp-tool") for name in names)


async def test_a_stuck_sync_function_is_abandoned_at_its_limit_and_holds_only_its_own_thread() -> None:
    release = threading.Event()

    def stuck() -> None:
        release.wait(5)

    def quick() -> str:
        return "done"

    runner = Runner(threads=2, time_limit=10)
    try:
        with pytest.raises(FunctionFailed, match=r"within 0\.1 s"):
            await run_tracked(runner, "tool 'stuck'", stuck, False, 0.1)
        assert await runner.run("tool 'quick'", quick, False, {}, None, context(2)) == "done"
        # and the event loop was never blocked: async work went on meanwhile
        assert await asyncio.wait_for(asyncio.sleep(0, "free"), 0.5) == "free"
    finally:
        release.set()
        runner.close()


class AsyncCallable:
    async def __call__(self) -> str:
        return "called"


class SyncCallable:
    def __call__(self) -> str:
        return "called"


async def coroutine_function() -> None: ...


def plain_function() -> None: ...


@pytest.mark.parametrize(
    ("fn", "expected"),
    [
        (coroutine_function, True),
        (functools.partial(coroutine_function), True),
        (AsyncCallable(), True),
        (plain_function, False),
        (lambda: None, False),
        (SyncCallable(), False),
        (functools.partial(plain_function), False),
    ],
)
def test_is_async(fn: Callable[..., Any], expected: bool) -> None:
    assert is_async(fn) is expected


async def test_the_limit_is_written_on_the_context_while_the_function_runs(ctx: Context) -> None:
    seen: list[float | None] = []

    async def look() -> None:
        seen.append(ctx.deadline)

    before = time.monotonic()
    await Runner(time_limit=60).run("tool 'look'", look, True, {}, 5, ctx)
    assert seen[0] is not None and before + 5 <= seen[0] <= time.monotonic() + 5
    assert ctx.deadline is None, "cleared when the call ends"


async def test_no_limit_leaves_no_deadline(ctx: Context) -> None:
    seen: list[float | None] = []

    def look() -> None:
        seen.append(ctx.deadline)

    runner = Runner(time_limit=None)
    try:
        await runner.run("tool 'look'", look, False, {}, None, ctx)
    finally:
        runner.close()
    assert seen == [None]


async def test_arguments_are_passed_by_keyword_and_the_value_returned(ctx: Context, runner: Runner) -> None:
    def sync(a: int, b: int) -> int:
        return a - b

    async def asynchronous(a: int, b: int) -> int:
        return a - b

    assert await runner.run("tool 'sync'", sync, False, {"b": 1, "a": 3}, None, ctx) == 2
    assert await runner.run("tool 'async'", asynchronous, True, {"b": 1, "a": 3}, None, ctx) == 2


async def test_unmasked_failures_name_the_exception_message(ctx: Context) -> None:
    def broken() -> None:
        raise KeyError("missing")

    runner = Runner(mask_errors=False)
    try:
        with pytest.raises(FunctionFailed) as failed:
            await runner.run("resource 'x://a'", broken, False, {}, None, ctx)
    finally:
        runner.close()
    assert failed.value.message == "Error executing resource 'x://a': 'missing'"
