"""``MCPServer``: the tool author's registry of tools, resources, prompts and completions.

Registration does the work a call would otherwise repeat: the JSON Schema, whether the function is
async, which parameter takes the :class:`Context`, and the wire definition ``*/list`` returns, all
frozen into a record. A call then costs one dict lookup and one validation.
"""

from __future__ import annotations

import inspect
from collections.abc import Callable, Iterable
from typing import Any, TypeVar, overload

from app.protocol.context import Context
from app.protocol.invoke import is_async
from app.protocol.listen import Announcements, Listeners
from app.protocol.prompt import Prompt, prompt_arguments
from app.protocol.resource import Resource, ResourceTemplate
from app.protocol.schema import inspect_output, inspect_parameters
from app.protocol.tool import Tool
from app.protocol.uri_template import UriTemplate

F = TypeVar("F", bound=Callable[..., Any])
Completer = Callable[[str, dict[str, str]], Iterable[str]]
"""``(value typed so far, other arguments already chosen) -> candidates``."""


def _describe(fn: Callable[..., Any], description: str | None) -> str | None:
    return description if description is not None else inspect.getdoc(fn)


def _named(fn: F | str | None, name: str | None) -> tuple[F | None, str | None]:
    """FastMCP's ``@server.tool("name")``: a name given where the function would go."""
    if not isinstance(fn, str):
        return fn, name
    if name is not None:
        raise TypeError(f"two names given: {fn!r} and name={name!r}")
    return None, fn


def _definition(**fields: Any) -> dict[str, Any]:
    """A wire object without its unset optional fields."""
    return {key: value for key, value in fields.items() if value is not None}


class MCPServer(Announcements):
    """A named set of tools, resources, prompts and completions, served by :func:`app.main.create_app`.

    ::

        server = MCPServer("weather")

        @server.tool
        async def forecast(city: str, ctx: Context) -> str:
            \"\"\"Tomorrow's weather for a city.\"\"\"
            await ctx.info(f"looking up {city}")
            return "sunny"
    """

    def __init__(
        self,
        name: str,
        version: str = "0.1.0",
        *,
        title: str | None = None,
        instructions: str | None = None,
        website_url: str | None = None,
    ) -> None:
        self.name = name
        self.version = version
        self.instructions = instructions
        self.info = _definition(name=name, version=version, title=title, websiteUrl=website_url)
        """The ``Implementation`` object sent as ``serverInfo``."""
        self.tools: dict[str, Tool] = {}
        self.resources: dict[str, Resource] = {}
        self.templates: dict[str, ResourceTemplate] = {}
        self.prompts: dict[str, Prompt] = {}
        self.completers: dict[tuple[str, str, str], Completer] = {}
        self.revision = 0
        """Bumped on every registration, so caches built from the lists know they are stale."""
        self.listeners: list[Listeners] = []
        """The running endpoints' listen hubs (normally one per process): announcements go through them."""

    def _changed(self) -> None:
        self.revision += 1

    def scopes(self) -> frozenset[str]:
        """Every scope a tool, resource or prompt asks for (the resource metadata's ``scopes_supported``)."""
        records: list[Any] = [*self.tools.values(), *self.resources.values(), *self.prompts.values()]
        records += [template.resource for template in self.templates.values()]
        return frozenset().union(*(record.scopes for record in records))

    def run(
        self,
        transport: str = "stdio",
        *,
        host: str | None = None,
        port: int | None = None,
        path: str | None = None,
        log_level: str | None = None,
    ) -> None:
        """Serve this server until stopped, as FastMCP's ``mcp.run()`` does: ``"stdio"`` (the default)
        or ``"http"`` (also ``"streamable-http"``) with uvicorn; the rest of the settings come from
        ``FASTMCP_*``. For production, serve ``app.main:app`` with gunicorn instead."""
        from app.__main__ import serve  # the protocol layer starts a server only when asked
        from app.settings import load_settings

        if transport not in ("stdio", "http", "streamable-http"):
            raise ValueError(f"transport must be 'stdio' or 'http', not {transport!r}")
        overrides = {"host": host, "port": port, "streamable_http_path": path, "log_level": log_level}
        settings = load_settings(**{key: value for key, value in overrides.items() if value is not None})
        serve(settings, "stdio" if transport == "stdio" else "http", server=self)

    async def _announce(self, method: str, uri: str | None = None) -> None:
        """Announce a change from code outside a request; a no-op until an endpoint serves this server."""
        for listeners in list(self.listeners):
            await listeners.announce(method, uri)

    @overload
    def tool(self, fn: F, /) -> F: ...

    @overload
    def tool(
        self,
        fn: str | None = None,
        /,
        *,
        name: str | None = None,
        title: str | None = None,
        description: str | None = None,
        annotations: dict[str, Any] | None = None,
        meta: dict[str, Any] | None = None,
        timeout: float | None = None,
        scopes: Iterable[str] = (),
        tags: Iterable[str] = (),
        enabled: bool = True,
        output_schema: object | None = ...,
        exclude_args: Iterable[str] = (),
        task: bool = False,
    ) -> Callable[[F], F]: ...

    def tool(
        self,
        fn: F | str | None = None,
        /,
        *,
        name: str | None = None,
        title: str | None = None,
        description: str | None = None,
        annotations: dict[str, Any] | None = None,
        meta: dict[str, Any] | None = None,
        timeout: float | None = None,
        scopes: Iterable[str] = (),
        tags: Iterable[str] = (),
        enabled: bool = True,
        output_schema: object | None = ...,
        exclude_args: Iterable[str] = (),
        task: bool = False,
    ) -> F | Callable[[F], F]:
        """Register a tool: bare ``@server.tool``, ``@server.tool(name=..., annotations=...)`` or, as in
        FastMCP, ``@server.tool("name")``.

        The docstring is the description, type hints the ``inputSchema``; the return annotation
        gives an ``outputSchema`` unless it is content blocks (``str`` gets FastMCP's ``{"result": ...}``).
        ``timeout`` (seconds) replaces the server's default time limit for this tool; ``scopes`` are
        what a caller's token must hold.
        FastMCP's options mean what they mean there: ``tags`` are kept on the tool (``server.tools``),
        ``enabled=False`` leaves it unregistered, ``output_schema=None`` sends no ``outputSchema``
        (a schema of your own is not taken: annotate the return type), ``exclude_args`` hides
        parameters with defaults from the schema and from clients. ``task=True`` lets a call become a
        task (the tasks extension: the client gets a handle at once and polls for the result) when
        the client declared the extension; other clients get the result inline.
        """
        fn, name = _named(fn, name)
        if timeout is not None and not timeout > 0:
            raise ValueError(f"timeout must be a positive number of seconds, not {timeout!r}")
        if output_schema is not ... and output_schema is not None:
            raise TypeError("output_schema takes only None (no outputSchema): annotate the return type instead")
        if not isinstance(task, bool):
            raise TypeError("task takes True or False (a task's TTL and poll interval are FASTMCP_TASK_* settings)")

        def register(fn: F) -> F:
            if not enabled:
                return fn
            tool_name = name or fn.__name__
            signature = inspect_parameters(fn, Context, frozenset(exclude_args))
            output = inspect_output(fn) if output_schema is ... else None
            definition = _definition(
                name=tool_name,
                title=title,
                description=_describe(fn, description),
                inputSchema=signature.schema,
                outputSchema=output.schema if output else None,
                annotations=annotations,
                _meta=meta,
            )
            self.tools[tool_name] = Tool(
                tool_name,
                fn,
                is_async(fn),
                signature,
                output,
                definition,
                timeout,
                frozenset(scopes),
                frozenset(tags),
                task,
            )
            self._changed()
            return fn

        return register(fn) if fn is not None else register

    def resource(
        self,
        uri: str,
        *,
        name: str | None = None,
        title: str | None = None,
        description: str | None = None,
        mime_type: str | None = None,
        annotations: dict[str, Any] | None = None,
        meta: dict[str, Any] | None = None,
        scopes: Iterable[str] = (),
        tags: Iterable[str] = (),
        enabled: bool = True,
    ) -> Callable[[F], F]:
        """Register a resource at a fixed URI, or a template when ``uri`` has ``{variables}`` (RFC 6570).

        A template's variables are passed to the function's parameters of the same names. ``meta``,
        ``tags`` and ``enabled`` mean what they mean for :meth:`tool`.
        """

        def register(fn: F) -> F:
            if not enabled:
                return fn
            signature = inspect_parameters(fn, Context)
            fields = {
                "name": name or fn.__name__,
                "title": title,
                "description": _describe(fn, description),
                "mimeType": mime_type,
                "annotations": annotations,
                "_meta": meta,
            }
            if "{" in uri:
                template = UriTemplate(uri)
                missing = set(signature.schema.get("required", ())) - set(template.variables)
                if missing:
                    raise TypeError(f"{fn.__qualname__}: parameters {sorted(missing)} are not in {uri!r}")
                definition = _definition(uriTemplate=uri, **fields)
                record = Resource(
                    uri, fn, is_async(fn), signature, mime_type, definition, frozenset(scopes), frozenset(tags)
                )
                self.templates[uri] = ResourceTemplate(template, record)
            else:
                definition = _definition(uri=uri, **fields)
                self.resources[uri] = Resource(
                    uri, fn, is_async(fn), signature, mime_type, definition, frozenset(scopes), frozenset(tags)
                )
            self._changed()
            return fn

        return register

    @overload
    def prompt(self, fn: F, /) -> F: ...

    @overload
    def prompt(
        self,
        fn: str | None = None,
        /,
        *,
        name: str | None = None,
        title: str | None = None,
        description: str | None = None,
        meta: dict[str, Any] | None = None,
        scopes: Iterable[str] = (),
        tags: Iterable[str] = (),
        enabled: bool = True,
    ) -> Callable[[F], F]: ...

    def prompt(
        self,
        fn: F | str | None = None,
        /,
        *,
        name: str | None = None,
        title: str | None = None,
        description: str | None = None,
        meta: dict[str, Any] | None = None,
        scopes: Iterable[str] = (),
        tags: Iterable[str] = (),
        enabled: bool = True,
    ) -> F | Callable[[F], F]:
        """Register a prompt; its parameters are the prompt's arguments (required when they have no default).
        ``@server.prompt("name")``, ``meta``, ``tags`` and ``enabled`` mean what they mean for :meth:`tool`."""
        fn, name = _named(fn, name)

        def register(fn: F) -> F:
            if not enabled:
                return fn
            prompt_name = name or fn.__name__
            signature = inspect_parameters(fn, Context)
            text = _describe(fn, description)
            definition = _definition(
                name=prompt_name, title=title, description=text, arguments=prompt_arguments(signature), _meta=meta
            )
            self.prompts[prompt_name] = Prompt(
                prompt_name, fn, is_async(fn), signature, text, definition, frozenset(scopes), frozenset(tags)
            )
            self._changed()
            return fn

        return register(fn) if fn is not None else register

    def completion(
        self, *, argument: str, prompt: str | None = None, resource_template: str | None = None
    ) -> Callable[[F], F]:
        """Register the completer of one argument of a prompt or one variable of a resource template.

        The function receives the partial value and the other arguments already filled in, and
        returns candidates; the first 100 are sent.
        """
        if (prompt is None) == (resource_template is None):
            raise TypeError("completion() needs exactly one of prompt= or resource_template=")
        key = ("ref/prompt", prompt, argument) if prompt is not None else ("ref/resource", resource_template, argument)

        def register(fn: F) -> F:
            self.completers[key] = fn  # type: ignore[index]
            self._changed()
            return fn

        return register
