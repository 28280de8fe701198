"""The servers the benchmark compares, each an ASGI app serving the same echo tool at ``/mcp``."""
