"""The template's example server: the room to edit first. Replace these tools with your own."""

from app.tools.examples import server

__all__ = ["server"]
