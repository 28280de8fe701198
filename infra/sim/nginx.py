"""The rig's nginx: the real infra/nginx template, filled in, under a main config of the rig's own."""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from pathlib import Path

__all__ = ["TEMPLATE", "render", "write_config"]

TEMPLATE = Path(__file__).resolve().parents[1] / "nginx" / "mcp.conf.template"

_PLACEHOLDER = re.compile(r"\$\{([A-Z_][A-Z0-9_]*)\}")

# Everything nginx writes stays under the prefix directory; `daemon off` keeps the master a child
# of the rig, so the rig can stop it.
_MAIN = """\
daemon off;
worker_processes 1;
pid {prefix}/nginx.pid;
error_log {prefix}/error.log warn;
events {{
    worker_connections 1024;
}}
http {{
    access_log off;
    client_body_temp_path {prefix}/client_body;
    proxy_temp_path {prefix}/proxy;
    fastcgi_temp_path {prefix}/fastcgi;
    uwsgi_temp_path {prefix}/uwsgi;
    scgi_temp_path {prefix}/scgi;
    include {prefix}/mcp.conf;
}}
"""


def render(template: str, values: Mapping[str, str]) -> str:
    """Replace ${NAME} for the names in `values` only, as envsubst given a variable list does.

    nginx's own variables ($host, ${host}) are lower case and stay as they are; a placeholder
    left unfilled is an error rather than a broken config.
    """

    def fill(match: re.Match[str]) -> str:
        name = match.group(1)
        if name not in values:
            raise KeyError(f"{TEMPLATE.name}: no value for ${{{name}}}")
        return values[name]

    return _PLACEHOLDER.sub(fill, template)


def write_config(prefix: Path, listen: str, upstreams: Sequence[str]) -> Path:
    """Write nginx.conf and mcp.conf under `prefix` for one loopback listener; return nginx.conf.

    `upstreams` are host:port addresses. A replica that refuses a connection is skipped for 2s,
    short enough for a restarted one to get traffic again quickly.
    """
    servers = " ".join(f"server {address} max_fails=1 fail_timeout=2s;" for address in upstreams)
    mcp = render(TEMPLATE.read_text(), {"MCP_LISTEN": listen, "MCP_UPSTREAM_SERVERS": servers})
    (prefix / "mcp.conf").write_text(mcp)
    main = prefix / "nginx.conf"
    main.write_text(_MAIN.format(prefix=prefix))
    return main
