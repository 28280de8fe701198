"""The template's example server, one of each feature to copy from; ``tools/`` serves it until you write your own."""

from app.tools.examples import server

__all__ = ["server"]
