"""``subscriptions/listen`` across the fleet, with the official Python SDK client: a change announced by
a tool on one instance reaches a listener on another (Redis pub/sub), tagged and filtered; shutting
the listener's instance down ends the stream gracefully, so the client can listen again elsewhere."""

from __future__ import annotations

import asyncio
import warnings

from mcp import Client
from mcp.client.streamable_http import streamable_http_client
from mcp.shared.exceptions import MCPDeprecationWarning
from mcp.shared.subscriptions import ResourceUpdated, ToolsListChanged

from infra.sim import Rig

WATCHED = "memo://watched"


async def test_a_listener_hears_a_change_made_on_another_instance(fleet: Rig) -> None:
    listening_url, changing_url = (f"{instance.base_url}/mcp" for instance in fleet.instances[:2])
    async with (
        Client(streamable_http_client(listening_url)) as listener,
        Client(streamable_http_client(changing_url)) as changer,
        listener.listen(tools_list_changed=True, resource_subscriptions=[WATCHED]) as subscription,
    ):
        assert subscription.honored.tools_list_changed is True
        assert subscription.honored.resource_subscriptions == [WATCHED]
        assert not subscription.honored.prompts_list_changed
        await changer.call_tool("change", {"uri": "memo://not-watched"})
        await changer.call_tool("change", {"uri": WATCHED})
        events = []
        async with asyncio.timeout(10):
            async for event in subscription:
                events.append(event)
                if isinstance(event, ResourceUpdated):
                    break
    assert ToolsListChanged() in events
    assert [event.uri for event in events if isinstance(event, ResourceUpdated)] == [WATCHED]


async def test_shutting_an_instance_down_ends_its_listen_streams_gracefully(rig: Rig) -> None:
    url = f"{rig.instances[2].base_url}/mcp"
    async with (
        Client(streamable_http_client(url)) as client,
        client.listen(tools_list_changed=True) as subscription,
    ):
        restarting = asyncio.get_running_loop().run_in_executor(None, rig.restart, 2)
        async with asyncio.timeout(30):
            events = [event async for event in subscription]  # ends without SubscriptionLost
        assert await restarting
    assert events == []


async def test_a_handshake_era_client_hears_changes_on_the_streams_of_its_calls(rig: Rig) -> None:
    """No listen stream and no session in the handshake era: the notifications ride on the SSE reply of
    a call in progress; resource updates only for what the caller subscribed to, on any worker."""
    heard: list[tuple[str, str | None]] = []

    async def on_message(message: object) -> None:
        method = getattr(message, "method", None)
        if isinstance(method, str) and method.startswith("notifications/") and method != "notifications/progress":
            heard.append((method, getattr(getattr(message, "params", None), "uri", None)))

    async def progress(progress: float, total: float | None, message: str | None) -> None:
        """Asking for progress makes the call's reply an SSE stream."""

    changing_url = f"{rig.instances[1].base_url}/mcp"
    async with (
        Client(streamable_http_client(rig.url), mode="legacy", message_handler=on_message) as listener,
        Client(streamable_http_client(changing_url)) as changer,
    ):
        capabilities = listener.server_capabilities
        assert capabilities is not None and capabilities.tools is not None and capabilities.tools.list_changed
        assert capabilities.resources is not None and capabilities.resources.subscribe
        with warnings.catch_warnings(action="ignore", category=MCPDeprecationWarning):  # deprecated in 2026-07-28
            await listener.subscribe_resource(WATCHED)
        call = asyncio.create_task(
            listener.call_tool("stream", {"count": 30, "interval": 0.1}, progress_callback=progress)
        )
        await asyncio.sleep(1)
        await changer.call_tool("change", {"uri": "memo://not-watched"})
        await changer.call_tool("change", {"uri": WATCHED})
        result = await asyncio.wait_for(call, 20)
    assert not result.is_error
    assert ("notifications/tools/list_changed", None) in heard, heard
    assert [uri for method, uri in heard if method == "notifications/resources/updated"] == [WATCHED], heard
