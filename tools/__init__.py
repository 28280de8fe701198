"""Your tools: the package the image ships and the server serves by default (``FASTMCP_SERVER=tools:server``).

Write your ``MCPServer`` here (or in modules beside this one, then point ``FASTMCP_SERVER`` at
``tools.<module>:server``) and list what it needs beyond the template in ``tools/requirements.txt``.
Until then it serves the template's examples.
"""

from app.tools import server

__all__ = ["server"]
