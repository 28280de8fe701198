"""Commands packed by hiredis (C) instead of redis-py's Python packer.

redis-py's asyncio connections pack every command in Python: about 8 us for the script call that
stores a resumable reply's events (20 arguments), a tenth of what a Redis-backed call costs the
worker. hiredis packs the same bytes (it is what redis-py's synchronous client uses when installed).
"""

from __future__ import annotations

from typing import Any

import hiredis
from redis.asyncio.connection import AbstractConnection
from redis.exceptions import DataError


class _HiredisPacking:
    def pack_command(self, *args: Any) -> list[bytes]:
        name = args[0]
        if " " in name if isinstance(name, str) else b" " in name:  # "SCRIPT LOAD": two words on the wire
            args = (*name.split(), *args[1:])
        try:
            return [hiredis.pack_command(args)]
        except TypeError as error:  # what redis-py raises for a value it cannot send
            raise DataError(str(error)) from error


def hiredis_packed(connection_class: type[AbstractConnection]) -> type[AbstractConnection]:
    """``connection_class`` (plain, TLS or Unix socket) packing its commands with hiredis."""
    return type(f"HiredisPacked{connection_class.__name__}", (_HiredisPacking, connection_class), {})
