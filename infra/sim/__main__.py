"""`python -m infra.sim`: start the rig, print where it listens, and keep it up until Ctrl-C."""

from __future__ import annotations

import argparse
import signal

from .rig import Rig


def _key_value(text: str) -> tuple[str, str]:
    key, sep, value = text.partition("=")
    if not sep or not key:
        raise argparse.ArgumentTypeError(f"expected KEY=VALUE, got {text!r}")
    return key, value


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(prog="python -m infra.sim", description=__doc__)
    parser.add_argument("--instances", type=int, default=3, help="gunicorn instances (default 3)")
    parser.add_argument("--workers", type=int, default=2, help="workers per instance (default 2)")
    parser.add_argument("--server", default="tools:server", help="module:attr of the MCPServer to serve")
    parser.add_argument(
        "--redis-url",
        help="a Redis you run (redis+cluster://..., redis+sentinel://...) instead of the rig's own redis-server",
    )
    parser.add_argument(
        "--env",
        type=_key_value,
        action="append",
        default=[],
        metavar="KEY=VALUE",
        help="extra environment for every instance (repeatable)",
    )
    args = parser.parse_args(argv)
    # `kill <pid>` ends the rig as cleanly as Ctrl-C does.
    signal.signal(signal.SIGTERM, signal.default_int_handler)
    with Rig(args.instances, args.workers, server=args.server, env=dict(args.env), redis_url=args.redis_url) as rig:
        print(f"MCP endpoint (nginx): {rig.url}")
        print(f"redis: {rig.redis_url}")
        for instance in rig.instances:
            print(f"{instance.name}: pid {instance.pid}, {instance.base_url}")
        print("Ctrl-C stops everything.", flush=True)
        try:
            signal.pause()
        except KeyboardInterrupt:
            print("stopping...", flush=True)


if __name__ == "__main__":
    main()
