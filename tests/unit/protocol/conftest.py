"""A stand-in request context and a runner for calling registered functions directly."""

from __future__ import annotations

from collections.abc import Iterator
from typing import cast

import pytest

from app.protocol.context import Context
from app.protocol.invoke import Runner


class FakeContext:
    """Only what :class:`~app.protocol.invoke.Runner` reads and writes: these tests are about what a
    function's result becomes, not about the request context (its constructor is not their business)."""

    def __init__(self, request_id: str | int = 1) -> None:
        self.request_id = request_id
        self.deadline: float | None = None
        self.timed_out = False
        self.span = None


@pytest.fixture
def ctx() -> Context:
    return cast(Context, FakeContext())


@pytest.fixture
def runner() -> Iterator[Runner]:
    runner = Runner(time_limit=10, mask_errors=True)
    yield runner
    runner.close()
