"""MCP both ways: the book's tools as a Model Context Protocol server, and any MCP server's tools for the agent.

`serve(workspace)` runs an MCP server over stdio (the official `mcp` SDK's `MCPServer`) with
`search_handbook(query)`, `calculator(expression)` and the read-only `list_files(folder)` and
`read_file(path)`, confined to the workspace; `handbook mcp` starts it. `mcp_tools(command)`
connects to any MCP server started by `command`, lists its tools and wraps each as a `Tool`
the `Toolbox` can run, so the loop neither knows nor cares where a tool lives.

    tools = mcp_tools(["handbook", "mcp", "--workspace", "data/workspace/files"])
    Toolbox(tools).run("calculator", {"expression": "6*7"}).output  -> '42'

Every MCP tool is declared as reading only when the server marks it `readOnlyHint`; any other
is an acting tool and needs approval (least privilege). Each call opens a fresh session
(simple and robust, slower than a kept-open one).

Deliberately left out: HTTP transports, resources, prompts and sampling.
"""

from __future__ import annotations

import asyncio
import concurrent.futures
import functools
import os
from collections.abc import Callable

from ..errors import ToolError
from .calculator import calculate
from .tools import Tool
from .workspace import Workspace


def build_server(workspace: str, search: Callable[[str], str] | None = None):
    """The `MCPServer` with the book's tools (chapter 9)."""
    from mcp.server.mcpserver import MCPServer
    from mcp.server.mcpserver.exceptions import ToolError as SDKToolError
    from mcp.types import ToolAnnotations

    ws = Workspace(workspace)

    def safely(fn: Callable[..., str]) -> Callable[..., str]:
        """A refusal (handbook's ToolError) reaches the client as the SDK's ToolError: its message, no traceback."""
        @functools.wraps(fn)
        def wrapper(*args, **kwargs) -> str:
            try:
                return fn(*args, **kwargs)
            except ToolError as exc:
                raise SDKToolError(f"{exc.message} Fix: {exc.fix}" if exc.fix else exc.message) from None
        return wrapper

    # WARNING: a refused path is an answer to the client, not an event to log on the host's stderr
    server = MCPServer("handbook", instructions="Tools of The GenAI Engineering Handbook (chapter 9).",
                       log_level="WARNING")
    ro = ToolAnnotations(readOnlyHint=True)

    @server.tool(description="Evaluate an arithmetic expression exactly, e.g. '1200 * 0.15'.", annotations=ro)
    @safely
    def calculator(expression: str) -> str:
        return str(calculate(expression))

    @server.tool(description="List the files in the workspace.", annotations=ro)
    @safely
    def list_files(folder: str = ".") -> str:
        return ws.list(folder)

    @server.tool(description="Read one text file of the workspace.", annotations=ro)
    @safely
    def read_file(path: str) -> str:
        return ws.read(path)

    if search is not None:
        @server.tool(description="Search The GenAI Engineering Handbook; returns the best passages.", annotations=ro)
        @safely
        def search_handbook(query: str) -> str:
            return search(query)

    return server


def serve(workspace: str, search: Callable[[str], str] | None = None) -> None:
    """Run the book's MCP server over stdio until the client closes it (chapter 9)."""
    build_server(workspace, search).run("stdio")


async def _session(command: list[str], action):
    from mcp import ClientSession, StdioServerParameters, stdio_client

    params = StdioServerParameters(command=command[0], args=command[1:], env=dict(os.environ))
    with open(os.devnull, "w") as quiet:  # the server's log; a notebook's stderr has no file descriptor
        async with stdio_client(params, errlog=quiet) as (read, write), ClientSession(read, write) as session:
            await session.initialize()
            return await action(session)


def _text(result) -> str:
    parts = [getattr(c, "text", "") for c in result.content]
    body = "\n".join(p for p in parts if p)
    if getattr(result, "is_error", False):
        raise RuntimeError(body or "the MCP tool failed")
    return body


def _sync(command: list[str], action):
    """Run one session to completion, also from a thread or notebook whose event loop is running."""
    try:
        asyncio.get_running_loop()
    except RuntimeError:
        return asyncio.run(_session(command, action))
    with concurrent.futures.ThreadPoolExecutor(max_workers=1) as pool:  # Jupyter: a loop already runs here
        return pool.submit(asyncio.run, _session(command, action)).result()


def mcp_tools(command: list[str]) -> list[Tool]:
    """The tools of the MCP server that `command` starts, as `Tool`s for a `Toolbox` (chapter 9)."""
    listed = _sync(command, lambda s: s.list_tools()).tools

    def caller(name: str):
        def call(**arguments) -> str:
            return _text(_sync(command, lambda s: s.call_tool(name, arguments)))
        return call

    tools = []
    for t in listed:
        hints = getattr(t, "annotations", None)
        read_only = bool(hints and (getattr(hints, "read_only_hint", None) or getattr(hints, "readOnlyHint", None)))
        schema = getattr(t, "input_schema", None) or getattr(t, "inputSchema", None) or {"type": "object"}
        tools.append(Tool(t.name, t.description or "", schema, caller(t.name), acts=not read_only))
    return tools
