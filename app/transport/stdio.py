"""Newline-delimited JSON-RPC over stdin/stdout, for clients that launch the server as a subprocess.

A stdio connection is one client, so the handshake-era version negotiated by ``initialize`` is
remembered for the connection; 2026-07-28 messages carry their own version in ``_meta`` as on HTTP.
Requests run concurrently; every write to stdout is one whole line. A tool's question to a
handshake-era client (sampling, elicitation) goes out on stdout and its answer comes back on stdin
(:meth:`StdioSession.request`); 2026-07-28 asks by multi round-trip requests, as over HTTP.
"""

from __future__ import annotations

import asyncio
import itertools
import sys
from typing import TYPE_CHECKING, Any, BinaryIO

import orjson

from app.protocol.admission import Admitted, admit
from app.protocol.channel import NoAnswer
from app.protocol.dispatch import Engine
from app.protocol.errors import InvalidRequest, MCPError, ParseError
from app.protocol.messages import Kind, error_response, request_id_of
from app.protocol.versions import DEFAULT_LEGACY_VERSION, Era
from app.transport.calls import RunningCalls, cancel_key, cancelled_request

if TYPE_CHECKING:
    from app.telemetry.observer import Observer
    from app.telemetry.setup import Telemetry


class StdioSession:
    """One client on a pair of streams."""

    def __init__(
        self,
        engine: Engine,
        output: BinaryIO,
        observer: Observer | None = None,
        *,
        reply_timeout_seconds: float = 300.0,
    ) -> None:
        self.engine = engine
        self.observer = observer
        self.output = output
        self.legacy_version = DEFAULT_LEGACY_VERSION
        self.tasks: set[asyncio.Task[None]] = set()
        self.calls = RunningCalls()
        """Time limits and the client's cancellations, as over HTTP (there is no connection to watch)."""
        self.reply_timeout_seconds = reply_timeout_seconds
        self.waiting: dict[str, asyncio.Future[dict[str, Any]]] = {}
        """Our requests to the client (sampling, elicitation) awaiting its response, by id."""
        self._ids = itertools.count(1)

    async def request(self, method: str, params: dict[str, Any]) -> dict[str, Any]:
        """The stdio client channel: ask on stdout, get the answer from stdin (a connection is one
        client, so the answer always comes back here)."""
        request_id = f"server-{next(self._ids)}"
        answer: asyncio.Future[dict[str, Any]] = asyncio.get_running_loop().create_future()
        self.waiting[request_id] = answer
        try:
            await self.write({"jsonrpc": "2.0", "id": request_id, "method": method, "params": params})
            async with asyncio.timeout(self.reply_timeout_seconds):
                return await answer
        except TimeoutError:
            raise NoAnswer(f"no answer within {self.reply_timeout_seconds:g} s") from None
        finally:
            self.waiting.pop(request_id, None)

    async def write(self, message: dict[str, Any]) -> None:
        """One whole line per message; a blocking write is fine for a pipe read by one client."""
        self.output.write(orjson.dumps(message) + b"\n")
        self.output.flush()

    async def receive(self, line: bytes) -> None:
        try:
            message = orjson.loads(line)
        except orjson.JSONDecodeError:
            await self.write(error_response(None, ParseError("Parse error"), Era.LEGACY))
            return
        try:
            admitted = admit(message, None, legacy_version=self.legacy_version, max_id_length=self.engine.max_id_length)
        except MCPError as exc:
            await self.write(error_response(request_id_of(message), exc, Era.LEGACY))
            return
        if admitted.kind is Kind.REQUEST:
            task = asyncio.create_task(self.answer(admitted))
            self.tasks.add(task)
            task.add_done_callback(self.tasks.discard)
        elif admitted.kind is Kind.RESPONSE:
            waiting = self.waiting.get(str(request_id_of(message)))
            if waiting is not None and not waiting.done():
                waiting.set_result(message)
        elif admitted.kind is Kind.NOTIFICATION and admitted.method == "notifications/cancelled":
            cancelled = cancelled_request(admitted.params)
            if cancelled is not None:
                self.calls.cancel(cancel_key(cancelled))

    async def answer(self, admitted: Admitted) -> None:
        ctx = self.engine.context(admitted, self.write, self if admitted.era is Era.LEGACY else None)
        call = self.calls.start(ctx, None)
        try:
            if self.observer is None:
                response, _ = await self.engine.answer(admitted.params, ctx)
            else:
                response, _ = await self.observer.stdio(admitted.params, ctx)
        except asyncio.CancelledError:
            if call.stopped() is None:
                raise
            return  # cancelled by the client: nothing is sent
        finally:
            self.calls.end(call)
        if admitted.method == "initialize" and "result" in response:
            self.legacy_version = response["result"]["protocolVersion"]
        await self.write(response)


async def serve_stdio(
    engine: Engine, line_limit: int, telemetry: Telemetry | None = None, *, reply_timeout_seconds: float = 300.0
) -> None:
    """Serve until stdin closes; ``line_limit`` bounds one message, like the HTTP body limit.

    Lines are read in a thread: it works for pipes, files and terminals alike.
    """
    if telemetry is not None:
        await telemetry.start()
    observer = telemetry.observer(engine) if telemetry is not None else None
    session = StdioSession(engine, sys.stdout.buffer, observer, reply_timeout_seconds=reply_timeout_seconds)
    while line := await asyncio.to_thread(sys.stdin.buffer.readline, line_limit + 1):
        if len(line) > line_limit:
            await session.write(error_response(None, InvalidRequest("Message too large"), Era.LEGACY))
            break
        if line.strip():
            await session.receive(line)
    if session.tasks:
        await asyncio.gather(*session.tasks, return_exceptions=True)
    session.calls.stop()
    if telemetry is not None:
        await telemetry.shutdown()
