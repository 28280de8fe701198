"""The runner: time limits, a bounded pool for sync functions, and failures that say little."""

from __future__ import annotations

import asyncio
import logging
import threading
import time

import pytest

from app.protocol.errors import InvalidParams, ToolError
from app.protocol.invoke import FunctionFailed, Runner


async def test_an_async_function_past_its_limit_fails_with_the_limit_named() -> None:
    async def slow() -> str:
        await asyncio.sleep(5)
        return "late"

    started = time.monotonic()
    with pytest.raises(FunctionFailed, match=r"tool 'slow': it did not finish within 0.1 s"):
        await Runner(time_limit=60).run("tool 'slow'", slow, True, {}, 0.1, 1)
    assert time.monotonic() - started < 1


async def test_the_default_limit_applies_when_the_function_has_none() -> None:
    async def slow() -> None:
        await asyncio.sleep(5)

    with pytest.raises(FunctionFailed, match=r"within 0\.05 s"):
        await Runner(time_limit=0.05).run("tool 'slow'", slow, True, {}, None, 1)


async def test_a_functions_own_timeout_error_is_a_failure_not_the_limit() -> None:
    async def own() -> None:
        raise TimeoutError("upstream took too long")

    with pytest.raises(FunctionFailed) as failed:
        await Runner(time_limit=10, mask_errors=False).run("tool 'own'", own, True, {}, None, 1)
    assert failed.value.message == "Error executing tool 'own': upstream took too long"


async def test_unexpected_exceptions_are_masked_and_logged_with_the_request(caplog: pytest.LogCaptureFixture) -> None:
    def broken() -> None:
        raise RuntimeError("/secret/path/config.yaml missing")

    with caplog.at_level(logging.ERROR, logger="app.tools"), pytest.raises(FunctionFailed) as failed:
        await Runner().run("tool 'broken'", broken, False, {}, None, "req-7")
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
        await runner.run("tool 'refuses'", refuses, True, {}, None, 1)
    with pytest.raises(InvalidParams):
        await runner.run("tool 'bad'", bad_params, True, {}, None, 1)


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
    names = await asyncio.gather(*(runner.run("tool 'work'", work, False, {}, None, n) for n in range(8)))
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
            await runner.run("tool 'stuck'", stuck, False, {}, 0.1, 1)
        assert await runner.run("tool 'quick'", quick, False, {}, None, 2) == "done"
        # and the event loop was never blocked: async work went on meanwhile
        assert await asyncio.wait_for(asyncio.sleep(0, "free"), 0.5) == "free"
    finally:
        release.set()
        runner.close()
