"""A server may end a long stream on purpose (``FASTMCP_SSE_CLOSE_AFTER_SECONDS``); the client resumes."""

from __future__ import annotations

import httpx

from tests.support.servers import ServerSpec, start_server
from tests.support.sse import SSEEvent, iter_events
from tests.support.streams import LEGACY, call, last_id, progress_of, result_of, resume


def test_a_stream_closed_by_the_server_is_resumed_to_its_end() -> None:
    spec = ServerSpec.of(
        "tests.scaleout.tools:server", FASTMCP_SSE_CLOSE_AFTER_SECONDS="0.5", FASTMCP_SSE_RETRY_MS="50"
    )
    server = start_server(spec)
    try:
        with httpx.Client(timeout=30) as client:
            with client.stream(
                "POST", server.url, headers=LEGACY, json=call("stream", {"count": 8, "interval": 0.2})
            ) as r:
                first: list[SSEEvent] = list(iter_events(r))
            assert first[-1].retry == 50, "the server says when to come back"
            assert 0 < len(progress_of(first)) < 8, "closed before the call ended"
            rest = resume(client, server.url, last_id(first))
        assert progress_of(first) + progress_of(rest) == [1, 2, 3, 4, 5, 6, 7, 8]
        assert result_of(rest)["result"]["content"][0]["text"] == "streamed 8"
    finally:
        server.stop()
