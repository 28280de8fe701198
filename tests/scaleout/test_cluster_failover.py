"""A Redis Cluster failover under a live call: the master holding the call's stream dies while a client
resumes it on the other instance. The stream resumes, or ends with a clean JSON-RPC error; nothing
hangs."""

from __future__ import annotations

import time

import httpx

from infra.sim import Rig
from tests.support.redis_cluster import RedisCluster
from tests.support.sse import SSEEvent, iter_events
from tests.support.streams import LEGACY, call, finals, last_id, progress_of, result_of

BOUND_SECONDS = 30
"""The call lasts 6 s and the failover about 3: well past both, something hangs."""


def test_a_stream_resumes_through_a_failover_of_its_slots_master(cluster_rig: Rig, redis_cluster: RedisCluster) -> None:
    started = time.monotonic()
    caller, resumer = (f"{instance.base_url}/mcp" for instance in cluster_rig.instances[:2])
    seen: list[SSEEvent] = []
    unavailable = 0
    with httpx.Client(timeout=10) as client:
        with client.stream("POST", caller, headers=LEGACY, json=call("stream", {"count": 30, "interval": 0.2})) as r:
            for event in iter_events(r):
                seen.append(event)
                if len(progress_of(seen)) == 3:
                    break  # the client's connection is cut here
        stream = last_id(seen).rpartition(".")[0]
        redis_cluster.kill_master_of(f"mcp:{{s:{stream}}}:events")
        try:
            while not finals(seen):
                assert time.monotonic() - started < BOUND_SECONDS, f"no end after {BOUND_SECONDS} s: {seen[-3:]}"
                headers = {**LEGACY, "Last-Event-ID": last_id(seen)}
                with client.stream("GET", resumer, headers=headers) as r:
                    if r.status_code == 503:  # the failover's window: a clean refusal, the client retries
                        assert r.read() and r.json()["error"]["code"] == -32603
                        unavailable += 1
                        time.sleep(0.2)
                        continue
                    assert r.status_code == 200, r.read()
                    seen += iter_events(r)
        finally:
            redis_cluster.heal()
    final = result_of(seen)
    assert final["id"] == 1
    if "result" in final:
        assert final["result"]["content"][0]["text"] == "streamed 30"
        progress = progress_of(seen)
        assert progress == sorted(set(progress)) and progress[-1] == 30, "in order, none twice, to the end"
    else:
        assert final["error"]["code"] == -32603
