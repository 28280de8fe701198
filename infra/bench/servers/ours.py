"""Our app's echo tools, served with ``FASTMCP_SERVER=infra.bench.servers.ours:server``."""

from app.protocol import Context, MCPServer

server = MCPServer("bench")


@server.tool
async def echo(text: str) -> str:
    """Echo the text back."""
    return text


@server.tool
async def progress_echo(text: str, ctx: Context) -> str:
    """Echo after three progress events."""
    for i in range(3):
        await ctx.report_progress(i + 1, 3)
    return text


@server.tool(task=True)
async def echo_task(text: str) -> str:
    """Echo the text back, as a task for clients that take tasks (the soak's task kind)."""
    return text
