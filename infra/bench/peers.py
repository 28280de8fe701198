"""The servers compared, what role each plays in the ratios, and which workloads each can answer."""

from dataclasses import dataclass, field
from enum import Enum

from infra.bench import workloads as w


class Role(Enum):
    """What a server stands for in the ratios: ``ours / FASTMCP`` and ``ours / CEILING``."""

    OURS = "ours"
    FASTMCP = "fastmcp"
    CEILING = "ceiling"


@dataclass(frozen=True)
class Peer:
    """An ASGI app the benchmark can start; ``env`` is added to a clean environment."""

    name: str
    role: Role
    app: str
    answers: frozenset[str]
    env: tuple[tuple[str, str], ...] = field(default=())
    ready: w.Workload | None = None
    """The request that tells this server is up, when it is not one of the standard workloads."""

    def probe(self) -> w.Workload:
        """The request that tells this server is up: tools/call when it answers one."""
        return self.ready or next(workload for workload in w.ALL if workload.name in self.answers)


_CALLS = frozenset({w.CALL_LEGACY.name, w.CALL_MODERN.name})

OURS = Peer(
    "ours",
    Role.OURS,
    "app.main:app",
    frozenset(w.BY_NAME),
    env=(("FASTMCP_SERVER", "infra.bench.servers.ours:server"),),
)
FASTMCP = Peer(
    "FastMCP 4",
    Role.FASTMCP,
    "infra.bench.servers.fastmcp_echo:app",
    frozenset(w.BY_NAME) - {w.SSE_PROGRESS.name},
)
# In JSON mode FastMCP drops progress notifications, so its SSE figure comes from its SSE mode.
FASTMCP_SSE = Peer(
    "FastMCP 4 (SSE mode)",
    Role.FASTMCP,
    "infra.bench.servers.fastmcp_sse:app",
    frozenset({w.SSE_PROGRESS.name}),
)
STARLETTE_ECHO = Peer("Starlette echo", Role.CEILING, "infra.bench.servers.starlette_echo:app", _CALLS)

ALL = (OURS, FASTMCP, FASTMCP_SSE, STARLETTE_ECHO)
