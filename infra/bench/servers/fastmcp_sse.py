"""FastMCP 4 answering with SSE streams: in JSON mode it drops progress notifications, so the SSE
workload needs this second app (same server object, same tools) to be a like-for-like comparison."""

from infra.bench.servers.fastmcp_echo import mcp

app = mcp.http_app(path="/mcp", stateless_http=True, json_response=False)
