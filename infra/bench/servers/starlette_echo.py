"""The practical ceiling: one Starlette route that parses JSON-RPC with orjson and answers a tools/call.

No protocol logic at all (no header checks, no method dispatch, no validation): whatever our app
does beyond this is protocol work, so ``ours / this`` is the share of the ceiling we reach.
"""

import orjson
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route


async def mcp(request: Request) -> Response:
    message = orjson.loads(await request.body())
    text = message["params"]["arguments"]["text"]
    result = {"content": [{"type": "text", "text": text}], "isError": False}
    return Response(
        orjson.dumps({"jsonrpc": "2.0", "id": message["id"], "result": result}),
        media_type="application/json",
    )


app = Starlette(routes=[Route("/mcp", mcp, methods=["POST"])])
