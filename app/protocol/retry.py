"""How a tool asks a 2026-07-28 client something: multi round-trip requests (MRTR), by running again.

A tool calls ``ctx.elicit``, ``ctx.sample`` or ``ctx.request`` exactly as for a handshake-era client.
In 2026-07-28 the server cannot send that request in the middle of the call: the call ends instead
with an ``input_required`` result naming the question (``inputRequests``) and a sealed
``requestState`` holding the answers so far. The client answers and retries the whole request, on
any replica; the function runs again from the start, and this time the question returns the answer.

So the code before a tool's last question runs once per round: put side effects after the questions
(or make them idempotent). Questions are keyed by their order in the run (``q1``, ``q2``, ...), so a
tool that asks the same questions in the same order on each run gets each answer where it asked.
"""

from __future__ import annotations

from typing import Any

from app.protocol.channel import NoAnswer
from app.protocol.context import Context
from app.protocol.errors import InvalidParams
from app.protocol.request_state import StateSealer, params_digest

RETRYABLE = frozenset({"tools/call", "prompts/get", "resources/read"})
"""The methods that may answer ``input_required`` (MRTR, "Supported Requests")."""
CAPABILITY = {"elicitation/create": "elicitation", "sampling/createMessage": "sampling", "roots/list": "roots"}
"""The client capability each question needs: an undeclared one is never asked."""


def require_declared(method: str, capabilities: dict[str, Any]) -> None:
    """A question the client cannot answer is never asked: it fails at once, naming the capability."""
    capability = CAPABILITY.get(method)
    if capability is None or capability not in capabilities:
        raise NoAnswer(f"the client did not declare the '{capability or method}' capability")


class InputRequired(Exception):
    """Raised by a question whose answer this attempt lacks; the engine answers ``input_required``."""

    def __init__(self, key: str, method: str, params: dict[str, Any]) -> None:
        super().__init__(method)
        self.key = key
        self.request = {"method": method, "params": params}


class RetryChannel:
    """The client channel of one 2026-07-28 attempt: answers come from this and earlier rounds."""

    def __init__(self, answers: dict[str, Any], capabilities: dict[str, Any]) -> None:
        self.answers = answers
        self.capabilities = capabilities
        self.asked = 0

    async def request(self, method: str, params: dict[str, Any]) -> dict[str, Any]:
        self.asked += 1
        key = f"q{self.asked}"
        if key in self.answers:
            return {"result": self.answers[key]}
        require_declared(method, self.capabilities)
        raise InputRequired(key, method, params)


class Retries:
    """Opens a retry's state and seals the next one."""

    def __init__(self, sealer: StateSealer) -> None:
        self.sealer = sealer

    @staticmethod
    def _binding(params: dict[str, Any], ctx: Context) -> bytes:
        return params_digest(ctx.method, params) + ctx.principal.key.encode()

    def channel(self, params: dict[str, Any], ctx: Context) -> RetryChannel:
        """The channel for this attempt: the answers sealed in ``requestState`` plus the ones this
        retry brings for the questions last asked (unknown keys are ignored, as MRTR says)."""
        responses = params.get("inputResponses")
        if responses is not None and not isinstance(responses, dict):
            raise InvalidParams("params.inputResponses must be an object")
        state = params.get("requestState")
        if state is None:
            return RetryChannel({}, ctx.client_capabilities)
        payload = self.sealer.open(state, self._binding(params, ctx))
        answers: dict[str, Any] = payload.get("answers", {})
        for key in payload.get("pending", ()):
            answer = (responses or {}).get(key)
            if isinstance(answer, dict):
                answers[key] = answer
        return RetryChannel(answers, ctx.client_capabilities)

    def input_required(
        self, needed: InputRequired, channel: RetryChannel, params: dict[str, Any], ctx: Context
    ) -> dict[str, Any]:
        state = self.sealer.seal({"answers": channel.answers, "pending": [needed.key]}, self._binding(params, ctx))
        return {"resultType": "input_required", "inputRequests": {needed.key: needed.request}, "requestState": state}
