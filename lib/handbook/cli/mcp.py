"""`handbook mcp`: the book's tools as an MCP server over stdio (chapter 9)."""

from __future__ import annotations


def register(sub) -> None:
    m = sub.add_parser("mcp", help="run the handbook's MCP server over stdio (chapter 9)",
                       description="Serve search_handbook, calculator, list_files and read_file (read-only, "
                       "confined to --workspace) with the Model Context Protocol over stdio.")
    m.add_argument("--workspace", default="data/workspace/files", help="folder the file tools may read")
    m.add_argument("--no-search", action="store_true", help="leave out search_handbook (no index to build)")
    m.set_defaults(func=_mcp)


def _mcp(args) -> int:
    from ..agents.mcp import serve
    from ..agents.workspace import Workspace
    from .agent import _search

    Workspace(args.workspace)  # a bad folder fails here with a clear message, before the server starts
    serve(args.workspace, None if args.no_search else _search())
    return 0
