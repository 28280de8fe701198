"""Tasks in Redis, beside the event store's streams: one hash a task, so every worker sees every task.

::

    <p>{t:<task>}:task   HASH   view=<json>, status=<its status>, caller=<principal key>, owner=<worker>

The key expires with the task's TTL. The view is replaced by a script that refuses once the stored
status is terminal, so a task ends exactly once. The owner is the worker running the task; while it
runs one, it keeps its heartbeat key alive (the streams' one, :mod:`app.events.redis_heartbeat`),
and a reader finding an unfinished task whose owner stopped beating reports it orphaned.
"""

from __future__ import annotations

from typing import Any

import orjson

from app.events.redis_client import translated
from app.events.redis_store import RedisEventStore
from app.events.tasks import TERMINAL, StoredTask

UPDATE = """
-- KEYS: task. ARGV: view, status. 1 when replaced; 0 when the task has ended already, or is gone.
local status = redis.call('HGET', KEYS[1], 'status')
if not status or status == 'completed' or status == 'failed' or status == 'cancelled' then return 0 end
redis.call('HSET', KEYS[1], 'view', ARGV[1], 'status', ARGV[2])
return 1
"""


class RedisTaskRecords:
    """Implements :class:`app.events.tasks.TaskRecords` on the Redis of ``store``."""

    def __init__(self, store: RedisEventStore) -> None:
        self.store = store
        self.client = store.client
        self._update = store.client.register_script(UPDATE)

    def _key(self, task_id: str) -> str:
        return self.store.keys.task(task_id)

    async def create(self, task_id: str, view: dict[str, Any], caller: str, ttl_seconds: int) -> None:
        async with translated():
            await self.store.claim()
            key = self._key(task_id)
            async with self.client.pipeline(transaction=True) as pipe:
                mapping: dict[str | bytes, bytes | str] = {
                    "view": orjson.dumps(view),
                    "status": view["status"],
                    "caller": caller,
                    "owner": self.store.worker_id,
                }
                pipe.hset(key, mapping=mapping)  # type: ignore[arg-type]
                pipe.expire(key, ttl_seconds)
                await pipe.execute()

    async def get(self, task_id: str) -> StoredTask | None:
        async with translated():
            found: list[bytes | None] = await self.client.hmget(self._key(task_id), ["view", "caller", "owner"])  # type: ignore[assignment]
            view, caller, owner = found
            if view is None or caller is None or owner is None:
                return None
            parsed = orjson.loads(view)
            alive = parsed["status"] in TERMINAL or await self.client.exists(self.store.keys.alive(owner.decode()))
        return StoredTask(parsed, caller.decode(), orphaned=not alive)

    async def update(self, task_id: str, view: dict[str, Any]) -> bool:
        async with translated():
            replaced = await self._update(keys=[self._key(task_id)], args=[orjson.dumps(view), view["status"]])
        return bool(replaced)
