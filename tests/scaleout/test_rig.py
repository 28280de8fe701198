"""Scale-out, for real: 3 instances x 2 gunicorn workers behind nginx (least_conn, no stickiness),
sharing one Redis. Any request may land anywhere, and the client must not notice. What crosses
instances (a resumed stream, an answer) is also tried on 3 instances sharing a Redis Cluster."""

from __future__ import annotations

import threading
import time

import httpx

from infra.sim import Rig
from tests.support.sse import SSEEvent, iter_events
from tests.support.streams import LEGACY, call, last_id, progress_of, result_of, resume


def test_a_cut_connection_resumes_on_any_instance(fleet: Rig) -> None:
    with httpx.Client(timeout=30) as client:
        seen: list[SSEEvent] = []
        with client.stream("POST", fleet.url, headers=LEGACY, json=call("stream", {"count": 8, "interval": 0.2})) as r:
            assert r.headers["content-type"].startswith("text/event-stream")
            for event in iter_events(r):
                seen.append(event)
                if len(progress_of(seen)) == 3:
                    break  # the client's connection is cut here
        rest = resume(client, fleet.url, last_id(seen))
    assert progress_of(seen) + progress_of(rest) == [1, 2, 3, 4, 5, 6, 7, 8], "every event once, in order"
    assert result_of(rest)["result"]["content"][0]["text"] == "streamed 8"


def test_a_stream_survives_a_graceful_restart_of_its_instance(rig: Rig) -> None:
    direct = rig.instances[0].base_url + "/mcp"
    restarted: list[bool] = []
    restart = threading.Thread(target=lambda: restarted.append(rig.restart(0)), daemon=True)
    with httpx.Client(timeout=60) as client:
        seen: list[SSEEvent] = []
        with client.stream("POST", direct, headers=LEGACY, json=call("stream", {"count": 10, "interval": 0.3})) as r:
            for event in iter_events(r):
                seen.append(event)
                if len(progress_of(seen)) == 2 and restart.ident is None:
                    restart.start()
        assert seen[-1].retry is not None, "the server should say when to come back before closing"
        assert len(progress_of(seen)) < 10, "the stream should have been closed early by the draining instance"
        rest = resume(client, rig.url, last_id(seen))
    assert progress_of(seen) + progress_of(rest) == list(range(1, 11))
    assert result_of(rest)["result"]["content"][0]["text"] == "streamed 10"
    restart.join(timeout=30)
    assert restarted == [True], "the instance should finish its call and exit within its graceful timeout"


def test_sigkill_mid_call_gives_the_resuming_client_an_error(rig: Rig) -> None:
    direct = rig.instances[1].base_url + "/mcp"
    seen: list[SSEEvent] = []
    with httpx.Client(timeout=30) as client:
        try:
            with client.stream(
                "POST", direct, headers=LEGACY, json=call("stream", {"count": 50, "interval": 0.2}, 7)
            ) as r:
                for event in iter_events(r):
                    seen.append(event)
                    if len(progress_of(seen)) == 2:
                        rig.kill(1)
        except httpx.HTTPError:
            pass  # the connection dies with the instance
        started = time.monotonic()
        rest = resume(client, rig.url, last_id(seen))
        waited = time.monotonic() - started
    rig.start_instance(1)
    final = result_of(rest)
    assert final["id"] == 7 and final["error"]["code"] == -32603
    assert waited < 10, f"the resuming client waited {waited:.1f} s"


def test_a_sampling_answer_posted_to_another_instance_reaches_the_call(fleet: Rig) -> None:
    with httpx.Client(timeout=30) as client:
        url = fleet.instances[-1].base_url + "/mcp"
        answer_to = fleet.instances[0].base_url + "/mcp"
        with client.stream("POST", url, headers=LEGACY, json=call("ask", {"question": "2+2?"}, 9, False)) as r:
            events = []
            for event in iter_events(r):
                events.append(event)
                message = event.message
                if message and message.get("method") == "sampling/createMessage":
                    answer = {
                        "jsonrpc": "2.0",
                        "id": message["id"],
                        "result": {"role": "assistant", "content": {"type": "text", "text": "4"}, "model": "m"},
                    }
                    assert client.post(answer_to, headers=LEGACY, json=answer).status_code == 202
    assert result_of(events)["result"]["content"][0]["text"] == "the model said: 4"


def test_redis_outage_degrades_cleanly_and_heals(rig: Rig) -> None:
    with httpx.Client(timeout=30) as client:
        rig.stop_redis()
        try:
            echo = client.post(rig.url, headers=LEGACY, json=call("echo", {"text": "still here"}, 11, False))
            assert echo.json()["result"]["content"][0]["text"] == "still here"
            with client.stream(
                "POST", rig.url, headers=LEGACY, json=call("stream", {"count": 2, "interval": 0.1})
            ) as r:
                events = list(iter_events(r))
            assert progress_of(events) == [1, 2] and not any(e.id for e in events), "streams on, not resumable"

            started = time.monotonic()
            resumed = client.get(rig.url, headers={**LEGACY, "Last-Event-ID": "0" * 32 + ".1-0"})
            assert resumed.status_code == 503 and resumed.json()["error"]["code"] == -32603
            asked = client.post(rig.url, headers=LEGACY, json=call("ask", {"question": "?"}, 12, False))
            message = asked.json()["error"]["message"]
            assert asked.json()["error"]["code"] == -32603 and "temporarily unavailable" in message
            assert "127.0.0.1" not in message and rig.redis_url.rsplit(":", 1)[1].split("/")[0] not in message, (
                "no host or port reaches clients"
            )
            assert time.monotonic() - started < 5, "calls that need Redis must fail fast"
            assert client.get(rig.base_url + "/readyz").status_code == 200
        finally:
            rig.start_redis()
        deadline = time.monotonic() + 10
        while True:
            with client.stream("POST", rig.url, headers=LEGACY, json=call("stream", {"count": 1, "interval": 0})) as r:
                events = list(iter_events(r))
            if any(e.id for e in events) or time.monotonic() > deadline:
                break
            time.sleep(0.2)
        assert any(e.id for e in events), "streams should be resumable again once Redis is back"
