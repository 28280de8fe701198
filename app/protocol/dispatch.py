"""The protocol engine: one handler per JSON-RPC method, chosen by a dict lookup per era.

Handlers take ``(params, ctx)`` and return the result object. Results that never change between
requests (the lists) are serialised once per server revision and era and reused as
``orjson.Fragment`` values, so ``tools/list`` costs a lookup, not a rebuild.
"""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable
from typing import Any

import orjson

from app.protocol.admission import Admitted
from app.protocol.channel import ClientChannel
from app.protocol.context import LOG_LEVELS, Context, Emit
from app.protocol.errors import (
    Forbidden,
    InternalError,
    InvalidCursor,
    InvalidParams,
    MCPError,
    MethodNotFound,
    ResourceNotFound,
    UnknownPrompt,
    UnknownTool,
)
from app.protocol.invoke import Runner
from app.protocol.listen import LIST_CHANGES, MAX_RESOURCE_SUBSCRIPTIONS, Listeners, honoured
from app.protocol.messages import error_response, result_response
from app.protocol.pages import ListPages, cache_hints
from app.protocol.principal import ANONYMOUS, Principal, bearer_challenge
from app.protocol.registry import MCPServer
from app.protocol.request_state import StateSealer
from app.protocol.retry import RETRYABLE, InputRequired, Retries
from app.protocol.tasks import EXTENSION, STATUS_NOTIFICATION, TaskHost, TaskNotFound, require_extension, task_id_of
from app.protocol.versions import (
    META_SERVER_INFO,
    SUPPORTED_VERSIONS,
    Era,
    negotiate_legacy,
)

logger = logging.getLogger("app.protocol")

Result = dict[str, Any] | orjson.Fragment
Handler = Callable[[dict[str, Any], Context], Awaitable[Result]]
Answer = tuple[dict[str, Any], MCPError | None]
"""The JSON-RPC response, and the error it reports (``None`` for a result, ``isError`` ones included)."""

MAX_COMPLETIONS = 100


def _string(params: dict[str, Any], key: str, max_length: int) -> str:
    """A required string parameter; bounded, because names and URIs are repeated in errors and logs."""
    value = params.get(key)
    if not isinstance(value, str):
        raise InvalidParams(f"params.{key} must be a string")
    if len(value) > max_length:
        raise InvalidParams(f"params.{key} is longer than {max_length} characters")
    return value


def _object(params: dict[str, Any], key: str) -> dict[str, Any]:
    value = params.get(key)
    if value is None:
        return {}
    if not isinstance(value, dict):
        raise InvalidParams(f"params.{key} must be an object")
    return value


class Engine:
    """Answers requests for one :class:`MCPServer`, in either era, with no state between requests."""

    def __init__(
        self,
        server: MCPServer,
        *,
        page_size: int = 100,
        list_ttl_ms: int = 60_000,
        runner: Runner | None = None,
        max_id_length: int = 256,
        max_uri_length: int = 2048,
        resource_metadata_url: str | None = None,
        legacy_log_level: str | None = "info",
        retries: Retries | None = None,
    ) -> None:
        self.server = server
        self.page_size = page_size
        self.list_ttl_ms = list_ttl_ms
        self.runner = runner or Runner()
        self.max_id_length = max_id_length
        self.max_uri_length = max_uri_length
        self.resource_metadata_url = resource_metadata_url
        """Named in the challenge of a 403 for a missing scope (``None`` without auth metadata)."""
        self.legacy_log_level = legacy_log_level
        """Stateless handshake-era requests cannot remember ``logging/setLevel``; this stands in for it."""
        self.listeners: Listeners | None = None
        """This worker's listen streams (set by the transport that can carry them: :meth:`listen_with`)."""
        self.tasks: TaskHost | None = None
        """Where calls of ``task=True`` tools may become tasks (set by a transport whose store can keep
        them for every worker that may be asked about them)."""
        self.retries = retries or Retries(StateSealer.generated(600))
        """2026-07-28's questions to the client (MRTR): opens a retry's ``requestState``, seals the next."""
        self.result_meta = {META_SERVER_INFO: server.info}
        self.pages = ListPages(server, page_size=page_size, ttl_ms=list_ttl_ms, result_meta=self.result_meta)
        shared: dict[str, Handler] = {
            "tools/list": self.list_page,
            "tools/call": self.tools_call,
            "resources/list": self.list_page,
            "resources/templates/list": self.list_page,
            "resources/read": self.resources_read,
            "prompts/list": self.list_page,
            "prompts/get": self.prompts_get,
            "completion/complete": self.completion_complete,
        }
        self.handlers: dict[Era, dict[str, Handler]] = {
            Era.LEGACY: {
                **shared,
                "initialize": self.initialize,
                "ping": self.empty,
                "logging/setLevel": self.logging_set_level,
                "resources/subscribe": self.resources_subscribe,
                "resources/unsubscribe": self.resources_subscribe,
            },
            Era.MODERN: {
                **shared,
                "server/discover": self.server_discover,
                "subscriptions/listen": self.subscriptions_listen,
                "tasks/get": self.tasks_get,
                "tasks/update": self.tasks_update,
                "tasks/cancel": self.tasks_cancel,
            },
        }

    def listen_with(self, listeners: Listeners | None) -> None:
        """Serve ``subscriptions/listen`` with ``listeners`` and route the server's announcements
        through it (``None`` detaches, when the transport closes)."""
        if self.listeners is not None and self.listeners in self.server.listeners:
            self.server.listeners.remove(self.listeners)
        self.listeners = listeners
        if listeners is not None:
            self.server.listeners.append(listeners)

    def context(
        self,
        admitted: Admitted,
        emit: Emit | None,
        channel: ClientChannel | None = None,
        principal: Principal = ANONYMOUS,
    ) -> Context:
        """The tool's view of an admitted request; ``emit`` and ``channel`` are what the transport can carry."""
        modern = admitted.era is Era.MODERN
        return Context(
            request_id=admitted.request_id,
            method=admitted.method,
            era=admitted.era,
            protocol_version=admitted.protocol_version,
            meta=admitted.meta,
            client_capabilities=admitted.client_capabilities,
            progress_token=admitted.progress_token,
            log_level=admitted.log_level if modern else self.legacy_log_level,
            emit=emit,
            channel=channel,
            principal=principal,
            announcer=self.server,
        )

    async def answer(self, params: dict[str, Any], ctx: Context) -> Answer:
        """The JSON-RPC response to one request, for every transport: its result (modern results get
        ``resultType`` and ``serverInfo`` here, in one place) or the error it raised, a bug included."""
        handler = self.handlers[ctx.era].get(ctx.method)
        retry = None
        try:
            if handler is None:
                raise MethodNotFound(f"Method not found: {ctx.method}")
            if ctx.era is Era.MODERN and ctx.method in RETRYABLE:
                retry = self.retries.channel(params, ctx)
                ctx.use_channel(retry)
            result = await handler(params, ctx)
        except InputRequired as needed:
            assert retry is not None  # only a retry channel asks this way
            result = self.retries.input_required(needed, retry, params, ctx)
        except MCPError as exc:
            return error_response(ctx.request_id, exc, ctx.era), exc
        except Exception:
            logger.exception("%s failed", ctx.method)
            error = InternalError("Internal error")
            return error_response(ctx.request_id, error, ctx.era), error
        if ctx.era is Era.MODERN and type(result) is dict:
            result.setdefault("resultType", "complete")
            result.setdefault("_meta", self.result_meta)
        return result_response(ctx.request_id, result), None

    # -- both eras -------------------------------------------------------------------------------

    async def list_page(self, params: dict[str, Any], ctx: Context) -> Result:
        cursor = params.get("cursor")
        if cursor is not None and (not isinstance(cursor, str) or len(cursor) > self.max_id_length):
            raise InvalidCursor("cursor must be a cursor this server sent")
        return self.pages.page(ctx.method, ctx.era, cursor)

    async def tools_call(self, params: dict[str, Any], ctx: Context) -> Result:
        name = _string(params, "name", self.max_id_length)
        tool = self.server.tools.get(name)
        if tool is None:
            raise UnknownTool(f"Unknown tool: {name}")
        self._authorize(tool.scopes, ctx)
        arguments = _object(params, "arguments")
        if tool.task and self.tasks is not None and self.tasks.offered(ctx):
            return await self.tasks.start(
                lambda task_ctx: tool.call(arguments, task_ctx, self.runner), ctx, tool.time_limit
            )
        return await tool.call(arguments, ctx, self.runner)

    async def resources_read(self, params: dict[str, Any], ctx: Context) -> Result:
        uri = _string(params, "uri", self.max_uri_length)
        resource = self.server.resources.get(uri)
        if resource is not None:
            self._authorize(resource.scopes, ctx)
            contents = await resource.read(uri, ctx, self.runner)
        else:
            for template in self.server.templates.values():
                variables = template.template.match(uri)
                if variables is not None:
                    self._authorize(template.resource.scopes, ctx)
                    contents = await template.resource.read(uri, ctx, self.runner, variables)
                    break
            else:
                raise ResourceNotFound(f"Resource not found: {uri}", data={"uri": uri})
        result: dict[str, Any] = {"contents": contents}
        if ctx.era is Era.MODERN:
            result.update(cache_hints(0))
        return result

    async def prompts_get(self, params: dict[str, Any], ctx: Context) -> Result:
        name = _string(params, "name", self.max_id_length)
        prompt = self.server.prompts.get(name)
        if prompt is None:
            raise UnknownPrompt(f"Unknown prompt: {name}")
        self._authorize(prompt.scopes, ctx)
        return await prompt.render(_object(params, "arguments"), ctx, self.runner)

    async def completion_complete(self, params: dict[str, Any], ctx: Context) -> Result:
        ref, argument = _object(params, "ref"), _object(params, "argument")
        ref_type = ref.get("type")
        ref_key = ref.get("name") if ref_type == "ref/prompt" else ref.get("uri")
        name, value = argument.get("name"), argument.get("value")
        if not isinstance(ref_key, str) or not isinstance(name, str) or not isinstance(value, str):
            raise InvalidParams("completion/complete needs ref.type with ref.name or ref.uri, and argument.name/value")
        completer = self.server.completers.get((str(ref_type), ref_key, name))
        if completer is None:
            return {"completion": {"values": []}}
        chosen = _object(params, "context").get("arguments") or {}
        values = list(completer(value, chosen))
        completion: dict[str, Any] = {"values": values[:MAX_COMPLETIONS], "total": len(values)}
        completion["hasMore"] = len(values) > MAX_COMPLETIONS
        return {"completion": completion}

    def _authorize(self, scopes: frozenset[str], ctx: Context) -> None:
        """A caller whose token lacks a scope the item asks for gets 403 with every scope it needs."""
        if not scopes <= ctx.principal.scopes:
            challenge = bearer_challenge(self.resource_metadata_url, error="insufficient_scope", scopes=scopes)
            raise Forbidden("Insufficient scope", challenge)

    def capabilities(self, era: Era) -> dict[str, Any]:
        """What this server offers, from what is registered. ``listChanged`` and ``subscribe`` where
        changes can reach the client: when a transport carries them (2026-07-28's
        ``subscriptions/listen``; the handshake era's streams of calls in progress)."""
        server = self.server
        announces = self.listeners is not None
        capabilities: dict[str, Any] = {"logging": {}}
        if server.tools:
            capabilities["tools"] = {"listChanged": announces}
        if server.resources or server.templates:
            capabilities["resources"] = {"subscribe": announces, "listChanged": announces}
        if server.prompts:
            capabilities["prompts"] = {"listChanged": announces}
        if server.completers:
            capabilities["completions"] = {}
        if era is Era.MODERN and self.tasks is not None and any(tool.task for tool in server.tools.values()):
            capabilities["extensions"] = {EXTENSION: {}}
        return capabilities

    # -- handshake era -----------------------------------------------------------------------

    async def initialize(self, params: dict[str, Any], ctx: Context) -> Result:
        result = {
            "protocolVersion": negotiate_legacy(params.get("protocolVersion")),
            "capabilities": self.capabilities(Era.LEGACY),
            "serverInfo": self.server.info,
        }
        if self.server.instructions:
            result["instructions"] = self.server.instructions
        return result

    async def empty(self, params: dict[str, Any], ctx: Context) -> Result:
        return {}

    async def logging_set_level(self, params: dict[str, Any], ctx: Context) -> Result:
        """Accepted and checked, but not remembered: no session holds it. See ``legacy_log_level``."""
        if params.get("level") not in LOG_LEVELS:
            raise InvalidParams(f"Unknown log level: {params.get('level')!r}")
        return {}

    async def resources_subscribe(self, params: dict[str, Any], ctx: Context) -> Result:
        """Remembered for the caller on every worker: updates to the URI reach the caller's streams
        (its calls in progress) from then on (``resources/unsubscribe`` too)."""
        uri = _string(params, "uri", self.max_uri_length)
        if self.listeners is not None:
            await self.listeners.remember(ctx.principal.key, uri, ctx.method == "resources/subscribe")
        return {}

    # -- 2026-07-28 -------------------------------------------------------------------------

    async def server_discover(self, params: dict[str, Any], ctx: Context) -> Result:
        result = {
            "supportedVersions": list(SUPPORTED_VERSIONS),
            "capabilities": self.capabilities(Era.MODERN),
            **cache_hints(self.list_ttl_ms),
        }
        if self.server.instructions:
            result["instructions"] = self.server.instructions
        return result

    async def subscriptions_listen(self, params: dict[str, Any], ctx: Context) -> Result:
        """Acknowledge what is honoured, then deliver the changes announced anywhere in the fleet, each
        tagged with the subscription id, until the client leaves or the worker shuts down; then end
        with the result, so the client listens again elsewhere. A client that cannot take a stream
        (JSON-only) gets the acknowledgement's filter and the end at once."""
        subscription = {"io.modelcontextprotocol/subscriptionId": ctx.request_id}
        wanted = honoured(params.get("notifications"), self.max_uri_length) if self.listeners is not None else {}
        task_ids = await self._listened_tasks(params.get("notifications"), ctx)
        if task_ids:
            wanted["taskIds"] = task_ids
        await ctx.notify("notifications/subscriptions/acknowledged", {"notifications": wanted, "_meta": subscription})
        if self.listeners is not None and ctx.can_stream and wanted:
            kinds = frozenset(LIST_CHANGES[key] for key in LIST_CHANGES if key in wanted)
            uris = frozenset(wanted.get("resourceSubscriptions", ()))
            async with self.listeners.subscribe(kinds, uris, frozenset(task_ids)) as listening:
                for task_id in task_ids:  # where each task stands now; then each change
                    listening.offer(STATUS_NOTIFICATION, task_id)
                while (due := await listening.next()) is not None:
                    for method, name in due:
                        notice = await self._notice(method, name, ctx)
                        if notice is not None:
                            await ctx.notify(method, {**notice, "_meta": subscription})
        return {"_meta": {**self.result_meta, **subscription}}

    async def _notice(self, method: str, name: str | None, ctx: Context) -> dict[str, Any] | None:
        """A listen notification's params: a task's whole current state, a resource's URI, or nothing."""
        if method != STATUS_NOTIFICATION:
            return {"uri": name} if name else {}
        assert self.tasks is not None  # only listened to through the host
        assert name is not None
        try:
            return await self.tasks.get(name, ctx)
        except TaskNotFound:  # expired meanwhile
            return None

    async def _listened_tasks(self, wanted: Any, ctx: Context) -> list[str]:
        """The ``taskIds`` of a listen request that this server will report on: the caller's own tasks.
        Asking for any without declaring the extension is an error (-32021)."""
        task_ids = wanted.get("taskIds") if isinstance(wanted, dict) else None
        if not isinstance(task_ids, list) or not task_ids:
            return []
        require_extension(ctx)
        if self.tasks is None or self.listeners is None:
            return []
        honoured_ids = []
        for task_id in dict.fromkeys(task_ids[:MAX_RESOURCE_SUBSCRIPTIONS]):
            try:
                await self.tasks.get(task_id_of({"taskId": task_id}), ctx)
            except InvalidParams:  # not a task id, or not one of the caller's
                continue
            honoured_ids.append(task_id)
        return honoured_ids

    # -- the tasks extension (2026-07-28) -----------------------------------------------------

    def _task_host(self, ctx: Context) -> TaskHost:
        if self.tasks is None:
            raise MethodNotFound(f"Method not found: {ctx.method} (this server runs no tasks)")
        return self.tasks

    async def tasks_get(self, params: dict[str, Any], ctx: Context) -> Result:
        return await self._task_host(ctx).get(task_id_of(params), ctx)

    async def tasks_update(self, params: dict[str, Any], ctx: Context) -> Result:
        host, task_id = self._task_host(ctx), task_id_of(params)
        responses = params.get("inputResponses")
        if not isinstance(responses, dict):
            raise InvalidParams("params.inputResponses must be an object")
        await host.update(task_id, responses, ctx)
        return {}

    async def tasks_cancel(self, params: dict[str, Any], ctx: Context) -> Result:
        await self._task_host(ctx).cancel(task_id_of(params), ctx)
        return {}
