"""The runner: a bounded pool for sync functions, failures that say little, and time limits (with
the transport's scanner of running calls, which enforces them)."""

from __future__ import annotations

import asyncio
import logging
import threading
import time

import pytest

from app.protocol.context import Context
from app.protocol.errors import InvalidParams, ToolError
from app.protocol.invoke import FunctionFailed, Runner
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
