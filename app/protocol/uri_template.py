"""Matching URIs against RFC 6570 templates, the reverse of expansion, compiled once per template.

Supported expressions: ``{var}`` (one path segment), ``{+var}`` and ``{var*}`` (may span ``/``),
``{#var}`` (fragment), ``{/var}`` (a segment with its slash) and ``{?a,b}`` / ``{&a,b}`` (query
parameters, each optional). That covers the templates MCP servers publish in practice.
"""

from __future__ import annotations

import re
from urllib.parse import parse_qsl, unquote

_EXPRESSION = re.compile(r"\{([+#/?&]?)([A-Za-z0-9_.,*%]+)\}")


class UriTemplate:
    """A compiled template: ``match(uri)`` gives the variables, or ``None``."""

    __slots__ = ("_pattern", "_query_vars", "template", "variables")

    def __init__(self, template: str) -> None:
        self.template = template
        self.variables: list[str] = []
        self._query_vars: list[str] = []
        pattern = []
        position = 0
        for found in _EXPRESSION.finditer(template):
            pattern.append(re.escape(template[position : found.start()]))
            operator, names = found.groups()
            pattern.append(self._compile(operator, names.split(",")))
            position = found.end()
        pattern.append(re.escape(template[position:]))
        if self._query_vars:
            pattern.append(r"(?:[?&](?P<_query>.*))?")
        self._pattern = re.compile("".join(pattern) + r"\Z")

    def _compile(self, operator: str, names: list[str]) -> str:
        if operator in ("?", "&"):
            self._query_vars.extend(name.rstrip("*") for name in names)
            self.variables.extend(name.rstrip("*") for name in names)
            return ""
        parts = []
        for name in names:
            explode = name.endswith("*")
            name = name.rstrip("*")
            self.variables.append(name)
            if operator in ("+", "#") or explode:
                parts.append(f"(?P<{name}>[^?#]+)" if operator != "#" else f"(?P<{name}>.+)")
            else:
                parts.append(f"(?P<{name}>[^/?#,]+)")
        prefix = {"": "", "+": "", "#": "#", "/": "/"}[operator]
        separator = "," if operator in ("", "+", "#") else re.escape(operator)
        return re.escape(prefix) + separator.join(parts)

    def match(self, uri: str) -> dict[str, str] | None:
        found = self._pattern.match(uri)
        if found is None:
            return None
        values = {name: unquote(value) for name, value in found.groupdict().items() if value is not None}
        query = values.pop("_query", None)
        if query:
            wanted = set(self._query_vars)
            values.update((key, value) for key, value in parse_qsl(query) if key in wanted)
        return values
