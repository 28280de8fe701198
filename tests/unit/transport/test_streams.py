"""The worker's open streams: keep-alives when due, one draining flag, resumable streams handed over."""

from __future__ import annotations

import asyncio
import time

from app.transport.streams import OpenStreams


class FakeStream:
    def __init__(self) -> None:
        self.last_sent = 0.0
        self.keepalives = 0
        self.closed = False

    def send_keepalive(self) -> None:
        self.keepalives += 1

    async def close_for_resume(self) -> None:
        self.closed = True


async def test_a_silent_stream_gets_keepalives_and_a_forgotten_one_none() -> None:
    streams = OpenStreams(keepalive_seconds=0.04)
    silent, forgotten = FakeStream(), FakeStream()
    silent.last_sent = streams.watch(silent)
    forgotten.last_sent = streams.watch(forgotten)
    streams.forget(forgotten)
    await asyncio.sleep(0.2)
    streams.stop()
    assert 2 <= silent.keepalives <= 6, silent.keepalives
    assert forgotten.keepalives == 0


async def test_a_busy_stream_gets_no_keepalive() -> None:
    streams = OpenStreams(keepalive_seconds=0.1)
    busy = FakeStream()
    streams.watch(busy)
    for _ in range(10):
        busy.last_sent = time.monotonic()
        await asyncio.sleep(0.02)
    streams.stop()
    assert busy.keepalives == 0


async def test_drain_sets_the_flag_and_closes_only_resumable_streams() -> None:
    streams = OpenStreams(keepalive_seconds=10)
    resumable, plain = FakeStream(), FakeStream()
    streams.watch(resumable)
    streams.watch(plain)
    streams.resumable.add(resumable)
    assert not streams.draining
    assert await streams.drain() == 1
    assert streams.draining
    assert (resumable.closed, plain.closed) == (True, False)
    streams.stop()
