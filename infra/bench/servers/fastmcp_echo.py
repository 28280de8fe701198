"""The peer: FastMCP 4, stateless, one JSON reply per POST (its fastest configuration)."""

from fastmcp import Context, FastMCP

mcp = FastMCP("bench")


@mcp.tool
async def echo(text: str) -> str:
    """Echo the text back."""
    return text


@mcp.tool
async def progress_echo(text: str, ctx: Context) -> str:
    """Echo after three progress events."""
    for i in range(3):
        await ctx.report_progress(i + 1, 3)
    return text


app = mcp.http_app(path="/mcp", stateless_http=True, json_response=True)
