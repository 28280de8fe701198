"""Calling a registered function: async directly, sync in a worker thread so it cannot stall the loop."""

from __future__ import annotations

import functools
import inspect
from collections.abc import Callable
from typing import Any

import anyio.to_thread


def is_async(fn: Callable[..., Any]) -> bool:
    """Decided once, at registration."""
    return inspect.iscoroutinefunction(fn) or inspect.iscoroutinefunction(type(fn).__call__)


async def invoke(fn: Callable[..., Any], asynchronous: bool, kwargs: dict[str, Any]) -> Any:
    if asynchronous:
        return await fn(**kwargs)
    return await anyio.to_thread.run_sync(functools.partial(fn, **kwargs))
