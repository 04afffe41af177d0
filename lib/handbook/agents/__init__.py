"""Chapter 9, tools and agents: tools with declared permissions, the agent loop with limits, and
the MCP server and client.

* `calculator`: `calculate`, safe arithmetic through `ast` (no eval).
* `workspace`: `Workspace`, file tools confined to one folder.
* `tools`: `Tool` (schema, read/act permission), `Toolbox` (validation, approval, timeout).
* `calls`: `decide`, tool calls from native `tool_calls`, reply text, or a JSON schema.
* `loop`: `run_agent`, the loop with a step limit, a budget and a stop reason.
"""

from .calculator import calculate
from .calls import choice_schema, decide, parse_text_calls
from .loop import Run, Step, run_agent
from .tools import Tool, Toolbox, ToolResult, calculator_tool, check_arguments, file_tools, search_tool
from .workspace import Workspace

__all__ = ["Run", "Step", "Tool", "ToolResult", "Toolbox", "Workspace", "calculate", "calculator_tool",
           "check_arguments", "choice_schema", "decide", "file_tools", "parse_text_calls", "run_agent",
           "search_tool"]
