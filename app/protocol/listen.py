"""Change notifications across the fleet: changes announced anywhere reach every listener.

A tool (``ctx.notify_tools_changed()``) or code outside a request (``server.notify_tools_changed()``)
announces a change; the announcement goes out on the EventStore's fleet channel (topic ``changes``:
Redis pub/sub, or in-process with the memory store), and every worker's :class:`Listeners` hands it
to the listen streams it holds whose client opted into that kind (2026-07-28's
``subscriptions/listen``). A subscription keeps the notifications it has not sent yet as a set, so a
burst of changes costs one notification of each kind and memory stays bounded by what one client
subscribed to.

Handshake-era clients have no listen stream, and a stateless server no session GET stream: they get
the notifications on the streams they have, the SSE replies of their calls in progress (the
transport's ``on_change`` hook). Their ``resources/subscribe`` is told to every worker (topic
``subscriptions``), which remembers it for the caller (:class:`CallerSubscriptions`), so an update
reaches that caller's streams on any worker from then on.
"""

from __future__ import annotations

import asyncio
from collections import OrderedDict
from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import asynccontextmanager
from typing import Any

import orjson

CHANGES_TOPIC = "changes"
SUBSCRIPTIONS_TOPIC = "subscriptions"
MAX_SUBSCRIBED_CALLERS = 1024
"""Callers whose handshake-era ``resources/subscribe`` one worker remembers; past it the one idle longest
is forgotten (its client no longer gets updates; it subscribes again on reconnecting)."""
LIST_CHANGES = {
    "toolsListChanged": "notifications/tools/list_changed",
    "promptsListChanged": "notifications/prompts/list_changed",
    "resourcesListChanged": "notifications/resources/list_changed",
}
UPDATED = "notifications/resources/updated"
TASK_STATUS = "notifications/tasks"
"""A task's status changed (the tasks extension); its ``uri`` slot carries the task id."""
MAX_RESOURCE_SUBSCRIPTIONS = 100
"""URIs one listen request may watch; more are not honoured (the acknowledgement says which are)."""

Publish = Callable[[str, bytes], Awaitable[None]]
Notice = tuple[str, str | None]
"""A notification method, and the resource URI (``notifications/resources/updated``) or task id."""


class Subscription:
    def __init__(self, kinds: frozenset[str], uris: frozenset[str], task_ids: frozenset[str] = frozenset()) -> None:
        self.kinds = kinds
        """The notification methods the client opted into."""
        self.uris = uris
        self.task_ids = task_ids
        """The tasks whose status changes the client asked for (the tasks extension)."""
        self.pending: dict[Notice, None] = {}
        self.wake = asyncio.Event()
        self.closed = False

    def offer(self, method: str, uri: str | None) -> None:
        if method == UPDATED:
            if uri not in self.uris:
                return
        elif method == TASK_STATUS:
            if uri not in self.task_ids:
                return
        elif method not in self.kinds:
            return
        self.pending[(method, uri)] = None
        self.wake.set()

    def close(self) -> None:
        self.closed = True
        self.wake.set()

    async def next(self) -> list[Notice] | None:
        """The notifications due now, oldest first; ``None`` once the subscription must end."""
        while not self.pending and not self.closed:
            await self.wake.wait()
            self.wake.clear()
        if self.closed:
            return None
        due, self.pending = list(self.pending), {}
        return due


class CallerSubscriptions:
    """The resource URIs each handshake-era caller subscribed to: at most ``MAX_RESOURCE_SUBSCRIPTIONS``
    each, for the ``MAX_SUBSCRIBED_CALLERS`` callers heard from last."""

    def __init__(self) -> None:
        self._uris: OrderedDict[str, set[str]] = OrderedDict()

    def change(self, caller: str, uri: str, subscribed: bool) -> None:
        uris = self._uris.pop(caller, set())
        if subscribed and len(uris) < MAX_RESOURCE_SUBSCRIPTIONS:
            uris.add(uri)
        elif not subscribed:
            uris.discard(uri)
        if uris:
            self._uris[caller] = uris
            if len(self._uris) > MAX_SUBSCRIBED_CALLERS:
                self._uris.popitem(last=False)

    def watches(self, caller: str, uri: str) -> bool:
        return uri in self._uris.get(caller, ())


OnChange = Callable[[str, "str | None"], None]


class Listeners:
    """This worker's listen streams, and the way to announce a change to every worker's."""

    def __init__(self, publish: Publish) -> None:
        self.publish = publish
        self._subscriptions: set[Subscription] = set()
        self.closing = False
        self.callers = CallerSubscriptions()
        """Handshake-era ``resources/subscribe``, as every worker heard it."""
        self.on_change: OnChange | None = None
        """Told of every change too: the transport hands it to handshake-era streams."""

    async def announce(self, method: str, uri: str | None = None) -> None:
        await self.publish(CHANGES_TOPIC, orjson.dumps([method, uri]))

    async def remember(self, caller: str, uri: str, subscribed: bool) -> None:
        """Tell every worker that ``caller`` (un)subscribed to ``uri`` (handshake era)."""
        await self.publish(SUBSCRIPTIONS_TOPIC, orjson.dumps([caller, uri, subscribed]))

    def deliver(self, payload: bytes) -> None:
        """The fleet channel's handler for ``changes``."""
        try:
            method, uri = orjson.loads(payload)
        except (orjson.JSONDecodeError, ValueError, TypeError):
            return
        if isinstance(method, str) and (uri is None or isinstance(uri, str)):
            for subscription in self._subscriptions:
                subscription.offer(method, uri)
            if self.on_change is not None:
                self.on_change(method, uri)

    def deliver_subscription(self, payload: bytes) -> None:
        """The fleet channel's handler for ``subscriptions``."""
        try:
            caller, uri, subscribed = orjson.loads(payload)
        except (orjson.JSONDecodeError, ValueError, TypeError):
            return
        if isinstance(caller, str) and isinstance(uri, str) and isinstance(subscribed, bool):
            self.callers.change(caller, uri, subscribed)

    @asynccontextmanager
    async def subscribe(
        self, kinds: frozenset[str], uris: frozenset[str], task_ids: frozenset[str] = frozenset()
    ) -> AsyncIterator[Subscription]:
        subscription = Subscription(kinds, uris, task_ids)
        if self.closing:
            subscription.close()
        self._subscriptions.add(subscription)
        try:
            yield subscription
        finally:
            self._subscriptions.discard(subscription)

    def close(self) -> int:
        """End every listen stream gracefully (shutdown: their clients listen again elsewhere)."""
        self.closing = True
        for subscription in self._subscriptions:
            subscription.close()
        return len(self._subscriptions)

    def __len__(self) -> int:
        return len(self._subscriptions)


def honoured(wanted: Any, max_uri_length: int) -> dict[str, Any]:
    """The part of a listen request's ``notifications`` filter this server honours."""
    if not isinstance(wanted, dict):
        return {}
    accepted: dict[str, Any] = {key: True for key in LIST_CHANGES if wanted.get(key) is True}
    uris = wanted.get("resourceSubscriptions")
    if isinstance(uris, list):
        kept = [uri for uri in uris if isinstance(uri, str) and len(uri) <= max_uri_length]
        if kept:
            accepted["resourceSubscriptions"] = list(dict.fromkeys(kept))[:MAX_RESOURCE_SUBSCRIPTIONS]
    return accepted


Announce = Callable[[str, "str | None"], Awaitable[None]]


class Announcements:
    """The change announcements a tool (``ctx``) and the server object share, named as in the
    official SDK. Each reaches every listener of the fleet that opted into it."""

    async def _announce(self, method: str, uri: str | None = None) -> None:
        raise NotImplementedError

    async def notify_tools_changed(self) -> None:
        await self._announce(LIST_CHANGES["toolsListChanged"])

    async def notify_prompts_changed(self) -> None:
        await self._announce(LIST_CHANGES["promptsListChanged"])

    async def notify_resources_changed(self) -> None:
        await self._announce(LIST_CHANGES["resourcesListChanged"])

    async def notify_resource_updated(self, uri: str) -> None:
        await self._announce(UPDATED, uri)
